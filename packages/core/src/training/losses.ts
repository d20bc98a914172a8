import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import { entryPoint } from '../entry/entry-point';

/** A loss on targets and model outputs, averaged over the batch. */
export type OutputLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** Names of the losses `ModelTrainer` knows, matching Keras's names where one exists. */
export type OutputLossName =
  | 'meanSquaredError'
  | 'categoricalCrossentropy'
  | 'sparseCategoricalCrossentropy'
  | 'softmaxCrossEntropy'
  | 'binaryCrossentropy';

const EPS = 1e-7;

/** Losses by name. Cross-entropies on probabilities clip them to [1e-7, 1 - 1e-7] as Keras does. */
export const outputLosses: Record<OutputLossName, OutputLoss> = {
  meanSquaredError: (y, p) => tf.tidy(() => tf.mean(tf.square(tf.sub(p, y)))),
  categoricalCrossentropy: (y, p) =>
    tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.clipByValue(p, EPS, 1 - EPS))), -1))) as tf.Scalar),
  sparseCategoricalCrossentropy: (y, p) =>
    tf.tidy(() => {
      const oneHot = tf.oneHot(tf.cast(tf.reshape(y, [-1]), 'int32'), p.shape[p.rank - 1]);
      return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.log(tf.clipByValue(p, EPS, 1 - EPS))), -1))) as tf.Scalar;
    }),
  softmaxCrossEntropy: (y, logits) => tf.tidy(() => tf.mean(tf.sub(tf.logSumExp(logits, -1), tf.sum(tf.mul(y, logits), -1)))),
  binaryCrossentropy: (y, p) =>
    tf.tidy(() => {
      const q = tf.clipByValue(p, EPS, 1 - EPS);
      return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(q)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, q)))))) as tf.Scalar;
    }),
};

export const resolveOutputLoss = entryPoint('resolveOutputLoss', function resolveOutputLoss(loss: OutputLoss | OutputLossName): OutputLoss {
  if (typeof loss === 'function') return loss;
  const fn = outputLosses[loss];
  if (!fn) throw new BasinError(`loss must be a function or one of ${Object.keys(outputLosses).join(', ')}, got '${String(loss)}'`);
  return fn;
});
