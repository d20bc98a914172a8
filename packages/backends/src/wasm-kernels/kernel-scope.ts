import * as tf from '@tensorflow/tfjs-core';
import type { DataType, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { BackendOptionError, BackendUnavailableError } from '../errors';

/**
 * What Basin's WASM kernels use of `@tensorflow/tfjs-backend-wasm`'s `BackendWasm`: its public
 * methods only. Stated structurally so this package does not import the WASM backend.
 */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

export type KernelInputs = Record<string, TensorInfo | null | undefined>;

/** The WASM backend's own kernel configs that a Basin kernel replaced, by kernel name. */
export const replacedKernels = new Map<string, KernelConfig>();

/** The configs Basin registered (to tell them from the backend's own, and from later replacements). */
export const basinKernels = new WeakSet<KernelConfig>();

/**
 * The kernel the WASM backend itself provides under `name`: the one Basin replaced, if it did,
 * else the registered one. Composite kernels call these, never each other's wrappers.
 */
export function nativeKernel(name: string, owner: string): KernelConfig {
  const registered = tf.getKernel(name, 'wasm');
  const kernel = registered && basinKernels.has(registered) ? replacedKernels.get(name) : registered;
  if (!kernel) {
    throw new BackendUnavailableError(
      `${owner}: the WASM backend has no '${name}' kernel to build on (is @tensorflow/tfjs-backend-wasm ^4.22 imported?)`,
      ['wasm'],
      ['@tensorflow/tfjs-backend-wasm'],
    );
  }
  return kernel;
}

/**
 * One invocation of a composite kernel: runs the backend's kernels on `TensorInfo`s and disposes
 * every intermediate it made when `use` returns or throws, so the kernel adds exactly its output
 * to the backend (TF.js's leak check in tests counts data ids per kernel).
 */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(
    readonly backend: WasmBackendLike,
    /** The kernel's name, for error messages. */
    readonly owner: string,
  ) {}

  /** Runs the backend's own kernel `name`; the result is an intermediate unless `keep`. */
  run(name: string, inputs: KernelInputs | TensorInfo[], attrs: NamedAttrMap = {}, keep = false): TensorInfo {
    const kernel = nativeKernel(name, this.owner);
    const out = kernel.kernelFunc({ inputs: inputs as never, attrs, backend: this.backend as never }) as TensorInfo;
    if (!keep) this.temps.push(out);
    return out;
  }

  /** Marks `info` as an intermediate to dispose at the end. */
  temp(info: TensorInfo): TensorInfo {
    this.temps.push(info);
    return info;
  }

  reshaped(x: TensorInfo, shape: number[], keep = false): TensorInfo {
    return this.run('Reshape', { x }, { shape }, keep);
  }

  permuted(x: TensorInfo, perm: number[], keep = false): TensorInfo {
    return this.run('Transpose', { x }, { perm }, keep);
  }

  /** A new output tensor on the WASM heap (kept: it is the kernel's result or filled by hand). */
  output(shape: number[], dtype: DataType = 'float32'): TensorInfo {
    return this.backend.makeOutput(shape, dtype);
  }

  /**
   * A view of a tensor's values on the WASM heap. Take views after the last allocation: a heap
   * that grows detaches earlier views.
   */
  view(info: TensorInfo): Float32Array | Int32Array | Uint8Array {
    return this.backend.typedArrayFromHeap(info);
  }

  dispose(): void {
    for (const t of this.temps.splice(0)) this.backend.disposeData(t.dataId);
  }
}

/** Runs `body` in a fresh scope and disposes the scope's intermediates afterwards. */
export function withScope<T>(backend: WasmBackendLike, owner: string, body: (scope: KernelScope) => T): T {
  const scope = new KernelScope(backend, owner);
  try {
    return body(scope);
  } finally {
    scope.dispose();
  }
}

/** Throws a BasinError naming the kernel unless every tensor is float32. */
export function requireFloat32(owner: string, tensors: Record<string, TensorInfo>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'float32') throw new BackendOptionError(`${owner}: ${name} must be float32 on the WASM backend, got ${t.dtype}`);
  }
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
