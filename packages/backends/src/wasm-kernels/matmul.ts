import { broadcast_util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BackendOptionError } from '../errors';
import { sizeOf, withScope, type KernelScope, type WasmBackendLike } from './kernel-scope';

/**
 * The WASM backend sends a matmul to XNNPACK only when neither operand is transposed and both
 * have batch size 1; anything else runs a scalar triple loop (10-40x slower). Dense layers'
 * backward passes are exactly `dy @ W^T` and `x^T @ dy`.
 *
 * Measured on the 2-core machine (tools/bench/wasm-matmul.ts): an explicit `Transpose` followed
 * by the flag-free product wins from about 32^3 multiply-adds up; below that both take a few
 * microseconds and the extra kernel call can lose. `MIN_WORK` is that crossover.
 */
export const MIN_WORK = 32 * 32 * 32;

interface MatMulShape {
  batchA: number;
  batchB: number;
  /** Rows of the product, inner dimension, columns of the product. */
  m: number;
  k: number;
  n: number;
  outShape: number[];
}

function shapeOf(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): MatMulShape {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outer = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  return { batchA: sizeOf(outerA), batchB: sizeOf(outerB), m, k, n, outShape: [...outer, m, n] };
}

/** Swaps the last two axes. */
function swapLast(s: KernelScope, x: TensorInfo): TensorInfo {
  const r = x.shape.length;
  const perm = x.shape.map((_, i) => i);
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return s.permuted(x, perm);
}

/** Runs the original kernel on (possibly transformed) operands; keeps the result unless it is an intermediate. */
type Call = (s: KernelScope, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, keep: boolean) => TensorInfo;

/** True when the WASM backend sends this product to XNNPACK (no transposes, batch size 1). */
const onXnnpack = (a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean) =>
  !transposeA && !transposeB && sizeOf(a.shape.slice(0, -2)) === 1 && sizeOf(b.shape.slice(0, -2)) === 1;

/**
 * The shared plan for `BatchMatMul` and `_FusedMatMul`: transposes made explicit, and a batched
 * `a` against a single `b` flattened into one product. Products of two batched operands stay on
 * the backend's loop: splitting them into one XNNPACK product per matrix measured no faster
 * (tools/bench/wasm-matmul.ts). `call` runs the original kernel.
 */
function planMatMul(s: KernelScope, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean, call: Call, reshapeOk: boolean): TensorInfo {
  const { batchA, batchB, m, k, n, outShape } = shapeOf(a, b, transposeA, transposeB);
  const work = m * k * n;
  let A = a;
  let B = b;
  let tA = transposeA;
  let tB = transposeB;
  // Only a single `b` (with a single or flattenable `a`) can reach XNNPACK; two batched operands
  // run on the backend's loop either way, flags or not.
  const reachesXnnpack = batchB === 1 && (batchA === 1 || reshapeOk);
  if (tA && reachesXnnpack && work >= MIN_WORK) {
    A = swapLast(s, A);
    tA = false;
  }
  if (tB && reachesXnnpack && work >= MIN_WORK) {
    B = swapLast(s, B);
    tB = false;
  }
  if (reshapeOk && batchB === 1 && batchA > 1 && !tA && work * batchA >= MIN_WORK) {
    // [..., m, k] @ [k, n]: one [batch*m, k] @ [k, n] product.
    const flat = call(s, s.reshaped(A, [1, batchA * m, k]), s.reshaped(B, [1, tB ? n : k, tB ? k : n]), false, tB, false);
    return s.reshaped(flat, outShape, true);
  }
  return call(s, A, B, tA, tB, true);
}

/** Wraps the WASM backend's `BatchMatMul`. */
export function makeBatchMatMul(original: KernelConfig): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA = false, transposeB = false } = attrs as { transposeA?: boolean; transposeB?: boolean };
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || onXnnpack(a, b, transposeA, transposeB)) return original.kernelFunc({ inputs, backend, attrs });
    const call: Call = (s, x, y, tA, tB, keep) => {
      const out = original.kernelFunc({ inputs: { a: x, b: y }, backend, attrs: { transposeA: tA, transposeB: tB } }) as TensorInfo;
      return keep ? out : s.temp(out);
    };
    return withScope(backend as unknown as WasmBackendLike, 'BatchMatMul', (s) => planMatMul(s, a, b, transposeA, transposeB, call, true));
  };
}

interface FusedAttrs {
  transposeA?: boolean;
  transposeB?: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

/** The activation of `_FusedMatMul`, as the backend's own kernel. */
function activate(s: KernelScope, x: TensorInfo, attrs: FusedAttrs, prelu: TensorInfo | undefined): TensorInfo {
  switch (attrs.activation ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return s.run('Relu', { x });
    case 'relu6':
      return s.run('Relu6', { x });
    case 'elu':
      return s.run('Elu', { x });
    case 'sigmoid':
      return s.run('Sigmoid', { x });
    case 'leakyrelu':
      return s.run('LeakyRelu', { x }, { alpha: attrs.leakyreluAlpha ?? 0.2 });
    case 'prelu':
      return s.run('Prelu', { x, alpha: prelu });
    default:
      throw new BackendOptionError(`_FusedMatMul: unknown activation '${attrs.activation}'`);
  }
}

/**
 * Wraps the WASM backend's `_FusedMatMul` (Dense layers: matmul + bias + activation; rank-3
 * inputs). Besides the speed-ups of `BatchMatMul`, it fixes a wrong result: TF.js 4.22's WASM
 * kernel indexes the bias by the flat output position on its non-XNNPACK path (any transpose
 * flag or batch size above 1), so every row after the first gets the last bias entry. Biased
 * products that cannot be routed to XNNPACK run as product, Add and activation instead.
 */
export function makeFusedMatMul(original: KernelConfig): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { a, b, bias, preluActivationWeights: prelu } = inputs as { a: TensorInfo; b: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const fused = attrs as FusedAttrs;
    const { transposeA = false, transposeB = false } = fused;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || onXnnpack(a, b, transposeA, transposeB)) return original.kernelFunc({ inputs, backend, attrs });
    const call: Call = (s, x, y, tA, tB, keep) => {
      let out: TensorInfo;
      if (bias && !onXnnpack(x, y, tA, tB)) {
        const product = s.temp(original.kernelFunc({ inputs: { a: x, b: y }, backend, attrs: { transposeA: tA, transposeB: tB, activation: 'linear' } }) as TensorInfo);
        const biased = s.run('Add', { a: product, b: bias });
        out = activate(s, biased, fused, prelu);
        // `out` is a scope intermediate: hand the caller a reference of its own.
        out = s.reshaped(out, out.shape, keep);
        return out;
      }
      out = original.kernelFunc({ inputs: { a: x, b: y, bias, preluActivationWeights: prelu }, backend, attrs: { ...attrs, transposeA: tA, transposeB: tB } }) as TensorInfo;
      return keep ? out : s.temp(out);
    };
    // PReLU weights broadcast against the whole output: only per-column ones survive a reshape.
    const reshapeOk = !prelu || prelu.shape.slice(0, -1).every((d) => d === 1);
    return withScope(backend as unknown as WasmBackendLike, '_FusedMatMul', (s) => planMatMul(s, a, b, transposeA, transposeB, call, reshapeOk));
  };
}
