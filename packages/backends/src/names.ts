/** The backends Basin knows how to choose and initialise. */
export type BackendName = 'tensorflow' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** Where the code runs: decides which backends can exist and how they are loaded. */
export type Environment = 'node' | 'browser' | 'worker';

/**
 * The npm packages each backend needs, per environment, in the order they are tried. Used
 * to load a backend that is not registered yet and to name what is missing in errors.
 */
export const BACKEND_PACKAGES: Readonly<Record<BackendName, Readonly<Record<Environment, readonly string[]>>>> = {
  tensorflow: {
    node: ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'],
    browser: [],
    worker: [],
  },
  webgpu: {
    node: ['webgpu', '@tensorflow/tfjs-backend-webgpu'],
    browser: ['@tensorflow/tfjs-backend-webgpu'],
    worker: ['@tensorflow/tfjs-backend-webgpu'],
  },
  webgl: { node: [], browser: ['@tensorflow/tfjs-backend-webgl'], worker: ['@tensorflow/tfjs-backend-webgl'] },
  wasm: { node: ['@tensorflow/tfjs-backend-wasm'], browser: ['@tensorflow/tfjs-backend-wasm'], worker: ['@tensorflow/tfjs-backend-wasm'] },
  cpu: { node: ['@tensorflow/tfjs-backend-cpu'], browser: ['@tensorflow/tfjs-backend-cpu'], worker: ['@tensorflow/tfjs-backend-cpu'] },
};

/**
 * The default preference order, fastest first. In Node: native TensorFlow (tfjs-node-gpu,
 * then tfjs-node), WebGPU through Dawn, WASM, CPU. In a browser: WebGPU, WebGL, WASM, CPU.
 */
export function defaultPreference(environment: Environment): BackendName[] {
  return environment === 'node' ? ['tensorflow', 'webgpu', 'wasm', 'cpu'] : ['webgpu', 'webgl', 'wasm', 'cpu'];
}

export function isBackendName(x: unknown): x is BackendName {
  return typeof x === 'string' && (BACKEND_NAMES as readonly string[]).includes(x);
}
