import { util } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { sizeOf, withScope, type WasmBackendLike } from './kernel-scope';

/**
 * Wraps the WASM backend's `Sum`. The backend reduces innermost axes only, so a sum over the
 * leading axes (every bias gradient: `[batch, units]` over the batch, `[batch, h, w, channels]`
 * over all but the channels) first transposes the whole tensor. Basin sums those rows in one
 * pass over the WASM heap instead, in the same order (row after row, in float32), so the
 * result is the same; every other reduction goes to the backend's kernel.
 */
export function makeSum(original: KernelConfig): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: TensorInfo };
    const { axis, keepDims = false } = attrs as { axis?: number | number[]; keepDims?: boolean };
    const rank = x.shape.length;
    const axes = rank === 0 ? [] : util.parseAxisParam(axis ?? [...Array(rank).keys()], x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return original.kernelFunc({ inputs, backend, attrs });
    const rows = sizeOf(x.shape.slice(0, axes.length));
    const inner = sizeOf(x.shape.slice(axes.length));
    const outShape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    return withScope(backend as unknown as WasmBackendLike, 'Sum', (s) => {
      const out = s.output(outShape, 'float32');
      const o = s.view(out) as Float32Array;
      const xs = s.view(x) as Float32Array;
      o.set(xs.subarray(0, inner));
      for (let r = 1; r < rows; r++) {
        const base = r * inner;
        for (let j = 0; j < inner; j++) o[j] += xs[base + j];
      }
      return out;
    });
  };
}
