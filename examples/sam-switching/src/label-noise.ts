// Symmetric label noise as in Andriushchenko & Flammarion (2022), section 5: a fixed fraction of the
// training labels is replaced by a class drawn uniformly from the other classes, so exactly that
// fraction of the labels is wrong. The mask says which rows were changed.
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '@basin/core';
import { shuffleInPlace } from '@basin/example-data';

export interface NoisyLabels {
  /** The labels to train on, one-hot. */
  y: tf.Tensor2D;
  /** 1 where the label was changed. */
  noisy: Uint8Array;
}

export function withLabelNoise(oneHot: tf.Tensor2D, fraction: number, seed: number): NoisyLabels {
  const [rows, classes] = oneHot.shape;
  const classOf = tf.argMax(oneHot, -1);
  const labels = Array.from(classOf.dataSync());
  classOf.dispose();
  const rand = mulberry32(seed);
  const order = shuffleInPlace(labels.map((_, i) => i), rand);
  const noisy = new Uint8Array(rows);
  for (const i of order.slice(0, Math.round(fraction * rows))) {
    // A class other than the true one: shift by 1..classes-1.
    labels[i] = (labels[i] + 1 + Math.floor(rand() * (classes - 1))) % classes;
    noisy[i] = 1;
  }
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32')) as tf.Tensor2D;
  return { y, noisy };
}
