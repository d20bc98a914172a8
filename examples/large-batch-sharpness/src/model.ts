// A functional MNIST MLP with batch norm, 784-H-H-10 (Keskar et al.'s F1 is 784-5x512-10 with
// batch norm), written as a params tree so Basin's Trainer trains it and @basin/hessian measures
// it. Batch norm is done by hand so that it can be "ghost" batch norm (Hoffer et al. 2017): in
// training mode the batch is cut into virtual batches of `ghost` rows, each normalised with its
// own mean and variance. In inference mode each layer uses population statistics computed over
// the training digits (a full pass, not running averages), so any weights, including points on
// the line between two minima, are evaluated with their own statistics.
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '@basin/core';

export type Params = {
  w1: tf.Tensor2D;
  g1: tf.Tensor1D;
  b1: tf.Tensor1D;
  w2: tf.Tensor2D;
  g2: tf.Tensor1D;
  b2: tf.Tensor1D;
  w3: tf.Tensor2D;
  b3: tf.Tensor1D;
};

/** Population mean and variance of each batch-norm layer's input. */
export type Stats = { m1: tf.Tensor1D; v1: tf.Tensor1D; m2: tf.Tensor1D; v2: tf.Tensor1D };

export type Batch = { x: tf.Tensor2D; y: tf.Tensor2D };

const EPS = 1e-5;

export function initParams(hidden: number, seed: number): Params {
  const rand = mulberry32(seed);
  const normal = (rows: number, cols: number) => {
    const std = Math.sqrt(2 / rows);
    return tf.tensor2d(Float32Array.from({ length: rows * cols }, () => std * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand())), [rows, cols]);
  };
  return {
    w1: normal(784, hidden),
    g1: tf.ones([hidden]),
    b1: tf.zeros([hidden]),
    w2: normal(hidden, hidden),
    g2: tf.ones([hidden]),
    b2: tf.zeros([hidden]),
    w3: normal(hidden, 10),
    b3: tf.zeros([10]),
  };
}

/** Batch norm in training mode over virtual batches of `ghost` rows (the whole batch if it is not a multiple of ghost, or smaller). */
function batchNormTrain(h: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, ghost: number): tf.Tensor2D {
  const [rows, cols] = h.shape;
  const split = rows > ghost && rows % ghost === 0;
  const grouped = split ? tf.reshape(h, [rows / ghost, ghost, cols]) : h;
  const axis = split ? 1 : 0;
  const { mean, variance } = tf.moments(grouped, axis, true);
  const normalised = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, EPS)));
  return tf.add(tf.mul(tf.reshape(normalised, [rows, cols]), gamma), beta) as tf.Tensor2D;
}

function batchNormInfer(h: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, mean: tf.Tensor1D, variance: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, EPS))), gamma), beta) as tf.Tensor2D;
}

/** Logits in training mode (ghost batch norm with virtual batches of `ghost` rows). */
export function logitsTrain(p: Params, x: tf.Tensor2D, ghost: number): tf.Tensor2D {
  const a1 = tf.relu(batchNormTrain(tf.matMul(x, p.w1), p.g1, p.b1, ghost)) as tf.Tensor2D;
  const a2 = tf.relu(batchNormTrain(tf.matMul(a1, p.w2), p.g2, p.b2, ghost)) as tf.Tensor2D;
  return tf.add(tf.matMul(a2, p.w3), p.b3) as tf.Tensor2D;
}

/** Logits in inference mode with fixed population statistics. */
export function logitsInfer(p: Params, s: Stats, x: tf.Tensor2D): tf.Tensor2D {
  const a1 = tf.relu(batchNormInfer(tf.matMul(x, p.w1), p.g1, p.b1, s.m1, s.v1)) as tf.Tensor2D;
  const a2 = tf.relu(batchNormInfer(tf.matMul(a1, p.w2), p.g2, p.b2, s.m2, s.v2)) as tf.Tensor2D;
  return tf.add(tf.matMul(a2, p.w3), p.b3) as tf.Tensor2D;
}

/** Population statistics of both batch-norm layers over all rows of x (one forward pass). */
export function populationStats(p: Params, x: tf.Tensor2D): Stats {
  return tf.tidy(() => {
    const h1 = tf.matMul(x, p.w1) as tf.Tensor2D;
    const l1 = tf.moments(h1, 0);
    const a1 = tf.relu(batchNormInfer(h1, p.g1, p.b1, l1.mean as tf.Tensor1D, l1.variance as tf.Tensor1D)) as tf.Tensor2D;
    const l2 = tf.moments(tf.matMul(a1, p.w2), 0);
    return { m1: l1.mean as tf.Tensor1D, v1: l1.variance as tf.Tensor1D, m2: l2.mean as tf.Tensor1D, v2: l2.variance as tf.Tensor1D };
  });
}

export const crossEntropy = (y: tf.Tensor2D, logits: tf.Tensor2D): tf.Scalar => tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;

/** Mean loss and accuracy in inference mode, in chunks of 1,000 rows. */
export function evaluate(p: Params, s: Stats, data: Batch): { loss: number; accuracy: number } {
  const rows = data.x.shape[0];
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < rows; start += 1000) {
    const size = Math.min(1000, rows - start);
    const [l, c] = tf.tidy(() => {
      const x = tf.slice(data.x, [start, 0], [size, -1]);
      const y = tf.slice(data.y, [start, 0], [size, -1]);
      const z = logitsInfer(p, s, x);
      return [tf.mul(crossEntropy(y, z), size), tf.sum(tf.cast(tf.equal(tf.argMax(z, -1), tf.argMax(y, -1)), 'float32'))];
    });
    loss += l.dataSync()[0];
    correct += c.dataSync()[0];
    tf.dispose([l, c]);
  }
  return { loss: loss / rows, accuracy: correct / rows };
}
