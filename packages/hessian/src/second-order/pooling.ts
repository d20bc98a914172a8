// Gradients of the pooling backprop kernels (MaxPoolGrad, AvgPoolGrad) and of the resize
// backprop kernels (UpSampling2D), which TF.js leaves without gradients. Each backprop kernel is
// linear in `dy`, so its gradient is its adjoint applied to G; it is constant in the other
// inputs almost everywhere (max positions do not move under small changes), so those get zeros.
//
// Every formulation here uses rank-4 kernels only and costs about what a pooling
// gradient costs: the earlier window-by-window formulation sliced rank-6 views, which TF.js's
// CPU and WASM backends run through their generic N-d slice (a 174 ms slice on WASM where the
// rank-4 one takes 4 ms), fH * fW times per pooling layer and HVP.
import * as tf from '@tensorflow/tfjs-core';
import { runKernel } from './conv';
import { recordingHigherOrder } from './recording';

type Pair = number | [number, number];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
interface PoolAttrs {
  filterSize: Pair;
  strides: Pair;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: Rounding;
}

const pair = (p: Pair): [number, number] => (typeof p === 'number' ? [p, p] : p);
const zerosFor = (x: tf.Tensor) => () => tf.zeros(x.shape, 'float32');

const poolInfo = (x: tf.Tensor4D, a: PoolAttrs): tf.backend_util.Conv2DInfo =>
  tf.backend_util.computePool2DInfo(x.shape, pair(a.filterSize), a.strides, 1, a.pad, a.dimRoundingMode);

/** MaxPoolGrad(dy, x, y): routes each dy entry to its window's maximum (the backend's tie rule). */
const maxPoolGradKernel = (dy: tf.Tensor, x: tf.Tensor, y: tf.Tensor, a: PoolAttrs): tf.Tensor4D =>
  runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: a.filterSize, strides: a.strides, pad: a.pad, dimRoundingMode: a.dimRoundingMode }) as tf.Tensor4D;

/**
 * The adjoint of MaxPoolGrad in dy: for each window, G at the pixel the backend's MaxPoolGrad
 * routes that window's dy to. It is built from MaxPoolGrad itself, so it is the exact adjoint of
 * whatever that kernel does, ties included: TF.js's CPU backend gives a tie to the first maximum in
 * row-major window order, WASM and WebGL to the last, and WASM's MaxPoolGrad (tfjs-backend-wasm
 * 4.22) drops or misroutes the dy of windows whose maximum is <= 0 (MaxPoolWithArgmax likewise), so
 * a gather at MaxPoolWithArgmax's indices would not be its adjoint there.
 *
 * Windows whose output rows differ by a multiple of kH = ceil(fH / sH) (columns by kW) do not
 * overlap, so for each of the kH * kW classes of windows MaxPoolGrad(ones on the class) is the 0/1
 * mask of the pixels their dy goes to, and a window sum (a depthwise convolution with ones, same
 * strides and padding) of mask * G is G at each class window's routed pixel (0 where none). Keras'
 * default (strides = pool size) is one class: MaxPoolGrad, a product and one depthwise convolution,
 * all rank 4.
 */
export function maxPoolGradAdjointValue(G: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const info = poolInfo(x, a);
    const { filterHeight: fH, filterWidth: fW, strideHeight: sH, strideWidth: sW, outHeight: oH, outWidth: oW } = info;
    const ones = tf.ones([fH, fW, x.shape[3], 1]) as tf.Tensor4D;
    const windowSum = (t: tf.Tensor): tf.Tensor4D => tf.depthwiseConv2d(t as tf.Tensor4D, ones, [sH, sW], a.pad, 'NHWC', 1, a.dimRoundingMode);
    const kH = Math.min(Math.ceil(fH / sH), oH);
    const kW = Math.min(Math.ceil(fW / sW), oW);
    if (kH === 1 && kW === 1) return windowSum(tf.mul(maxPoolGradKernel(tf.onesLike(y), x, y, a), G));
    let out: tf.Tensor = tf.zeros(y.shape);
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++) {
        const cls: number[] = [];
        for (let r = 0; r < oH; r++) for (let c = 0; c < oW; c++) cls.push(r % kH === i && c % kW === j ? 1 : 0);
        const mask = tf.tensor4d(cls, [1, oH, oW, 1]);
        const routed = maxPoolGradKernel(tf.mul(tf.onesLike(y), mask), x, y, a);
        out = tf.add(out, tf.mul(mask, windowSum(tf.mul(routed, G))));
      }
    }
    return out as tf.Tensor4D;
  });
}

/**
 * `maxPoolGradAdjointValue`, as a custom op whose gradient is MaxPoolGrad again (the adjoint of the
 * adjoint; zero in x and y) while it is itself being recorded for a further derivative, so third and
 * higher derivatives stay defined. (An HVP's outer backward pass records nothing: plain kernels.)
 */
export function maxPoolGradAdjoint(G: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D {
  if (!recordingHigherOrder()) return maxPoolGradAdjointValue(G, x, y, a);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [g, xs, ys] = args as tf.Tensor4D[];
    const save = args[3] as tf.GradSaveFunc;
    save([xs, ys]);
    return {
      value: maxPoolGradAdjointValue(g, xs, ys, a),
      gradFunc: (dz: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sy] = saved;
        return [maxPoolGradKernel(dz, sx, sy, a), tf.zerosLike(sx), tf.zerosLike(sy)];
      },
    };
  });
  return op(G, x, y) as tf.Tensor4D;
}

export const maxPoolGradGrad: tf.GradConfig = {
  kernelName: 'MaxPoolGrad',
  inputsToSave: ['input', 'output'],
  gradFunc: (g, saved: tf.Tensor[], attrs) => {
    const [input, output] = saved;
    return {
      dy: () => maxPoolGradAdjoint(g as tf.Tensor4D, input as tf.Tensor4D, output as tf.Tensor4D, attrs as unknown as PoolAttrs),
      input: zerosFor(input),
      output: zerosFor(output),
    };
  },
};

/**
 * AvgPoolGrad is linear in dy. Its gradient is taken as the forward average pool: that is the
 * adjoint wherever TF.js's AvgPoolGrad is the true transpose of AvgPool, and it keeps the HVP
 * equal to the derivative of the gradient TF.js actually computes where it is not (TF.js divides
 * by the full window area at 'same'-padded borders while the forward pass divides by the number
 * of valid pixels, so its first-order gradient is off there).
 */
export const avgPoolGradGrad: tf.GradConfig = {
  kernelName: 'AvgPoolGrad',
  inputsToSave: ['input'],
  gradFunc: (g, saved: tf.Tensor[], attrs) => {
    const [input] = saved;
    const { filterSize, strides, pad } = attrs as unknown as PoolAttrs;
    return {
      dy: () => tf.avgPool(g as tf.Tensor4D, filterSize, strides, pad),
      input: zerosFor(input),
    };
  },
};

interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

/** Resize backprop kernels are the transposes of the resizes, so their adjoint is the resize. */
function resizeGradGrad(kernelName: string, resize: (g: tf.Tensor4D, size: [number, number], attrs: ResizeAttrs) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['images', 'dy'],
    gradFunc: (g, saved: tf.Tensor[], attrs) => {
      const [images, dy] = saved;
      return {
        dy: () => resize(g as tf.Tensor4D, [dy.shape[1] as number, dy.shape[2] as number], attrs as unknown as ResizeAttrs),
        images: zerosFor(images),
      };
    },
  };
}

export const poolingGrads: tf.GradConfig[] = [
  maxPoolGradGrad,
  avgPoolGradGrad,
  resizeGradGrad('ResizeNearestNeighborGrad', (g, size, a) => tf.image.resizeNearestNeighbor(g, size, a.alignCorners, a.halfPixelCenters)),
  resizeGradGrad('ResizeBilinearGrad', (g, size, a) => tf.image.resizeBilinear(g, size, a.alignCorners, a.halfPixelCenters)),
];
