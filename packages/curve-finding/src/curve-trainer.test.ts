import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { adam, sgd, treeToVector, valueAndGrad, Tree } from '@basin/core';
import { Curve } from './curve';
import { curveLoss } from './curve-loss';
import { CurveTrainer } from './curve-trainer';

// Two minima of a 1-D double well per coordinate: loss = mean((w^2 - 1)^2) + data fit on a batch.
const loss = (p: Tree, batch: { x: tf.Tensor }) =>
  tf.tidy(() => {
    const w = (p as { w: tf.Tensor }).w;
    return tf.add(tf.mean(tf.square(tf.sub(tf.square(w), 1))), tf.mul(0.01, tf.mean(tf.square(tf.matMul(batch.x, tf.reshape(w, [-1, 1])))))) as tf.Scalar;
  });
const flat = (t: unknown) => Array.from(treeToVector(t as Tree).dataSync());

describe('CurveTrainer', () => {
  const start = { w: tf.tensor1d([1, 1, -1]) };
  const end = { w: tf.tensor1d([-1, 1, 1]) };
  const batch = { x: tf.randomNormal([4, 3], 0, 1, 'float32', 9) };

  it('steps are leak-free for plain and adaptive transforms', () => {
    for (const transform of [sgd({ learningRate: 0.1 }), adam({ learningRate: 0.01 })]) {
      const curve = new Curve(start, end, { bends: 2, kind: 'polychain', fixEnd: false });
      const trainer = new CurveTrainer({ curve, loss, transform });
      expectNoLeak(() => trainer.step(batch));
      trainer.dispose();
      curve.dispose();
    }
  });

  it('one step at t is SGD on the loss at theta(t)', () => {
    const curve = new Curve(start, end);
    const trainer = new CurveTrainer({ curve, loss, transform: sgd({ learningRate: 0.2 }), weightDecay: 0.01 });
    const before = flat(trainer.params);
    const { loss: l, grads } = valueAndGrad(curveLoss(curve, loss, { t: 0.25, weightDecay: 0.01 }))(trainer.params, batch);
    const g = flat(grads);
    const reported = trainer.stepAt(batch, 0.25);
    expectClose([reported], l.dataSync(), 1e-6);
    expectClose(flat(trainer.params), before.map((p, i) => p - 0.2 * g[i]), 1e-6);
    tf.dispose([l, grads] as never);
    trainer.dispose();
    curve.dispose();
  });

  it('draws one t per batch from a seeded generator: same seed, same run', () => {
    const run = (seed: number) => {
      const curve = new Curve(start, end);
      const trainer = new CurveTrainer({ curve, loss, transform: sgd({ learningRate: 0.1 }), seed });
      const ts: number[] = [];
      for (let i = 0; i < 5; i++) { trainer.step(batch); ts.push(trainer.lastT); }
      const out = { ts, params: flat(trainer.params) };
      trainer.dispose();
      curve.dispose();
      return out;
    };
    const a = run(7);
    const b = run(7);
    const c = run(8);
    expect(a).toEqual(b);
    expect(new Set(a.ts).size).toBe(5);
    expect(a.ts.every((t) => t >= 0 && t < 1)).toBe(true);
    expect(c.ts).not.toEqual(a.ts);
  });

  it('finds a low-loss curve between two minima the line connects through a barrier', () => {
    const curve = new Curve(start, end);
    const trainer = new CurveTrainer({ curve, loss, transform: sgd({ learningRate: 0.05, momentum: 0.9 }), seed: 1 });
    const midLoss = () => tf.tidy(() => loss(curve.pointAt(trainer.params, 0.5), batch).dataSync()[0]);
    // On the line the midpoint is (0, 1, 0): loss (2/3) on the well terms.
    expect(midLoss()).toBeGreaterThan(0.6);
    for (let i = 0; i < 300; i++) trainer.step(batch);
    expect(midLoss()).toBeLessThan(0.2);
    trainer.dispose();
    curve.dispose();
  });

  it('rejects params that do not belong to the curve, and bad options', () => {
    const curve = new Curve(start, end);
    expect(() => new CurveTrainer({ curve, loss, transform: sgd({ learningRate: 0.1 }), params: { bends: [] } })).toThrow(/CurveTrainer: params.bends must have 1 entries/);
    expect(() => new CurveTrainer({ curve, loss, transform: sgd({ learningRate: 0.1 }), weightDecay: -1 })).toThrow(/CurveTrainer: weightDecay/);
    curve.dispose();
  });
});
