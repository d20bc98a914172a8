import * as tf from '@tensorflow/tfjs';
import type { LossFn, Tree } from '@basin/core';
import { flat, shapeOf } from './compare';
import type { Nested, ProblemData } from './fixture-types';

export function toTensor(x: Nested): tf.Tensor {
  return tf.tensor(flat(x), shapeOf(x), 'float32');
}

export interface Problem {
  params: Record<string, tf.Tensor>;
  batch: Record<string, tf.Tensor>;
  loss: LossFn<Record<string, tf.Tensor>>;
}

/** Least squares: `0.5 * mean_rows(sum_cols((X w + b - Y)^2))`. */
function leastSquaresLoss(params: Tree, batch: Record<string, tf.Tensor>): tf.Scalar {
  const p = params as Record<string, tf.Tensor>;
  return tf.tidy(() => {
    let pred = tf.matMul(batch.X as tf.Tensor2D, p.w as tf.Tensor2D) as tf.Tensor;
    if (p.b) pred = tf.add(pred, p.b);
    return tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.sub(pred, batch.Y)), 1))) as tf.Scalar;
  });
}

/** Logistic regression: `mean(softplus(X w) - y * X w)`. */
function logisticLoss(params: Tree, batch: Record<string, tf.Tensor>): tf.Scalar {
  const p = params as Record<string, tf.Tensor>;
  return tf.tidy(() => {
    const z = tf.squeeze(tf.matMul(batch.X as tf.Tensor2D, tf.reshape(p.w, [-1, 1]) as tf.Tensor2D), [1]);
    return tf.mean(tf.sub(tf.softplus(z), tf.mul(batch.y, z))) as tf.Scalar;
  });
}

/** Builds tensors and the loss for a fixture problem; the caller disposes params and batch. */
export function buildProblem(problem: ProblemData): Problem {
  const params = Object.fromEntries(Object.entries(problem.params).map(([k, v]) => [k, toTensor(v)]));
  switch (problem.kind) {
    case 'least_squares':
      return { params, batch: { X: toTensor(problem.X), Y: toTensor(problem.Y as Nested) }, loss: leastSquaresLoss };
    case 'logistic_regression':
    case 'logistic_regression_full_batch':
      return { params, batch: { X: toTensor(problem.X), y: toTensor(problem.y as Nested) }, loss: logisticLoss };
    default:
      throw new Error(`unknown problem kind '${problem.kind}'`);
  }
}
