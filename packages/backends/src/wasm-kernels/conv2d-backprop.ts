import { backend_util } from '@tensorflow/tfjs-core';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { cropNhwc, dilateNhwc, filterGradientGeometry, inputGradientGeometry, windowNhwc, zeros, type ConvInfo } from './conv-geometry';
import { requireFloat32, withScope, type KernelScope, type WasmBackendLike } from './kernel-scope';

type Format = 'NHWC' | 'NCHW';

interface Conv2DBackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
  dataFormat?: Format;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

interface Conv2DBackpropInputAttrs extends Omit<Conv2DBackpropFilterAttrs, 'filterShape'> {
  inputShape: [number, number, number, number];
}

const toNhwc = (s: KernelScope, t: TensorInfo, format: Format) => (format === 'NCHW' ? s.permuted(t, [0, 2, 3, 1]) : t);

/**
 * `dW` of an NHWC convolution, `[kh, kw, C, O]`, as one convolution on the backend's XNNPACK
 * kernel (see `filterGradientGeometry`): three transposes and a Conv2D.
 */
export function filterGradientNhwc(s: KernelScope, x: TensorInfo, dy: TensorInfo, info: ConvInfo): TensorInfo {
  const g = filterGradientGeometry(info);
  if (g.cropHeight <= 0 || g.cropWidth <= 0) return zeros(s, info.filterShape); // only padding is ever read
  const xT = cropNhwc(s, s.permuted(x, [3, 1, 2, 0]), g.cropHeight, g.cropWidth); // [C, H, W, N]
  const dyT = s.permuted(dy, [1, 2, 0, 3]); // [Ho, Wo, N, O]: the filter
  const out = s.run('Conv2D', { x: xT, filter: dyT }, { strides: g.strides, dilations: g.dilations, pad: g.pad, dataFormat: 'NHWC' });
  return s.permuted(out, [1, 2, 0, 3], true); // [C, kh, kw, O] -> [kh, kw, C, O]
}

/** WASM `Conv2DBackpropFilter`: the filter gradient of `tf.conv2d` (and of Conv1D, SeparableConv2D's pointwise step, Conv2DTranspose). */
export const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const owner = 'Conv2DBackpropFilter';
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  requireFloat32(owner, { x, dy });
  const { strides, pad, dataFormat = 'NHWC', dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(x.shape as never, filterShape, strides, 1, pad, dimRoundingMode, false, format);
  return withScope(backend as unknown as WasmBackendLike, owner, (s) => filterGradientNhwc(s, toNhwc(s, x, dataFormat), toNhwc(s, dy, dataFormat), info));
};

/** `dx` of an NHWC convolution as a stride-1 Conv2D of the zero-dilated `dy` with the flipped, transposed filter. */
export function inputGradientNhwc(s: KernelScope, dy: TensorInfo, filter: TensorInfo, info: ConvInfo): TensorInfo {
  const { strideHeight: sh, strideWidth: sw } = info;
  const [, ho, wo] = dy.shape;
  const g = inputGradientGeometry(info, ho * sh, wo * sw);
  if (g.keepHeight === 0 || g.keepWidth === 0) return zeros(s, [info.batchSize, info.inHeight, info.inWidth, info.inChannels]);
  const flipped = s.permuted(s.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]); // [kh, kw, O, C]
  const dilated = windowNhwc(s, dilateNhwc(s, dy, sh, sw), g.startRow, g.startCol, g.keepHeight, g.keepWidth);
  return s.run('Conv2D', { x: dilated, filter: flipped }, { strides: [1, 1], dilations: [info.dilationHeight, info.dilationWidth], pad: g.pad, dataFormat: 'NHWC' }, true);
}

/** Replaces the WASM backend's `Conv2DBackpropInput` (a scalar C++ loop) by a Conv2D on XNNPACK. */
export const conv2DBackpropInput: KernelFunc = ({ inputs, backend, attrs }) => {
  const owner = 'Conv2DBackpropInput';
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  requireFloat32(owner, { dy, filter });
  const { strides, pad, dataFormat = 'NHWC', dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
  const format = backend_util.convertConv2DDataFormat(dataFormat);
  const info = backend_util.computeConv2DInfo(inputShape, filter.shape as never, strides, 1, pad, dimRoundingMode, false, format);
  return withScope(backend as unknown as WasmBackendLike, owner, (s) => {
    const dx = inputGradientNhwc(s, toNhwc(s, dy, dataFormat), filter, info);
    if (dataFormat === 'NHWC') return dx;
    s.temp(dx);
    return s.permuted(dx, [0, 3, 1, 2], true);
  });
};
