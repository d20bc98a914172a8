// A small MNIST classifier as a functional model (params in a tree, for Trainer and
// @basin/hessian; used by sa-sam-lr-sweep and sam-switching): one ReLU hidden layer, params
// { w1, b1, w2, b2 }, and the cross-entropy written as logSumExp(z) - z[label], the spelling whose
// second derivatives TF.js gets right without help (see @basin/hessian's README).
import * as tf from '@tensorflow/tfjs';
import { mulberry32, type Tree } from '@basin/core';

export type MlpParams = { w1: tf.Tensor2D; b1: tf.Tensor1D; w2: tf.Tensor2D; b2: tf.Tensor1D };
export type MlpBatch = { x: tf.Tensor2D; y: tf.Tensor2D };

function normals(rand: () => number, count: number, std: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = std * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  return out;
}

/** He-normal first layer, 1/sqrt(fan-in) second layer, zero biases; the same numbers for a seed. */
export function initMlp(inputs: number, hidden: number, classes: number, seed: number): MlpParams {
  const rand = mulberry32(seed);
  return {
    w1: tf.tensor2d(normals(rand, inputs * hidden, Math.sqrt(2 / inputs)), [inputs, hidden]),
    b1: tf.zeros([hidden]),
    w2: tf.tensor2d(normals(rand, hidden * classes, Math.sqrt(1 / hidden)), [hidden, classes]),
    b2: tf.zeros([classes]),
  };
}

export const mlpLogits = (p: MlpParams, x: tf.Tensor2D): tf.Tensor2D => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, p.w1), p.b1)), p.w2), p.b2);

/** Mean softmax cross-entropy over the batch. */
export const mlpLoss = (params: Tree, batch: MlpBatch): tf.Scalar =>
  tf.tidy(() => {
    const z = mlpLogits(params as MlpParams, batch.x);
    return tf.mean(tf.sub(tf.logSumExp(z, -1), tf.sum(tf.mul(batch.y, z), -1))) as tf.Scalar;
  });

/** Per-row 1 where the arg-max prediction equals the one-hot label, else 0, as numbers. */
export function mlpHits(params: MlpParams, x: tf.Tensor2D, oneHot: tf.Tensor2D): Float32Array {
  return tf.tidy(() => tf.cast(tf.equal(tf.argMax(mlpLogits(params, x), -1), tf.argMax(oneHot, -1)), 'float32').dataSync() as Float32Array);
}

/** Fraction of rows predicted as labelled. */
export function mlpAccuracy(params: MlpParams, x: tf.Tensor2D, oneHot: tf.Tensor2D): number {
  const h = mlpHits(params, x, oneHot);
  return h.reduce((a, b) => a + b, 0) / h.length;
}
