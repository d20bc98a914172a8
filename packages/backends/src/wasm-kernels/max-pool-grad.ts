import * as tf from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { withScope, type WasmBackendLike } from './kernel-scope';

/**
 * MaxPoolGrad for the WASM backend, replacing the one tfjs-backend-wasm 4.22 ships, which drops
 * or misroutes the dy of every window whose maximum is <= 0 (an all-negative window sends its
 * gradient nowhere; see max-pool-grad.test.ts). Each window's dy goes to its maximum, the first in
 * row-major window order on ties, and entries take their windows' dy in row-major window order,
 * summed in double precision and stored as float32: the CPU backend's rule and numbers (its
 * MaxPoolGrad and maxPoolPositions). A window of NaN or -Infinity only routes nowhere, as there.
 */
export const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
    filterSize: number | [number, number];
    strides: number | [number, number];
    pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: depth, outHeight, outWidth, strideHeight, strideWidth, effectiveFilterHeight: fH, effectiveFilterWidth: fW } = info;
  const { top, left } = info.padInfo;
  const sums = new Float64Array(batchSize * inHeight * inWidth * depth);
  return withScope(backend as unknown as WasmBackendLike, 'MaxPoolGrad', (s) => {
    const out = s.output(input.shape, 'float32');
    const x = s.view(input) as Float32Array;
    const dys = s.view(dy) as Float32Array;
    const dx = s.view(out) as Float32Array;
    for (let b = 0; b < batchSize; b++) {
      for (let yR = 0; yR < outHeight; yR++) {
        const r0 = yR * strideHeight - top;
        const rMin = Math.max(r0, 0);
        const rMax = Math.min(inHeight, r0 + fH);
        for (let yC = 0; yC < outWidth; yC++) {
          const c0 = yC * strideWidth - left;
          const cMin = Math.max(c0, 0);
          const cMax = Math.min(inWidth, c0 + fW);
          const dyBase = ((b * outHeight + yR) * outWidth + yC) * depth;
          for (let d = 0; d < depth; d++) {
            let max = -Infinity;
            let at = -1;
            for (let r = rMin; r < rMax; r++) {
              for (let c = cMin; c < cMax; c++) {
                const k = ((b * inHeight + r) * inWidth + c) * depth + d;
                if (x[k] > max) {
                  max = x[k];
                  at = k;
                }
              }
            }
            if (at >= 0) sums[at] += dys[dyBase + d];
          }
        }
      }
    }
    dx.set(sums);
    return out;
  });
};
