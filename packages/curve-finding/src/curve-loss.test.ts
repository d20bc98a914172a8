import { tf, expectClose, finiteDifferenceGradient } from '@basin/testing';
import { treeFlatten, treeFromVector, treeToVector, valueAndGrad } from '@basin/core';
import { Curve, CurveParams } from './curve';
import { curveLoss } from './curve-loss';

// A small tanh network: loss = mean((tanh(x W1 + b1) W2 - y)^2).
const net = (p: any, batch: { x: tf.Tensor; y: tf.Tensor }) =>
  tf.tidy(() => {
    const h = tf.tanh(tf.add(tf.matMul(batch.x, p.w1), p.b1));
    return tf.mean(tf.square(tf.sub(tf.matMul(h, p.w2), batch.y))) as tf.Scalar;
  });
const weights = (seed: number) => ({
  w1: tf.randomNormal([3, 4], 0, 0.8, 'float32', seed),
  b1: tf.randomNormal([4], 0, 0.3, 'float32', seed + 1),
  w2: tf.randomNormal([4, 2], 0, 0.8, 'float32', seed + 2),
});

describe('curveLoss', () => {
  const batch = { x: tf.randomNormal([6, 3], 0, 1, 'float32', 7), y: tf.randomNormal([6, 2], 0, 1, 'float32', 8) };

  for (const [kind, bends, fixStart] of [['bezier', 1, true], ['bezier', 2, false], ['polychain', 2, true]] as const) {
    it(`gradient w.r.t. the control points matches finite differences (${kind}, ${bends} bends, fixStart ${fixStart})`, () => {
      const curve = new Curve(weights(1), weights(11), { kind, bends, fixStart, fixEnd: false });
      const init = curve.init();
      // Move the bends off the line.
      const v0 = treeToVector(init);
      const noisy = tf.add(v0, tf.randomNormal([v0.size], 0, 0.5, 'float32', 3));
      const params = treeFromVector(noisy, init) as CurveParams;
      tf.dispose([v0, noisy]);
      const t = 0.37;
      const weightDecay = 0.1;
      const loss = curveLoss(curve, net, { t, weightDecay });
      const { loss: value, grads } = valueAndGrad(loss)(params, batch);
      const analytic = Array.from(treeToVector(grads).dataSync());
      // Independent reference: the loss in float64 through the flat vector, differenced numerically.
      const x0 = Array.from(treeToVector(params).dataSync());
      const f = (x: number[]) =>
        tf.tidy(() => {
          const p = treeFromVector(tf.tensor1d(x), params);
          return loss(p, batch).dataSync()[0];
        });
      const numeric = finiteDifferenceGradient(f, x0, 1e-2);
      expectClose(analytic, numeric, 2e-3);
      expect(Math.abs(value.dataSync()[0] - f(x0))).toBeLessThan(1e-6);
      tf.dispose([value, grads, params, init] as never);
      curve.dispose();
    });
  }

  it('adds weightDecay / 2 * ||theta(t)||^2', () => {
    const curve = new Curve(weights(1), weights(11));
    const params = curve.init();
    const t = 0.6;
    const plain = curveLoss(curve, net, { t })(params, batch).dataSync()[0];
    const decayed = curveLoss(curve, net, { t, weightDecay: 0.2 })(params, batch).dataSync()[0];
    const point = curve.pointAt(params, t);
    const sq = treeFlatten(point).reduce((s, x) => s + Array.from(x.dataSync()).reduce((a, v) => a + v * v, 0), 0);
    expect(Math.abs(decayed - plain - 0.1 * sq)).toBeLessThan(1e-4 * (1 + sq));
    tf.dispose([params, point] as never);
    curve.dispose();
  });

  it('rejects a t outside [0, 1] and a negative weight decay', () => {
    const curve = new Curve(weights(1), weights(11));
    expect(() => curveLoss(curve, net, { t: -0.1 })).toThrow(/curveLoss: t must be/);
    expect(() => curveLoss(curve, net, { t: 0.5, weightDecay: -1 })).toThrow(/weightDecay/);
    curve.dispose();
  });
});
