// The two-layer networks of the playground's SAM pages: x W1 + b1, an activation, then W2 + b2,
// as a params tree (for Trainer and @basin/hessian), with seeded initial weights so that every
// optimizer of a page starts from the same point.
import * as tf from '@tensorflow/tfjs';
import { normals } from './phenomena-chart';

export type TwoLayerParams = { w1: tf.Tensor2D; b1: tf.Tensor1D; w2: tf.Tensor2D; b2: tf.Tensor1D };

/** Sizes of the input, hidden and output layers. */
export type TwoLayerSizes = { inputs: number; hidden: number; outputs: number };

/**
 * Normal weights with standard deviations `std.w1` and `std.w2` (W1 drawn from `random` before
 * W2), zero biases.
 */
export function initTwoLayer(random: () => number, { inputs, hidden, outputs }: TwoLayerSizes, std: { w1: number; w2: number }): TwoLayerParams {
  return {
    w1: tf.tensor2d(normals(random, inputs * hidden, std.w1), [inputs, hidden]),
    b1: tf.zeros([hidden]),
    w2: tf.tensor2d(normals(random, hidden * outputs, std.w2), [hidden, outputs]),
    b2: tf.zeros([outputs]),
  };
}

/** The network's outputs (logits) for the rows of `x`. */
export function twoLayerForward(params: TwoLayerParams, x: tf.Tensor2D, activation: (h: tf.Tensor) => tf.Tensor): tf.Tensor2D {
  return tf.add(tf.matMul(activation(tf.add(tf.matMul(x, params.w1), params.b1)) as tf.Tensor2D, params.w2), params.b2);
}
