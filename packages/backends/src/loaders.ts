import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from './errors';
import { importOptional } from './import-optional';
import { BACKEND_PACKAGES, type BackendName, type Environment } from './names';

/** Loads (imports and registers) one backend; a module for `loaders` overrides. */
export type BackendLoader = () => Promise<unknown>;

export interface LoadContext {
  environment: Environment;
  /** User-supplied loaders, e.g. `{ webgl: () => import('@tensorflow/tfjs-backend-webgl') }`. */
  loaders: Partial<Record<BackendName, BackendLoader>>;
  /** Where the WASM backend finds its `.wasm` files: a URL/path prefix or a per-file map. */
  wasmPaths?: string | Record<string, string>;
}

/** What a loader found: the package that provides the backend and a note for the report. */
export interface Loaded {
  package?: string;
  note?: string;
}

const unavailable = (name: BackendName, message: string, missing: readonly string[] = []) =>
  new BackendUnavailableError(message, [name], missing);

const installLine = (pkgs: readonly string[]) => `npm install ${pkgs.join(' ')}`;

/** Imports `pkg` with the user's loader when given, else by name; throws naming it when absent. */
async function importPackage(name: BackendName, pkg: string, ctx: LoadContext): Promise<unknown> {
  const custom = ctx.loaders[name];
  const mod = custom ? await custom() : await importOptional(pkg);
  if (mod === undefined) {
    const hint =
      ctx.environment === 'node'
        ? installLine([pkg])
        : `${installLine([pkg])} and import it in your app (\`import '${pkg}'\`), or pass \`loaders: { ${name}: () => import('${pkg}') }\``;
    throw unavailable(name, `backend '${name}' needs the package ${pkg}, which is not installed (${hint})`, [pkg]);
  }
  return mod;
}

const registered = (tfName: string) => tf.findBackendFactory(tfName) != null;

async function loadTensorflow(ctx: LoadContext): Promise<Loaded> {
  if (ctx.environment !== 'node') {
    throw unavailable('tensorflow', "backend 'tensorflow' (tfjs-node) exists only in Node; in a browser use 'webgpu', 'webgl', 'wasm' or 'cpu'");
  }
  if (registered('tensorflow')) return { note: 'already registered' };
  if (ctx.loaders.tensorflow) {
    await ctx.loaders.tensorflow();
    return { note: 'custom loader' };
  }
  const failures: string[] = [];
  for (const pkg of BACKEND_PACKAGES.tensorflow.node) {
    try {
      if ((await importOptional(pkg)) !== undefined && registered('tensorflow')) return { package: pkg };
    } catch (e) {
      // Installed but its native binding failed (wrong CUDA/cuDNN, missing libtensorflow).
      failures.push(`${pkg} is installed but failed to load: ${firstLine(e)}`);
    }
  }
  if (failures.length > 0) {
    throw unavailable('tensorflow', `backend 'tensorflow': ${failures.join('; ')} (see docs/backends.md for the CUDA/cuDNN versions tfjs-node-gpu needs)`);
  }
  const pkgs = BACKEND_PACKAGES.tensorflow.node;
  throw unavailable(
    'tensorflow',
    `backend 'tensorflow' needs ${pkgs.join(' or ')}, and neither is installed (${installLine([pkgs[1]])}, or ${pkgs[0]} for CUDA GPUs)`,
    pkgs,
  );
}

interface GpuLike {
  requestAdapter(options?: unknown): Promise<unknown>;
}

/** In Node, WebGPU comes from the `webgpu` package (Dawn): it provides `navigator.gpu` and the GPU* constants. */
async function installNodeWebGpu(ctx: LoadContext): Promise<string | undefined> {
  const g = globalThis as { navigator?: { gpu?: GpuLike } };
  if (g.navigator?.gpu) return undefined;
  const dawn = (await importOptional<{ create: (flags: string[]) => GpuLike; globals?: Record<string, unknown> }>('webgpu')) ?? undefined;
  if (!dawn) {
    throw unavailable(
      'webgpu',
      "backend 'webgpu' in Node needs the package `webgpu` (Dawn bindings, " +
        `${installLine(['webgpu', '@tensorflow/tfjs-backend-webgpu'])}) and a GPU with a Vulkan, Metal or D3D12 driver`,
      ['webgpu'],
    );
  }
  const gpu = dawn.create([]);
  // GPUBufferUsage and friends are globals in browsers; the backend reads them as globals.
  if (dawn.globals) Object.assign(globalThis, dawn.globals);
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  void ctx;
  return 'webgpu';
}

async function loadWebGpu(ctx: LoadContext): Promise<Loaded> {
  let provider: string | undefined;
  if (ctx.environment === 'node') provider = await installNodeWebGpu(ctx);
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (!gpu) throw unavailable('webgpu', "backend 'webgpu' is not available: this browser has no WebGPU (navigator.gpu is undefined)");
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw unavailable('webgpu', "backend 'webgpu' is not available: navigator.gpu.requestAdapter() found no GPU adapter");
  }
  if (!registered('webgpu')) {
    const pkg = '@tensorflow/tfjs-backend-webgpu';
    await importPackage('webgpu', pkg, ctx);
    if (!registered('webgpu')) {
      throw unavailable('webgpu', `backend 'webgpu': ${pkg} was imported before navigator.gpu existed, so it did not register; import it after useBackend sets up WebGPU`);
    }
    return { package: provider ? `${provider} + ${pkg}` : pkg };
  }
  return { package: provider, note: 'already registered' };
}

async function loadWebGl(ctx: LoadContext): Promise<Loaded> {
  if (ctx.environment === 'node') {
    throw unavailable('webgl', "backend 'webgl' exists only in browsers (run it in headless Chromium); in Node use 'tensorflow', 'webgpu' or 'wasm'");
  }
  if (registered('webgl')) return { note: 'already registered' };
  await importPackage('webgl', '@tensorflow/tfjs-backend-webgl', ctx);
  return { package: '@tensorflow/tfjs-backend-webgl' };
}

async function loadWasm(ctx: LoadContext): Promise<Loaded> {
  const pkg = '@tensorflow/tfjs-backend-wasm';
  let mod: { setWasmPaths?: (p: string | Record<string, string>) => void } | undefined;
  if (!registered('wasm') || ctx.wasmPaths !== undefined) mod = (await importPackage('wasm', pkg, ctx)) as typeof mod;
  if (ctx.wasmPaths !== undefined) {
    if (typeof mod?.setWasmPaths !== 'function') throw unavailable('wasm', `backend 'wasm': ${pkg} did not export setWasmPaths`);
    mod.setWasmPaths(ctx.wasmPaths);
  }
  return { package: pkg, note: ctx.wasmPaths !== undefined ? `wasm files from ${JSON.stringify(ctx.wasmPaths)}` : undefined };
}

async function loadCpu(ctx: LoadContext): Promise<Loaded> {
  if (registered('cpu')) return { note: 'already registered' };
  await importPackage('cpu', '@tensorflow/tfjs-backend-cpu', ctx);
  return { package: '@tensorflow/tfjs-backend-cpu' };
}

export const LOADERS: Record<BackendName, (ctx: LoadContext) => Promise<Loaded>> = {
  tensorflow: loadTensorflow,
  webgpu: loadWebGpu,
  webgl: loadWebGl,
  wasm: loadWasm,
  cpu: loadCpu,
};

export function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}
