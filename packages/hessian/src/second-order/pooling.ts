// Gradients of the pooling backprop kernels (MaxPoolGrad, AvgPoolGrad) and of the resize
// backprop kernels (UpSampling2D), which TF.js leaves without gradients. Each backprop kernel is
// linear in `dy`, so its gradient is its adjoint applied to G; it is constant in the other
// inputs almost everywhere (max positions do not move under small changes), so those get zeros.
import * as tf from '@tensorflow/tfjs-core';

type Pair = number | [number, number];
interface PoolAttrs {
  filterSize: Pair;
  strides: Pair;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const pair = (p: Pair): [number, number] => (typeof p === 'number' ? [p, p] : p);
const zerosFor = (x: tf.Tensor) => () => tf.zeros(x.shape, 'float32');

/**
 * View (i, j) of a padded [N, H, W, C] tensor: element [n, r, c, ch] is padded[n, i + r*sH, j + c*sW, ch]
 * for r < outH, c < outW, built from slice/reshape only.
 */
function windowView(padded: tf.Tensor4D, i: number, j: number, outH: number, outW: number, sH: number, sW: number): tf.Tensor4D {
  const [n, , , c] = padded.shape;
  const block = tf.slice(padded, [0, i, j, 0], [n, outH * sH, outW * sW, c]);
  const split = tf.reshape(block, [n, outH, sH, outW, sW, c]);
  return tf.reshape(tf.slice(split, [0, 0, 0, 0, 0, 0], [n, outH, 1, outW, 1, c]), [n, outH, outW, c]);
}

/** Pads (or crops) rows and columns so every window view of the pooling is in range. */
function padForWindows(x: tf.Tensor4D, info: tf.backend_util.Conv2DInfo, value: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  const needH = info.filterHeight - 1 + info.outHeight * info.strideHeight;
  const needW = info.filterWidth - 1 + info.outWidth * info.strideWidth;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const keepH = Math.min(h, needH - top);
  const keepW = Math.min(w, needW - left);
  const cropped = keepH < h || keepW < w ? tf.slice(x, [0, 0, 0, 0], [-1, keepH, keepW, -1]) : x;
  return tf.pad(cropped, [[0, 0], [top, needH - top - keepH], [left, needW - left - keepW], [0, 0]], value);
}

/**
 * The adjoint of MaxPoolGrad in `dy`: for each window, G at the window's max position, with
 * TF.js's tie rule (the first maximum in row-major window order wins).
 */
function gatherAtMax(G: tf.Tensor4D, x: tf.Tensor4D, attrs: PoolAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    const [fH, fW] = pair(attrs.filterSize);
    const info = tf.backend_util.computePool2DInfo(x.shape, [fH, fW], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const xp = padForWindows(x, info, -Infinity);
    const gp = padForWindows(G, info, 0);
    const { outHeight: oH, outWidth: oW, strideHeight: sH, strideWidth: sW } = info;
    const y = tf.maxPool(x, [fH, fW], attrs.strides, attrs.pad, attrs.dimRoundingMode);
    let out: tf.Tensor = tf.zerosLike(y);
    let taken: tf.Tensor = tf.cast(tf.zerosLike(y), 'bool');
    for (let i = 0; i < fH; i++) {
      for (let j = 0; j < fW; j++) {
        const hit = tf.logicalAnd(tf.equal(windowView(xp, i, j, oH, oW, sH, sW), y), tf.logicalNot(taken));
        out = tf.add(out, tf.where(hit, windowView(gp, i, j, oH, oW, sH, sW), tf.zerosLike(y)));
        taken = tf.logicalOr(taken, hit);
      }
    }
    return out as tf.Tensor4D;
  });
}

export const maxPoolGradGrad: tf.GradConfig = {
  kernelName: 'MaxPoolGrad',
  inputsToSave: ['input', 'output'],
  gradFunc: (g, saved: tf.Tensor[], attrs) => {
    const [input, output] = saved;
    return {
      dy: () => gatherAtMax(g as tf.Tensor4D, input as tf.Tensor4D, attrs as unknown as PoolAttrs),
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
