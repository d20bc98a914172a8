// The problem the four optimizers train: MNIST parity (even digits +1, odd -1) on a few hundred
// digits, a tanh MLP 784-H-1 with one scalar output, and the square loss 0.5 mean (f(x) - y)^2.
// One scalar output per example is the setting of Wen, Ma & Li's stochastic-SAM theorem: at a
// zero-loss point each example's Hessian is the rank-one grad f_i grad f_i^T, so the mean over
// examples of their top eigenvalues, which batch-size-1 SAM minimises, is the trace of the
// full Hessian.
import * as tf from '@tensorflow/tfjs';
import { mulberry32, type Tree } from '@basin/core';
import { loadMnist } from '@basin/example-data';

export type Params = { w1: tf.Tensor2D; b1: tf.Tensor1D; w2: tf.Tensor2D; b2: tf.Tensor1D };
export type Batch = { x: tf.Tensor2D; y: tf.Tensor2D };

/** Pixel mean and standard deviation of MNIST, to standardise the inputs. */
const PIXEL_MEAN = 0.13;
const PIXEL_STD = 0.31;

/** Training and test digits as standardised pixels and +-1 parity targets. The caller disposes them. */
export function parityData(trainCount: number, testCount: number): { train: Batch; test: Batch } {
  const d = loadMnist({ trainCount, testCount, seed: 0 });
  const prepare = (x: tf.Tensor2D, oneHot: tf.Tensor2D): Batch =>
    tf.tidy(() => {
      const even = tf.cast(tf.equal(tf.mod(tf.argMax(oneHot, -1), 2), 0), 'float32');
      return { x: tf.div(tf.sub(x, PIXEL_MEAN), PIXEL_STD) as tf.Tensor2D, y: tf.reshape(tf.sub(tf.mul(even, 2), 1), [-1, 1]) as tf.Tensor2D };
    });
  const train = prepare(d.xTrain, d.yTrain);
  const test = prepare(d.xTest, d.yTest);
  tf.dispose([d.xTrain, d.yTrain, d.xTest, d.yTest]);
  return { train, test };
}

/** LeCun-normal weights from a seeded generator, zero biases: the one initialisation every run starts from. */
export function initParams(hidden: number, seed: number): Params {
  const rand = mulberry32(seed);
  const normal = (count: number, std: number) =>
    Float32Array.from({ length: count }, () => std * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()));
  return {
    w1: tf.tensor2d(normal(784 * hidden, 1 / Math.sqrt(784)), [784, hidden]),
    b1: tf.zeros([hidden]),
    w2: tf.tensor2d(normal(hidden, 1 / Math.sqrt(hidden)), [hidden, 1]),
    b2: tf.zeros([1]),
  };
}

const predict = (p: Params, x: tf.Tensor2D): tf.Tensor2D => tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, p.w1), p.b1)), p.w2), p.b2) as tf.Tensor2D;

/** 0.5 mean (f(x) - y)^2 over the batch's rows. */
export const squareLoss = (params: Tree, batch: Batch): tf.Scalar =>
  tf.tidy(() => tf.mul(0.5, tf.mean(tf.square(tf.sub(predict(params as unknown as Params, batch.x), batch.y)))) as tf.Scalar);

/** Fraction of rows whose output has the target's sign. */
export const signAccuracy = (params: Tree, batch: Batch): number =>
  tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.sign(predict(params as unknown as Params, batch.x)), batch.y), 'float32')).dataSync()[0]);
