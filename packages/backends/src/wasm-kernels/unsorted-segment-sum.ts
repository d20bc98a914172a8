import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BackendOptionError } from '../errors';
import { sizeOf, withScope, type WasmBackendLike } from './kernel-scope';

/**
 * WASM `UnsortedSegmentSum` (the gradient of `tf.gather`, hence of every Embedding layer):
 * `out[id] += x[i]` over the rows of `x`, in a plain loop over the WASM heap. Ids outside
 * `[0, numSegments)` are dropped, as on the CPU backend.
 */
export const unsortedSegmentSum: KernelFunc = ({ inputs, backend, attrs }) => {
  const owner = 'UnsortedSegmentSum';
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as { numSegments: number };
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new BackendOptionError(`${owner}: x must be float32 or int32, got ${x.dtype}`);
  if (segmentIds.dtype !== 'int32') throw new BackendOptionError(`${owner}: segmentIds must be int32, got ${segmentIds.dtype}`);
  const idRank = segmentIds.shape.length;
  if (segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new BackendOptionError(`${owner}: segmentIds' shape [${segmentIds.shape}] must be a prefix of x's shape [${x.shape}]`);
  }
  if (!Number.isInteger(numSegments) || numSegments < 0) throw new BackendOptionError(`${owner}: numSegments must be a non-negative integer, got ${numSegments}`);
  const innerShape = x.shape.slice(idRank);
  const inner = sizeOf(innerShape);
  const rows = sizeOf(segmentIds.shape);
  return withScope(backend as unknown as WasmBackendLike, owner, (s) => {
    const out = s.output([numSegments, ...innerShape], x.dtype);
    // Views after the last allocation (a growing heap detaches older ones).
    const o = s.view(out);
    const xs = s.view(x);
    const ids = s.view(segmentIds);
    o.fill(0);
    for (let i = 0; i < rows; i++) {
      const id = ids[i];
      if (id < 0 || id >= numSegments) continue;
      const src = i * inner;
      const dst = id * inner;
      for (let j = 0; j < inner; j++) o[dst + j] += xs[src + j];
    }
    return out;
  });
};
