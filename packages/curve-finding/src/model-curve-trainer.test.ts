import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { GradFn, modelAdapter, ModelBatch, sgd, Transform, treeFromVector, treeToVector, valueAndGrad, outputLosses, Tree } from '@basin/core';
import { Curve, CurveParams } from './curve';
import { curveLoss } from './curve-loss';
import { ModelCurveTrainer } from './model-curve-trainer';
import { CurveTrainer } from './curve-trainer';
import { modelWeights } from './model-weights';

const makeModel = (seed: number) => {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [4], kernelInitializer: tf.initializers.glorotNormal({ seed }), biasInitializer: tf.initializers.randomNormal({ seed: seed + 1, stddev: 0.3 }) }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 2 }) }));
  return model;
};
// The same network written functionally, as an independent reference for the gradients.
const functional = (p: Tree, batch: { x: tf.Tensor; y: tf.Tensor }) =>
  tf.tidy(() => {
    const [k1, b1, k2, b2] = p as tf.Tensor[];
    const h = tf.tanh(tf.add(tf.matMul(batch.x, k1), b1));
    return outputLosses.categoricalCrossentropy(batch.y, tf.softmax(tf.add(tf.matMul(h, k2), b2)));
  });
const flat = (t: unknown) => Array.from(treeToVector(t as Tree).dataSync());

describe('ModelCurveTrainer', () => {
  const x = tf.randomNormal([8, 4], 0, 1, 'float32', 5);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 1, 0], 'int32'), 3);
  const a = makeModel(1);
  const b = makeModel(100);
  const wa = modelWeights(a);
  const wb = modelWeights(b);

  it('computes the exact curve gradient (chain rule) = autodiff through the point, with weight decay', () => {
    const curve = new Curve(wa, wb, { bends: 2, fixEnd: false });
    const init = curve.init();
    const params: CurveParams = { bends: init.bends.map((bend) => (bend as tf.Tensor[]).map((w, i) => tf.add(w, tf.randomNormal(w.shape, 0, 0.3, 'float32', i)))), end: init.end };
    const trainer = new ModelCurveTrainer(a, { curve, transform: sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy', params, weightDecay: 0.05 });
    const t = 0.42;
    const { loss, grads } = trainer.lossAndGrads(x, y, t);
    const reference = valueAndGrad(curveLoss(curve, functional, { t, weightDecay: 0.05 }))(params, { x, y });
    expectClose(flat(grads), flat(reference.grads), 1e-4);
    expectClose(loss.dataSync(), reference.loss.dataSync(), 1e-5);
    // The model was only borrowed.
    expect(flat(modelWeights(a))).toEqual(flat(wa));
    tf.dispose([loss, grads, reference, init.bends, params] as never);
    trainer.dispose();
    curve.dispose();
  });

  it('takes leak-free steps and leaves the model weights as they were', () => {
    const curve = new Curve(wa, wb);
    const trainer = new ModelCurveTrainer(a, { curve, transform: sgd({ learningRate: 0.1, momentum: 0.9 }), loss: 'categoricalCrossentropy', seed: 3 });
    expectNoLeak(() => trainer.trainOnBatch(x, y));
    expect(flat(modelWeights(a))).toEqual(flat(wa));
    expect(trainer.steps).toBe(4);
    trainer.dispose();
    curve.dispose();
  });

  it('one step at t equals SGD on the functional curve loss at t', () => {
    const curve = new Curve(wa, wb);
    const trainer = new ModelCurveTrainer(a, { curve, transform: sgd({ learningRate: 0.5 }), loss: 'categoricalCrossentropy' });
    const before = flat(trainer.params);
    const { grads } = valueAndGrad(curveLoss(curve, functional, { t: 0.3 }))(trainer.params, { x, y });
    trainer.trainOnBatchAt(x, y, 0.3);
    const g = flat(grads);
    expectClose(flat(trainer.params), before.map((p, i) => p - 0.5 * g[i]), 1e-5);
    tf.dispose(grads as never);
    trainer.dispose();
    curve.dispose();
  });

  it('gives extras.gradFn at the same t and batch (SAM-style transforms), microbatches included', () => {
    // A transform that steps along the gradient gradFn returns at the current params: equals SGD
    // only if gradFn uses the step's own t and batch.
    const viaGradFn: Transform<object> = {
      init: () => ({}),
      update: (updates, state, params, extras) => {
        const gradFn = extras!.gradFn as GradFn;
        const halves = [0, 1].map((index) => gradFn(params!, { index, count: 2 }));
        const out = tf.tidy(() => tf.mul(tf.add(treeToVector(halves[0].grads), treeToVector(halves[1].grads)), -0.25));
        const tree = treeFromVector(out, updates);
        tf.dispose([out, halves as never]);
        return [tree, {}];
      },
    };
    const curve = new Curve(wa, wb);
    const viaSam = new ModelCurveTrainer(a, { curve, transform: viaGradFn, loss: 'categoricalCrossentropy' });
    const plain = new ModelCurveTrainer(a, { curve, transform: sgd({ learningRate: 0.5 }), loss: 'categoricalCrossentropy' });
    viaSam.trainOnBatchAt(x, y, 0.7);
    plain.trainOnBatchAt(x, y, 0.7);
    expectClose(flat(viaSam.params), flat(plain.params), 1e-5);
    viaSam.dispose();
    plain.dispose();
    curve.dispose();
  });

  it('lowers the expected loss along the curve', async () => {
    const curve = new Curve(wa, wb);
    const trainer = new ModelCurveTrainer(a, { curve, transform: sgd({ learningRate: 1 }), loss: 'categoricalCrossentropy', seed: 1 });
    const meanLoss = () => [0.25, 0.5, 0.75].reduce((s, t) => { const r = trainer.lossAndGrads(x, y, t); const v = r.loss.dataSync()[0]; tf.dispose([r.loss, r.grads] as never); return s + v / 3; }, 0);
    const before = meanLoss();
    const history = await trainer.fit(x, y, { epochs: 40, batchSize: 8 });
    expect(history).toHaveLength(40);
    const after = meanLoss();
    expect(after).toBeLessThan(before * 0.8);
    trainer.dispose();
    curve.dispose();
  });

  it('rejects a curve whose endpoints do not fit the model, naming the weight', () => {
    const other = tf.sequential({ layers: [tf.layers.dense({ units: 6, inputShape: [4] }), tf.layers.dense({ units: 3 })] });
    const curve = new Curve(modelWeights(other), modelWeights(other));
    expect(() => new ModelCurveTrainer(a, { curve, transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' })).toThrow(
      /weight 0 '.*kernel' \(tree path '\[0\]'\): expected shape \[4, 5\], got \[4, 6\]/,
    );
    const short = new Curve(wa.slice(0, 2), wb.slice(0, 2));
    expect(() => new ModelCurveTrainer(a, { curve: short, transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' })).toThrow(/has 2 tensors but the model has 4/);
    curve.dispose();
    short.dispose();
  });
});

describe('ModelCurveTrainer with model losses (regularizers)', () => {
  const x = tf.randomNormal([8, 4], 0, 1, 'float32', 5);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 1, 0], 'int32'), 3);
  /** `makeModel` with l2 (0.5) on the first kernel and l1l2 on the last bias. */
  const regularised = (seed: number) => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 5, activation: 'tanh', inputShape: [4], kernelInitializer: tf.initializers.glorotNormal({ seed }), biasInitializer: tf.initializers.randomNormal({ seed: seed + 1, stddev: 0.3 }), kernelRegularizer: tf.regularizers.l2({ l2: 0.5 }) }));
    model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 2 }), biasInitializer: tf.initializers.randomNormal({ seed: seed + 3, stddev: 0.3 }), biasRegularizer: tf.regularizers.l1l2({ l1: 0.1, l2: 0.2 }) }));
    return model;
  };
  // The same objective written functionally: output loss + the regularizers at the point.
  const functionalReg = (p: Tree, batch: { x: tf.Tensor; y: tf.Tensor }) =>
    tf.tidy(() => {
      const [k1, , , b2] = p as tf.Tensor[];
      const penalty = tf.addN([tf.mul(0.5, tf.sum(tf.square(k1))), tf.mul(0.1, tf.sum(tf.abs(b2))), tf.mul(0.2, tf.sum(tf.square(b2)))]);
      return tf.add(functional(p, batch), penalty) as tf.Scalar;
    });
  const a = regularised(1);
  const wa = modelWeights(a);
  const wb = modelWeights(regularised(100));

  it('loss and curve gradient include the regularizers at the point (and weight decay on top)', () => {
    const curve = new Curve(wa, wb, { bends: 1 });
    const trainer = new ModelCurveTrainer(a, { curve, transform: sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy', weightDecay: 0.01 });
    const t = 0.35;
    const { loss, grads } = trainer.lossAndGrads(x, y, t);
    const reference = valueAndGrad(curveLoss(curve, functionalReg, { t, weightDecay: 0.01 }))(trainer.params, { x, y });
    expectClose(loss.dataSync(), reference.loss.dataSync(), 1e-5);
    expectClose(flat(grads), flat(reference.grads), 1e-4);
    // Without the regularizers the loss would be much lower: the check has teeth.
    const plain = valueAndGrad(curveLoss(curve, functional, { t, weightDecay: 0.01 }))(trainer.params, { x, y });
    expect(loss.dataSync()[0] - plain.loss.dataSync()[0]).toBeGreaterThan(0.5);
    // A step reports the same loss and moves the params by -lr * that gradient.
    const before = flat(trainer.params);
    const reported = trainer.trainOnBatchAt(x, y, t);
    expectClose([reported], reference.loss.dataSync(), 1e-5);
    const g = flat(reference.grads);
    expectClose(flat(trainer.params), before.map((v, i) => v - 0.1 * g[i]), 1e-5);
    tf.dispose([loss, grads, reference, plain] as never);
    trainer.dispose();
    curve.dispose();
  });

  it('at an endpoint, reports the loss tf.LayersModel.trainOnBatch reports for that model', async () => {
    const curve = new Curve(wa, wb);
    const trainer = new ModelCurveTrainer(a, { curve, transform: sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
    const keras = regularised(100); // the end point's weights
    keras.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
    const kerasLoss = (await keras.trainOnBatch(x, y)) as number;
    expectClose([trainer.trainOnBatchAt(x, y, 1)], [kerasLoss], 1e-5);
    trainer.dispose();
    curve.dispose();
    keras.dispose();
  });

  it('takes leak-free steps and leaves the model as it was', () => {
    const curve = new Curve(wa, wb);
    const trainer = new ModelCurveTrainer(a, { curve, transform: sgd({ learningRate: 0.1, momentum: 0.9 }), loss: 'categoricalCrossentropy', seed: 3 });
    expectNoLeak(() => trainer.trainOnBatch(x, y));
    expect(flat(modelWeights(a))).toEqual(flat(wa));
    trainer.dispose();
    curve.dispose();
  });
});

describe('ModelCurveTrainer is CurveTrainer over core\'s model adapter', () => {
  const x = tf.randomNormal([8, 4], 0, 1, 'float32', 5);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 1, 0], 'int32'), 3);
  const withBatchNorm = (seed: number) => {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 5, inputShape: [4], kernelInitializer: tf.initializers.glorotNormal({ seed }), kernelRegularizer: tf.regularizers.l2({ l2: 0.1 }) }));
    model.add(tf.layers.batchNormalization({ momentum: 0.5 }));
    model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }));
    return model;
  };

  it('new CurveTrainer({ curve, model: modelAdapter(model, { loss }) }) takes the same steps, bit for bit, and borrows the model', () => {
    const a = withBatchNorm(1);
    const wa = modelWeights(a);
    const wb = modelWeights(withBatchNorm(40));
    const curve = new Curve(wa, wb, { bends: 1 });
    const options = { curve, transform: sgd({ learningRate: 0.2, momentum: 0.9 }), weightDecay: 1e-3, seed: 2 };
    const before = [...a.trainableWeights, ...a.nonTrainableWeights].map((w) => Array.from(w.read().dataSync()));
    const t1 = new ModelCurveTrainer(a, { ...options, loss: 'categoricalCrossentropy' });
    const t2 = new CurveTrainer<ModelBatch>({ ...options, model: modelAdapter(a, { loss: 'categoricalCrossentropy' }) });
    for (let k = 0; k < 3; k++) expect(t2.step({ x, y })).toBe(t1.trainOnBatch(x, y));
    expect(flat(t2.params)).toEqual(flat(t1.params));
    expect(t2.lastT).toBe(t1.lastT);
    const r1 = t1.lossAndGrads(x, y, 0.4);
    const r2 = t2.lossAndGrads({ x, y }, 0.4);
    expect(Array.from(r2.loss.dataSync())).toEqual(Array.from(r1.loss.dataSync()));
    expect(flat(r2.grads)).toEqual(flat(r1.grads));
    // Weights and BatchNorm statistics are as they were: the model is only borrowed.
    expect([...a.trainableWeights, ...a.nonTrainableWeights].map((w) => Array.from(w.read().dataSync()))).toEqual(before);
    expect(t1.trainer).toBeInstanceOf(CurveTrainer);
    tf.dispose([r1, r2] as never);
    [t1, t2].forEach((t) => t.dispose());
    curve.dispose();
  });

  it('CurveTrainer checks the model, its batches and the endpoints, naming itself', () => {
    const a = withBatchNorm(1);
    const curve = new Curve(modelWeights(a), modelWeights(withBatchNorm(3)));
    const other = new Curve([tf.zeros([2, 2])], [tf.ones([2, 2])]);
    expect(() => new CurveTrainer({ curve, model: a as never, transform: sgd({ learningRate: 0.1 }) })).toThrow(/^CurveTrainer: model must be a model adapter, modelAdapter\(model, \{ loss \}\)/);
    expect(() => new CurveTrainer({ curve: other, model: modelAdapter(a, { loss: 'meanSquaredError' }), transform: sgd({ learningRate: 0.1 }) })).toThrow(/^CurveTrainer: the curve endpoint tree has 1 tensors but the model has 6 trainable weights/);
    const trainer = new CurveTrainer<ModelBatch>({ curve, model: modelAdapter(a, { loss: 'meanSquaredError' }), transform: sgd({ learningRate: 0.1 }) });
    const yShort = tf.zeros([3, 3]);
    expect(() => trainer.step({ x, y: yShort })).toThrow(/^CurveTrainer.step: x has 8 rows but y has 3/);
    expect(trainer.steps).toBe(0);
    trainer.dispose();
    curve.dispose();
    other.dispose();
    yShort.dispose();
  });
});
