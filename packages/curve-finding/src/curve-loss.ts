import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, entryPoint, isTensor, LossFn, runEntryPoint, Tree, treeSumOfSquares } from '@basin/core';
import { checkCurve, Curve, CurveParams } from './curve';
import { checkFn, describeGot, optionsRecord } from './checks';

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
export const curveLoss = entryPoint('curveLoss', function curveLoss<B>(curve: Curve, loss: LossFn<B>, options: CurveLossOptions): LossFn<B> {
  const owner = 'curveLoss';
  checkCurve(owner, curve);
  checkFn(owner, 'loss', loss, 'a function (weights, batch) => tf.Scalar');
  const o = optionsRecord(owner, options, '{ t: 0.5 }', true);
  const t = checkNumber(owner, 't', o.t, { min: 0, max: 1 });
  const weightDecay = checkNumber(owner, 'weightDecay', o.weightDecay ?? 0, { min: 0 });
  return (params: Tree, batch: B) =>
    runEntryPoint(owner, () =>
      tf.tidy(() => {
        const point = curve.pointAt(params as CurveParams, t);
        const value = loss(point, batch);
        if (!isTensor(value) || value.rank !== 0) throw new BasinError(`${owner}: loss must return a scalar tensor, got ${describeGot(value)}`);
        if (weightDecay === 0) return value;
        return tf.add(value, tf.mul(treeSumOfSquares(point), weightDecay / 2)) as tf.Scalar;
      }),
    );
});
