// Valid input in any key order gives the same answer: weight trees are paired by path (Basin's
// canonical order sorts record keys, as JAX does), and model weights by name or by position in an
// array, never by the order a record's keys were inserted.
import { tf } from '@basin/testing';
import { sgd, treeDispose, type Tree } from '@basin/core';
import { Curve, CurveParams } from './curve';
import { CurveTrainer } from './curve-trainer';
import { ModelCurveTrainer } from './model-curve-trainer';
import { modelEvaluator } from './model-evaluator';
import { modelWeights } from './model-weights';
import { linePath } from './path';
import { Plane } from './plane';

type W = { dense: { kernel: tf.Tensor; bias: tf.Tensor }; out: tf.Tensor };
const values = (seed: number) => ({ kernel: [1, 2, 3, 4, 5, 6].map((v) => Math.sin(seed * v)), bias: [Math.cos(seed), Math.cos(2 * seed)], out: [Math.sin(seed + 1), Math.cos(seed + 1)] });
/** The same weights, with record keys inserted in the given order or in reverse. */
const weights = (seed: number, reverse = false): Tree => {
  const v = values(seed);
  const kernel = tf.tensor2d(v.kernel, [3, 2]);
  const bias = tf.tensor1d(v.bias);
  const out = tf.tensor2d(v.out, [2, 1]);
  return reverse ? { out, dense: { bias, kernel } } : { dense: { kernel, bias }, out };
};
const byPath = (t: Tree): Record<string, number[]> => {
  const w = t as W;
  return { 'dense.kernel': Array.from(w.dense.kernel.dataSync()), 'dense.bias': Array.from(w.dense.bias.dataSync()), out: Array.from(w.out.dataSync()) };
};
const loss = (p: Tree, batch: { x: tf.Tensor }): tf.Scalar =>
  tf.tidy(() => {
    const { dense, out } = p as W;
    return tf.mean(tf.square(tf.sub(tf.matMul(tf.tanh(tf.add(tf.matMul(batch.x, dense.kernel), dense.bias)), out), 0.3))) as tf.Scalar;
  });

describe('key order never changes an answer', () => {
  const a = weights(1);
  const b = weights(2);
  const bend = weights(3);
  const aBack = weights(1, true);
  const bBack = weights(2, true);
  const bendBack = weights(3, true);
  const batch = { x: tf.randomNormal([5, 3], 0, 1, 'float32', 4) };
  afterAll(() => treeDispose([a, b, bend, aBack, bBack, bendBack, batch]));

  it('a curve between endpoints listing their keys in different orders is the same curve', () => {
    for (const kind of ['bezier', 'polychain'] as const) {
      const c1 = new Curve(a, b, { kind, fixEnd: false });
      const c2 = new Curve(a, bBack, { kind, fixEnd: false });
      const c3 = new Curve(aBack, b, { kind, fixEnd: false });
      const p1 = c1.init();
      const p2 = c2.init();
      expect(byPath(p2.bends[0])).toEqual(byPath(p1.bends[0]));
      expect(byPath(p2.end as Tree)).toEqual(byPath(p1.end as Tree));
      for (const t of [0, 0.3, 0.5, 1]) {
        const points = [c1.pointAt(p1, t), c2.pointAt(p2, t), c3.pointAt(p1, t), c1.pointAt({ bends: [bendBack], end: bBack }, t), c1.pointAt({ bends: [bend], end: b }, t)];
        expect(byPath(points[1])).toEqual(byPath(points[0]));
        expect(byPath(points[2])).toEqual(byPath(points[0]));
        expect(byPath(points[3])).toEqual(byPath(points[4]));
        treeDispose(points);
      }
      const g1 = c1.controlPointGrads(bend, 0.4);
      const g2 = c2.controlPointGrads(bendBack, 0.4);
      expect(byPath(g2.bends[0])).toEqual(byPath(g1.bends[0]));
      treeDispose([p1, p2, g1, g2]);
      [c1, c2, c3].forEach((c) => c.dispose());
    }
  });

  it('training a curve from reordered endpoints takes the same steps', () => {
    const run = (start: Tree, end: Tree): Record<string, number[]> => {
      const curve = new Curve(start, end, { bends: 1 });
      const trainer = new CurveTrainer({ curve, loss, transform: sgd({ learningRate: 0.1, momentum: 0.9 }), seed: 3 });
      for (let i = 0; i < 3; i++) trainer.step(batch);
      const out = byPath((trainer.params as CurveParams).bends[0]);
      trainer.dispose();
      curve.dispose();
      return out;
    };
    expect(run(aBack, bBack)).toEqual(run(a, b));
    expect(run(a, bBack)).toEqual(run(a, b));
  });

  it('lines and planes through reordered weights agree', () => {
    const l1 = linePath(a, b);
    const l2 = linePath(aBack, b);
    const [q1, q2] = [l1.pointAt(0.25), l2.pointAt(0.25)];
    expect(byPath(q2)).toEqual(byPath(q1));
    const pl1 = new Plane(a, bend, b);
    const pl2 = new Plane(aBack, bendBack, b);
    expect(pl2.anchors).toEqual(pl1.anchors);
    expect(pl2.project(bendBack)).toEqual(pl1.project(bend));
    const [r1, r2] = [pl1.pointAt(0.3, -0.2), pl2.pointAt(0.3, -0.2)];
    expect(byPath(r2)).toEqual(byPath(r1));
    treeDispose([q1, q2, r1, r2]);
    [l1, l2, pl1, pl2].forEach((o) => o.dispose());
  });

  describe('models: records keyed by weight name pair by name, in any key order', () => {
    const make = (seed: number) =>
      tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [4], activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed }) }), tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) })] });
    const model = make(1);
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', 5);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const names = model.trainableWeights.map((w) => w.name);
    const wa = modelWeights(model);
    const wb = modelWeights(make(50));
    /** `weights` as a record keyed by weight name, keys in reverse order. */
    const named = (w: tf.Tensor[]): Tree => Object.fromEntries(names.map((n, i) => [n, w[i]]).reverse());
    afterAll(() => {
      tf.dispose([x, y, ...wa, ...wb]);
      model.dispose();
    });

    it('modelEvaluator gives the same metrics for an array and a reversed record', () => {
      const evaluator = modelEvaluator(model, { loss: 'categoricalCrossentropy', train: { x, y } });
      expect(evaluator(named(wb))).toEqual(evaluator(wb));
    });

    it('ModelCurveTrainer gives the same loss and gradients for array and record endpoints', () => {
      const c1 = new Curve(wa, wb);
      const c2 = new Curve(named(wa), named(wb));
      const t1 = new ModelCurveTrainer(model, { curve: c1, transform: sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
      const t2 = new ModelCurveTrainer(model, { curve: c2, transform: sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
      const r1 = t1.lossAndGrads(x, y, 0.4);
      const r2 = t2.lossAndGrads(x, y, 0.4);
      expect(r2.loss.dataSync()[0]).toBe(r1.loss.dataSync()[0]);
      const g2 = r2.grads.bends[0] as Record<string, tf.Tensor>;
      expect(Object.keys(g2)).toEqual([...names].reverse()); // the gradient keeps the point's layout
      (r1.grads.bends[0] as tf.Tensor[]).forEach((g, i) => expect(Array.from(g2[names[i]].dataSync())).toEqual(Array.from(g.dataSync())));
      expect(t2.trainOnBatchAt(x, y, 0.6)).toBe(t1.trainOnBatchAt(x, y, 0.6));
      treeDispose([r1, r2] as never);
      [t1, t2, c1, c2].forEach((o) => o.dispose());
    });
  });
});
