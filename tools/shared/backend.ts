// Backend selection for the tools (parity runner, benchmarks, demo): loads @tensorflow/tfjs
// (which registers gradients and the CPU backend) plus the requested backend package.
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'cpu' | 'wasm' | 'tensorflow' | 'webgpu' | 'webgl';

async function tryImport(name: string): Promise<boolean> {
  try {
    await import(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Initialises a backend by name. `auto` picks the fastest present in Node: tensorflow
 * (tfjs-node-gpu or tfjs-node), then wasm, then cpu. Returns the backend's name.
 */
export async function useBackend(requested: BackendName | 'auto' = 'auto'): Promise<string> {
  if (requested === 'auto') {
    for (const name of ['tensorflow', 'wasm', 'cpu'] as const) {
      try {
        return await useBackend(name);
      } catch {
        // try the next one
      }
    }
  }
  if (requested === 'tensorflow') {
    if (!(await tryImport('@tensorflow/tfjs-node-gpu')) && !(await tryImport('@tensorflow/tfjs-node'))) {
      throw new Error("backend 'tensorflow' needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node installed");
    }
  }
  if (requested === 'wasm') {
    if (!(await tryImport('@tensorflow/tfjs-backend-wasm'))) throw new Error("backend 'wasm' needs @tensorflow/tfjs-backend-wasm installed");
  }
  if (requested === 'webgpu') {
    throw new Error("backend 'webgpu' in Node needs the `webgpu` package and a GPU adapter: see docs/backends.md");
  }
  if (!(await tf.setBackend(requested))) throw new Error(`backend '${requested}' failed to initialise`);
  await tf.ready();
  return tf.getBackend();
}
