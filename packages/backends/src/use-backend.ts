import * as tf from '@tensorflow/tfjs-core';
import { detectEnvironment } from './environment';
import { BackendOptionError, BackendUnavailableError } from './errors';
import { LOADERS, firstLine, type BackendLoader } from './loaders';
import { BACKEND_NAMES, defaultPreference, isBackendName, type BackendName, type Environment } from './names';
import { float16Message, floatPrecision } from './precision';
import { describeBackend, type BackendDetails } from './describe';
import { installWasmTrainingKernels, type WasmKernelReport } from './wasm-training';
import { installFusedKernels } from './fused';

/** A backend name, a preference list tried in order, or `'auto'` (the environment's default list). */
export type BackendRequest = BackendName | 'auto' | readonly BackendName[];

export interface UseBackendOptions {
  /**
   * Refuse a backend that computes in float16 (WebGL on some GPUs). With a preference list
   * the next backend is tried; with a single name `useBackend` throws. Default false: a
   * float16 backend is used with a warning.
   */
  requireFloat32?: boolean;
  /** Where the WASM backend finds its `.wasm` files (passed to `setWasmPaths`): a prefix or a per-file map. */
  wasmPaths?: string | Record<string, string>;
  /** Custom loaders per backend, e.g. `{ webgpu: () => import('@tensorflow/tfjs-backend-webgpu') }` in a bundled app. */
  loaders?: Partial<Record<BackendName, BackendLoader>>;
  /** Receives warnings (float16); default `console.warn`. */
  warn?: (message: string) => void;
  /** Overrides environment detection (tests). */
  environment?: Environment;
  /**
   * On WASM, install Basin's training kernels (`installWasmTrainingKernels`: the gradient
   * kernels the backend lacks, and fast transposed matmuls). Default true.
   */
  wasmTrainingKernels?: boolean;
}

/** What `useBackend` chose and why. */
export interface BackendChoice {
  /** The backend now active (`tf.getBackend()` gives the same name). */
  name: BackendName;
  environment: Environment;
  /** The npm package that provided it, when `useBackend` loaded one. */
  package?: string;
  /** 32, or 16 for WebGL without float32 render targets. */
  precision: 16 | 32;
  /** One sentence: why this backend. */
  reason: string;
  /** Backends tried before it and why each was passed over. */
  skipped: { name: BackendName; reason: string }[];
  warnings: string[];
  details: BackendDetails;
  /** On WASM: what `installWasmTrainingKernels` did (absent with `wasmTrainingKernels: false`). */
  wasmKernels?: WasmKernelReport;
}

function normalise(request: BackendRequest, environment: Environment): { list: BackendName[]; single: boolean } {
  if (request === 'auto') return { list: defaultPreference(environment), single: false };
  const list = typeof request === 'string' ? [request] : Array.isArray(request) ? [...request] : [];
  const bad = list.filter((n) => !isBackendName(n));
  if (list.length === 0 || bad.length > 0) {
    throw new BackendOptionError(
      `useBackend: expected a backend name (${BACKEND_NAMES.join(', ')}), 'auto' or a non-empty list of names; got ${JSON.stringify(request)}`,
    );
  }
  return { list, single: typeof request === 'string' };
}

/** Runs `tf.setBackend`, capturing the warnings TF.js prints when a backend fails to initialise. */
async function activate(name: BackendName): Promise<string | undefined> {
  const captured: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => captured.push(args.map(String).join(' '));
  let ok = false;
  try {
    ok = await tf.setBackend(name);
    if (ok) await tf.ready();
  } catch (e) {
    captured.push(firstLine(e));
  } finally {
    console.warn = warn;
  }
  if (ok && tf.getBackend() === name) return undefined;
  const why = captured.filter((m) => !/^Initialization of backend/.test(m)).map((m) => m.split('\n')[0])[0];
  let message = `backend '${name}' failed to initialise${why ? `: ${why.length > 240 ? `${why.slice(0, 240)}...` : why}` : ''}`;
  if (name === 'wasm') message += ' (are its .wasm files served? pass wasmPaths, see docs/backends.md)';
  return message;
}

/**
 * Chooses and initialises a TF.js backend by name or by preference list, and reports what
 * was chosen and why.
 *
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { useBackend } from '@basin/backends';
 * const choice = await useBackend(['webgpu', 'webgl', 'cpu'], { requireFloat32: true });
 * console.log(choice.name, choice.reason);
 * ```
 *
 * A single name that cannot be used throws a `BackendUnavailableError` naming the missing
 * package (`missingPackages`); a list throws only when none of its backends works.
 */
export async function useBackend(request: BackendRequest = 'auto', options: UseBackendOptions = {}): Promise<BackendChoice> {
  const environment = options.environment ?? detectEnvironment();
  const { list, single } = normalise(request, environment);
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const ctx = { environment, loaders: options.loaders ?? {}, wasmPaths: options.wasmPaths };
  const skipped: { name: BackendName; reason: string }[] = [];
  const missing = new Set<string>();
  // Not tf.getBackend(): with no backend set it would start initialising the highest-priority
  // registered one (e.g. WASM before its paths are set).
  const previous = (tf.engine() as unknown as { backendName?: string | null }).backendName ?? undefined;

  for (const name of list) {
    let loaded;
    try {
      loaded = await LOADERS[name](ctx);
    } catch (e) {
      if (!(e instanceof BackendUnavailableError)) {
        skipped.push({ name, reason: `backend '${name}' failed to load: ${firstLine(e)}` });
        continue;
      }
      e.missingPackages.forEach((p) => missing.add(p));
      skipped.push({ name, reason: e.message });
      continue;
    }
    const failure = await activate(name);
    if (failure) {
      skipped.push({ name, reason: failure });
      continue;
    }
    // One program per leaf for @basin/core's optimizer updates on GPU backends.
    if (name === 'webgl' || name === 'webgpu') installFusedKernels([name]);
    const precision = floatPrecision();
    const warnings: string[] = [];
    if (precision === 16) {
      const message = float16Message(name);
      if (options.requireFloat32) {
        skipped.push({ name, reason: `refused: ${message}` });
        continue;
      }
      warnings.push(message);
      warn(`@basin/backends: ${message}`);
    }
    let wasmKernels: WasmKernelReport | undefined;
    if (name === 'wasm' && options.wasmTrainingKernels !== false) {
      try {
        wasmKernels = installWasmTrainingKernels();
      } catch (e) {
        const message = `Basin's WASM training kernels were not installed: ${firstLine(e)}`;
        warnings.push(message);
        warn(`@basin/backends: ${message}`);
      }
    }
    const reason = single
      ? `requested '${name}'`
      : `first usable backend in [${list.join(', ')}]` +
        (skipped.length ? `; passed over ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}` : '');
    return {
      name,
      environment,
      package: loaded.package,
      precision,
      reason: loaded.note ? `${reason} (${loaded.note})` : reason,
      skipped,
      warnings,
      details: describeBackend(),
      ...(wasmKernels ? { wasmKernels } : {}),
    };
  }

  if (previous && tf.getBackend() !== previous) await tf.setBackend(previous);
  const header = single ? 'useBackend: ' : `useBackend: none of the backends [${list.join(', ')}] could be used: `;
  throw new BackendUnavailableError(header + skipped.map((s) => s.reason).join('; '), list, [...missing]);
}
