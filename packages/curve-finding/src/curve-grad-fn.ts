import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, entryPoint, GradFn, isTensor, runEntryPoint, Tree, treeDispose, treeMap, treeSumOfSquares, checkMatches } from '@basin/core';
import { checkCurve, Curve, CurveParams } from './curve';
import { checkFn, describeGot, isRecord } from './checks';

/**
 * A `GradFn` on curve params at a fixed t, from a `GradFn` on the network's own weights
 * (`pointGradFn`: loss and gradient at a weight tree, on the current batch or a microbatch of it).
 *
 * The point `theta(t) = sum_i c_i(t) theta_i` is computed outside the gradient tape and the
 * gradient `g` at it is mapped back by the chain rule, `dL/dtheta_i = c_i(t) g` (exact, because the
 * point is linear in the control points). Weight decay on the point adds `wd/2 ||theta(t)||^2` to
 * the loss and `wd theta(t)` to `g`. This costs one forward/backward pass of the network plus a few
 * elementwise ops per control point, and serves functional losses and LayersModels alike.
 */
export const curveGradFn = entryPoint('curveGradFn', function curveGradFn(curve: Curve, t: number, pointGradFn: GradFn, weightDecay = 0): GradFn {
  const owner = 'curveGradFn';
  checkCurve(owner, curve);
  checkNumber(owner, 't', t, { min: 0, max: 1 });
  checkFn(owner, 'pointGradFn', pointGradFn, 'a GradFn (weights, microbatch?) => { loss, grads }');
  checkNumber(owner, 'weightDecay', weightDecay, { min: 0 });
  return (params, microbatch) =>
    runEntryPoint(owner, () => {
      const point = curve.pointAt(params as CurveParams, t);
      try {
        const result = pointGradFn(point, microbatch);
        if (!isRecord(result) || !isTensor(result.loss) || result.grads === undefined) {
          throw new BasinError(`${owner}: pointGradFn must return { loss, grads } (a scalar and a tree shaped like the weights), got ${describeGot(result)}`);
        }
        const { loss, grads } = result as { loss: tf.Scalar; grads: Tree };
        // The point's loss and gradients are ours: disposed once mapped, also on an error path
        // (a gradient tree that does not match the weights).
        try {
          if (loss.size !== 1) throw new BasinError(`${owner}: pointGradFn must return a scalar loss, got a tensor of shape [${loss.shape.join(', ')}]`);
          checkMatches(owner, point, 'the point', grads, 'the grads pointGradFn returned');
          return tf.tidy(() => {
            const value = weightDecay > 0 ? tf.add(loss, tf.mul(treeSumOfSquares(point), weightDecay / 2)) : tf.clone(loss);
            const g = weightDecay > 0 ? treeMap((gi, p) => tf.add(gi, tf.mul(p, weightDecay)), grads, point) : grads;
            return { loss: value, grads: curve.controlPointGrads(g, t) } as unknown as tf.TensorContainer;
          }) as unknown as { loss: tf.Scalar; grads: Tree };
        } finally {
          tf.dispose(loss);
          treeDispose(grads);
        }
      } finally {
        treeDispose(point);
      }
    });
});
