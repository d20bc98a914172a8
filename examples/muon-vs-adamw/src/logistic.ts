// Multinomial logistic regression on synthetic data: a teacher W* labels Gaussian inputs. With
// `spread` > 0 the feature scales span 10^-spread .. 10^spread (an ill-conditioned problem);
// with 0 the features are isotropic.
import * as tf from '@tensorflow/tfjs';
import { mulberry32, type Tree } from '@basin/core';

export type LogisticBatch = { x: tf.Tensor2D; y: tf.Tensor2D };

export interface LogisticProblem {
  batch: LogisticBatch;
  init: () => Record<string, tf.Tensor>;
  loss: (params: Tree, batch: LogisticBatch) => tf.Scalar;
  /** Cross-entropy of the teacher itself on these labels. */
  teacherLoss: number;
}

export function makeLogistic({ rows = 512, features = 32, classes = 8, spread = 1, seed = 0 } = {}): LogisticProblem {
  const rand = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const scales = Array.from({ length: features }, (_, j) => 10 ** (spread * (-1 + (2 * j) / (features - 1))));
  const xData = new Float32Array(rows * features);
  for (let i = 0; i < rows; i++) for (let j = 0; j < features; j++) xData[i * features + j] = normal() * scales[j];
  // Teacher logits of unit scale whatever the feature scales.
  const teacher = Array.from({ length: features * classes }, (_, i) => (3 * normal()) / (Math.sqrt(features) * scales[Math.floor(i / classes)]));
  const logitsOf = (i: number): number[] =>
    Array.from({ length: classes }, (_, k) => {
      let z = 0;
      for (let j = 0; j < features; j++) z += xData[i * features + j] * teacher[j * classes + k];
      return z;
    });
  const labels: number[] = [];
  let teacherLoss = 0;
  for (let i = 0; i < rows; i++) {
    const z = logitsOf(i);
    const max = Math.max(...z);
    const p = z.map((v) => Math.exp(v - max));
    const total = p.reduce((a, b) => a + b, 0);
    let u = rand() * total;
    let label = classes - 1;
    for (let k = 0; k < classes; k++) {
      u -= p[k];
      if (u <= 0) {
        label = k;
        break;
      }
    }
    labels.push(label);
    teacherLoss -= Math.log(p[label] / total) / rows;
  }
  const x = tf.tensor2d(xData, [rows, features]);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32')) as tf.Tensor2D;
  return {
    batch: { x, y },
    init: () => ({ w: tf.zeros([features, classes]), b: tf.zeros([classes]) }),
    loss: (params, batch) =>
      tf.tidy(() => {
        const p = params as Record<string, tf.Tensor>;
        const z = tf.add(tf.matMul(batch.x, p.w as tf.Tensor2D), p.b);
        return tf.losses.softmaxCrossEntropy(batch.y, z) as tf.Scalar;
      }),
    teacherLoss,
  };
}
