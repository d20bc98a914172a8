import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { BackendOptionError, BackendUnavailableError } from './errors';
import { basinKernels, replacedKernels } from './wasm-kernels/kernel-scope';
import { makeBatchMatMul, makeFusedMatMul } from './wasm-kernels/matmul';
import { conv2DBackpropFilter, conv2DBackpropInput } from './wasm-kernels/conv2d-backprop';
import { depthwiseConv2dNativeBackpropFilter, depthwiseConv2dNativeBackpropInput } from './wasm-kernels/depthwise-backprop';
import { unsortedSegmentSum } from './wasm-kernels/unsorted-segment-sum';
import { makeSum } from './wasm-kernels/sum';
import { maxPoolGrad } from './wasm-kernels/max-pool-grad';

/** The kernels `installWasmTrainingKernels` provides on the WASM backend. */
export const WASM_TRAINING_KERNELS = [
  'BatchMatMul',
  '_FusedMatMul',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
  'Sum',
  'MaxPoolGrad',
] as const;

export type WasmTrainingKernel = (typeof WASM_TRAINING_KERNELS)[number];

interface Spec {
  /** `add`: the backend lacks it; `replace`: wraps or replaces the backend's own. */
  kind: 'add' | 'replace';
  /** Backend kernels it is built from. */
  uses: string[];
  make(original: KernelConfig | undefined): KernelFunc;
}

const SPECS: Record<WasmTrainingKernel, Spec> = {
  BatchMatMul: { kind: 'replace', uses: ['Transpose', 'Reshape', 'Slice'], make: (o) => makeBatchMatMul(o!) },
  _FusedMatMul: { kind: 'replace', uses: ['Transpose', 'Reshape', 'Slice', 'Add'], make: (o) => makeFusedMatMul(o!) },
  Conv2DBackpropFilter: { kind: 'add', uses: ['Conv2D', 'Transpose', 'Slice'], make: () => conv2DBackpropFilter },
  Conv2DBackpropInput: { kind: 'replace', uses: ['Conv2D', 'Transpose', 'Reverse', 'PadV2', 'Reshape', 'Slice'], make: () => conv2DBackpropInput },
  DepthwiseConv2dNativeBackpropFilter: {
    kind: 'add',
    uses: ['DepthwiseConv2dNative', 'Transpose', 'Reshape', 'Slice', 'Sum'],
    make: () => depthwiseConv2dNativeBackpropFilter,
  },
  DepthwiseConv2dNativeBackpropInput: {
    kind: 'add',
    uses: ['DepthwiseConv2dNative', 'Reverse', 'PadV2', 'Reshape', 'Slice', 'Sum'],
    make: () => depthwiseConv2dNativeBackpropInput,
  },
  UnsortedSegmentSum: { kind: 'add', uses: [], make: () => unsortedSegmentSum },
  Sum: { kind: 'replace', uses: [], make: (o) => makeSum(o!) },
  // The backend's own drops the dy of windows whose maximum is <= 0.
  MaxPoolGrad: { kind: 'replace', uses: [], make: () => maxPoolGrad },
};

/** What `installWasmTrainingKernels` did. */
export interface WasmKernelReport {
  /** Kernels this call registered: new ones, and Basin's versions of the backend's own. */
  installed: WasmTrainingKernel[];
  /** Kernels an earlier call had installed (left as they are). */
  alreadyInstalled: WasmTrainingKernel[];
  /** Kernels left alone, and why (the backend already has its own, or lacks one they build on). */
  skipped: { kernel: WasmTrainingKernel; reason: string }[];
}

export interface WasmTrainingKernelOptions {
  /** Install only these (default: all of `WASM_TRAINING_KERNELS`). */
  kernels?: readonly WasmTrainingKernel[];
}

const isOurs = (k: KernelConfig | undefined): boolean => k !== undefined && basinKernels.has(k);

function selected(owner: string, options: WasmTrainingKernelOptions | undefined): WasmTrainingKernel[] {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new BackendOptionError(`${owner}: options must be an object like { kernels: ['BatchMatMul'] }, got ${String(options)}`);
  }
  const kernels = options?.kernels ?? WASM_TRAINING_KERNELS;
  if (!Array.isArray(kernels)) throw new BackendOptionError(`${owner}: kernels must be an array of kernel names, got ${String(kernels)}`);
  const unknown = kernels.filter((k) => !(WASM_TRAINING_KERNELS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new BackendOptionError(`${owner}: unknown kernel${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (known: ${WASM_TRAINING_KERNELS.join(', ')})`);
  }
  return [...kernels];
}

/**
 * Makes the WASM backend train what the CPU backend trains, fast. It registers the gradient
 * kernels the WASM backend lacks (`Conv2DBackpropFilter`, `DepthwiseConv2dNativeBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropInput`, `UnsortedSegmentSum`: Conv2D, Conv1D, SeparableConv2D,
 * DepthwiseConv2D, Conv2DTranspose and Embedding layers can then be trained), and replaces three
 * of its kernels by faster compositions of its own: `BatchMatMul` and `_FusedMatMul` with a
 * transpose flag (every Dense layer's backward pass) become an explicit `Transpose` and a product
 * on XNNPACK, and `Conv2DBackpropInput` (a scalar loop) becomes an XNNPACK convolution.
 *
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import '@tensorflow/tfjs-backend-wasm';
 * import { installWasmTrainingKernels } from '@basin/backends';
 * await tf.setBackend('wasm');
 * console.log(installWasmTrainingKernels().installed); // ['BatchMatMul', '_FusedMatMul', ...]
 * ```
 *
 * `useBackend('wasm')` calls it for you. Idempotent: a second call installs nothing and lists the
 * kernels under `alreadyInstalled`. Kernels the backend already has natively (a later TF.js) are
 * left alone and listed under `skipped`. Call it after `@tensorflow/tfjs-backend-wasm` is
 * imported (before or after `tf.setBackend('wasm')`); `removeWasmTrainingKernels` undoes it.
 * Every kernel is built from the backend's own kernels through TF.js's public kernel registry,
 * and is tested against the CPU backend.
 */
export function installWasmTrainingKernels(options?: WasmTrainingKernelOptions): WasmKernelReport {
  const owner = 'installWasmTrainingKernels';
  const wanted = selected(owner, options);
  if (!tf.getKernel('BatchMatMul', 'wasm')) {
    throw new BackendUnavailableError(
      `${owner}: the WASM backend's kernels are not registered; import '@tensorflow/tfjs-backend-wasm' (or call useBackend('wasm')) first`,
      ['wasm'],
      ['@tensorflow/tfjs-backend-wasm'],
    );
  }
  const report: WasmKernelReport = { installed: [], alreadyInstalled: [], skipped: [] };
  for (const name of wanted) {
    const spec = SPECS[name];
    const existing = tf.getKernel(name, 'wasm');
    if (isOurs(existing)) {
      report.alreadyInstalled.push(name);
      continue;
    }
    if (spec.kind === 'add' && existing) {
      report.skipped.push({ kernel: name, reason: 'the WASM backend has its own' });
      continue;
    }
    if (spec.kind === 'replace' && !existing) {
      report.skipped.push({ kernel: name, reason: `the WASM backend has no '${name}' to replace` });
      continue;
    }
    const missing = spec.uses.filter((k) => !tf.getKernel(k, 'wasm'));
    if (missing.length > 0) {
      report.skipped.push({ kernel: name, reason: `the WASM backend lacks ${missing.join(', ')}` });
      continue;
    }
    const config: KernelConfig = {
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: spec.make(existing),
      // A replacement keeps the original's setup (run by TF.js when the backend initialises).
      setupFunc: existing?.setupFunc,
      disposeFunc: existing?.disposeFunc,
    };
    if (existing) {
      replacedKernels.set(name, existing);
      tf.unregisterKernel(name, 'wasm');
    }
    basinKernels.add(config);
    tf.registerKernel(config);
    report.installed.push(name);
  }
  return report;
}

/**
 * Undoes `installWasmTrainingKernels`: unregisters Basin's kernels and puts the WASM backend's
 * own back. Returns the kernels it removed. For benchmarks and for bisecting a suspected kernel.
 */
export function removeWasmTrainingKernels(options?: WasmTrainingKernelOptions): WasmTrainingKernel[] {
  const wanted = selected('removeWasmTrainingKernels', options);
  const removed: WasmTrainingKernel[] = [];
  for (const name of wanted) {
    if (!isOurs(tf.getKernel(name, 'wasm'))) continue;
    tf.unregisterKernel(name, 'wasm');
    const original = replacedKernels.get(name);
    if (original) {
      tf.registerKernel(original);
      replacedKernels.delete(name);
    }
    removed.push(name);
  }
  return removed;
}
