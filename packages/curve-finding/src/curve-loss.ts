import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, LossFn, Tree, treeSumOfSquares } from '@basin/core';
import type { Curve, CurveParams } from './curve';

export interface CurveLossOptions {
  /** Where on the curve, in [0, 1]. */
  t: number;
  /**
   * Weight decay on the point at t: adds `weightDecay / 2 * ||theta(t)||^2` to the loss, as the
   * reference's `l2_regularizer` (all weights and biases of the point). Default 0.
   */
  weightDecay?: number;
}

/**
 * The loss at the point `theta(t)` as a function of the curve params:
 * `(curveParams, batch) => loss(theta(t), batch) + weightDecay / 2 * ||theta(t)||^2`. Gradients flow
 * to the control points through `pointAt`, so core's `step` with any transform trains the curve
 * at this t (SAM's `gradFn` evaluates at the same t, since t is fixed in the closure).
 */
export function curveLoss<B>(curve: Curve, loss: LossFn<B>, options: CurveLossOptions): LossFn<B> {
  const t = checkNumber('curveLoss', 't', options.t, { min: 0, max: 1 });
  const weightDecay = checkNumber('curveLoss', 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  return (params: Tree, batch: B) =>
    tf.tidy(() => {
      const point = curve.pointAt(params as CurveParams, t);
      const value = loss(point, batch);
      if (weightDecay === 0) return value;
      return tf.add(value, tf.mul(treeSumOfSquares(point), weightDecay / 2)) as tf.Scalar;
    });
}
