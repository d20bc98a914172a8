import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, GradFn, Tree, treeDispose, treeMap, treeSumOfSquares } from '@basin/core';
import type { Curve, CurveParams } from './curve';

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
export function curveGradFn(curve: Curve, t: number, pointGradFn: GradFn, weightDecay = 0): GradFn {
  checkNumber('curveGradFn', 't', t, { min: 0, max: 1 });
  checkNumber('curveGradFn', 'weightDecay', weightDecay, { min: 0 });
  return (params, microbatch) => {
    const point = curve.pointAt(params as CurveParams, t);
    try {
      const { loss, grads } = pointGradFn(point, microbatch);
      let g: Tree = grads;
      let value = loss;
      if (weightDecay > 0) {
        value = tf.tidy(() => tf.add(loss, tf.mul(treeSumOfSquares(point), weightDecay / 2)) as tf.Scalar);
        g = treeMap((gi, p) => tf.tidy(() => tf.add(gi, tf.mul(p, weightDecay))), grads, point);
        loss.dispose();
        treeDispose(grads);
      }
      const curveGrads = curve.controlPointGrads(g, t);
      treeDispose(g);
      return { loss: value, grads: curveGrads };
    } finally {
      treeDispose(point);
    }
  };
}
