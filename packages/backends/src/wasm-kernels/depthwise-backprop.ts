import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { cropNhwc, dilateNhwc, filterGradientGeometry, inputGradientGeometry, windowNhwc, zeros } from './conv-geometry';
import { requireFloat32, withScope, type WasmBackendLike } from './kernel-scope';
import { BackendOptionError } from '../errors';

interface DepthwiseAttrs {
  strides: number | [number, number];
  dilations?: number | [number, number];
  pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function geometry(owner: string, inShape: number[], filterShape: number[], attrs: DepthwiseAttrs) {
  const { strides, dilations = 1, pad, dimRoundingMode } = attrs;
  if (inShape.length !== 4 || filterShape.length !== 4) {
    throw new BackendOptionError(`${owner}: expected an NHWC input and a [kh, kw, C, M] filter, got shapes [${inShape}] and [${filterShape}]`);
  }
  return backend_util.computeConv2DInfo(inShape as never, filterShape as never, strides, dilations, pad, dimRoundingMode, true);
}

/**
 * WASM `DepthwiseConv2dNativeBackpropFilter`. Per channel, the filter gradient is a correlation of
 * `x` with `dy` summed over the batch: one depthwise convolution whose channels are the
 * (batch, channel) pairs of `x` (`[1, H, W, N*C]`) and whose filter is `dy`
 * (`[Ho, Wo, N*C, M]`), with stride and dilation swapped, then a Sum over the batch.
 */
export const depthwiseConv2dNativeBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const owner = 'DepthwiseConv2dNativeBackpropFilter';
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  requireFloat32(owner, { x, dy });
  const { filterShape } = attrs as unknown as { filterShape: [number, number, number, number] };
  const info = geometry(owner, x.shape, filterShape, attrs as unknown as DepthwiseAttrs);
  const [kh, kw, c, mult] = info.filterShape;
  const [n, h, w] = x.shape;
  const [, ho, wo] = dy.shape;
  return withScope(backend as unknown as WasmBackendLike, owner, (s) => {
    const g = filterGradientGeometry(info);
    if (g.cropHeight <= 0 || g.cropWidth <= 0) return zeros(s, [kh, kw, c, mult]); // only padding is ever read
    const xT = s.reshaped(s.permuted(x, [1, 2, 0, 3]), [1, h, w, n * c]);
    const input = cropNhwc(s, xT, g.cropHeight, g.cropWidth);
    const filter = s.reshaped(s.permuted(dy, [1, 2, 0, 3]), [ho, wo, n * c, mult]);
    const out = s.run('DepthwiseConv2dNative', { x: input, filter }, { strides: g.strides, dilations: g.dilations, pad: g.pad });
    const perBatch = s.reshaped(out, [kh, kw, n, c * mult]);
    const summed = n === 1 ? perBatch : s.run('Sum', { x: perBatch }, { axis: [2], keepDims: false });
    return s.reshaped(summed, [kh, kw, c, mult], true);
  });
};

/**
 * WASM `DepthwiseConv2dNativeBackpropInput`: a stride-1 depthwise convolution of the zero-dilated
 * `dy` with the spatially flipped filter (one channel per (channel, multiplier) pair), then a
 * Sum over the multiplier.
 */
export const depthwiseConv2dNativeBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const owner = 'DepthwiseConv2dNativeBackpropInput';
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  requireFloat32(owner, { dy, filter });
  const { inputShape } = attrs as unknown as { inputShape: [number, number, number, number] };
  const info = geometry(owner, inputShape, filter.shape, attrs as unknown as DepthwiseAttrs);
  const [kh, kw, c, mult] = filter.shape;
  const [n, h, w] = inputShape;
  const [, ho, wo] = dy.shape;
  const { strideHeight: sh, strideWidth: sw } = info;
  const g = inputGradientGeometry(info, ho * sh, wo * sw);
  return withScope(backend as unknown as WasmBackendLike, owner, (s) => {
    if (g.keepHeight === 0 || g.keepWidth === 0) return zeros(s, [n, h, w, c]);
    const flipped = s.reshaped(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [kh, kw, c * mult, 1]);
    const dilated = windowNhwc(s, dilateNhwc(s, dy, sh, sw), g.startRow, g.startCol, g.keepHeight, g.keepWidth);
    const out = s.run('DepthwiseConv2dNative', { x: dilated, filter: flipped }, { strides: [1, 1], dilations: [info.dilationHeight, info.dilationWidth], pad: g.pad }, mult === 1);
    if (mult === 1) return out;
    return s.run('Sum', { x: s.reshaped(out, [n, h, w, c, mult]) }, { axis: [4], keepDims: false }, true);
  });
};
