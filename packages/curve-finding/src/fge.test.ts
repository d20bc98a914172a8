import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { modelAdapter, ModelBatch, sgd, Tree, treeToVector } from '@basin/core';
import { ensembleAverage, fgeLearningRate, FgeTrainer, isFgeSnapshotStep, ModelFgeTrainer, ModelSnapshot } from './fge';

describe('fast geometric ensembling', () => {
  it('the cyclical learning rate goes linearly high -> low -> high each cycle', () => {
    const lr = fgeLearningRate({ high: 0.05, low: 0.001, cycleSteps: 4 });
    expectClose([0, 1, 2, 3, 4, 6].map(lr), [0.05, 0.0255, 0.001, 0.0255, 0.05, 0.001], 1e-12);
    expect([0, 1, 2, 3, 4, 5, 6].filter((s) => isFgeSnapshotStep(s, 4))).toEqual([2, 6]);
    expect(() => fgeLearningRate({ high: 0.05, low: 0.001, cycleSteps: 3 })).toThrow(/cycleSteps must be even/);
    expect(() => fgeLearningRate({ high: -1, low: 0.001, cycleSteps: 2 })).toThrow(/high/);
  });

  it('steps with the schedule and snapshots at each low point (SGD on a quadratic, checked by hand)', () => {
    // loss = 0.5 ||w||^2, gradient w: w_{k+1} = (1 - lr_k) w_k.
    const loss = (p: Tree) => tf.tidy(() => tf.mul(0.5, tf.sum(tf.square((p as { w: tf.Tensor }).w))) as tf.Scalar);
    const fge = new FgeTrainer({ loss, params: { w: tf.tensor1d([1, -2]) }, transform: (lr) => sgd({ learningRate: lr }), high: 0.5, low: 0.1, cycleSteps: 2 });
    const lr = fgeLearningRate({ high: 0.5, low: 0.1, cycleSteps: 2 });
    let w = [1, -2];
    const expectedSnapshots: number[][] = [];
    for (let k = 0; k < 4; k++) {
      fge.step({});
      w = w.map((v) => (1 - lr(k)) * v);
      if (k % 2 === 1) expectedSnapshots.push(w);
    }
    expect(fge.snapshots).toHaveLength(2);
    fge.snapshots.forEach((s, i) => expectClose(treeToVector(s).dataSync(), expectedSnapshots[i], 1e-6));
    fge.dispose();
  });

  it('ModelFgeTrainer ensembles snapshot predictions without touching the model, and leaks nothing', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, activation: 'softmax', inputShape: [2], kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) })] });
    const x = tf.randomNormal([6, 2], 0, 1, 'float32', 2);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const fge = new ModelFgeTrainer(model, { loss: 'categoricalCrossentropy', transform: (lr) => sgd({ learningRate: lr }), high: 0.5, low: 0.05, cycleSteps: 2 });
    expect(() => fge.predict(x)).toThrow(/no snapshots yet/);
    for (let k = 0; k < 6; k++) fge.trainOnBatch(x, y);
    expect(fge.snapshots).toHaveLength(3);
    const current = treeToVector(model.trainableWeights.map((w) => w.read())).dataSync();
    const ensemble = fge.predict(x);
    // Reference: each snapshot's softmax by hand, averaged.
    const manual = fge.snapshots.map((s) => tf.softmax(tf.add(tf.matMul(x, s.weights[0]), s.weights[1])));
    expectClose(ensemble.dataSync(), ensembleAverage(manual).dataSync(), 1e-6);
    expectClose(treeToVector(model.trainableWeights.map((w) => w.read())).dataSync(), current, 0);
    expectNoLeak(() => tf.dispose(fge.predict(x)));
    fge.dispose();
  });

  it('ModelFgeTrainer minimises and reports the loss with the model\'s regularizers, as tf.LayersModel.trainOnBatch', async () => {
    const make = () => {
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, activation: 'softmax', inputShape: [2], kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }), kernelRegularizer: tf.regularizers.l2({ l2: 1 }) })] });
      return m;
    };
    const x = tf.randomNormal([6, 2], 0, 1, 'float32', 2);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const model = make();
    const keras = make();
    // The first step runs at the cycle's start, learning rate `high`.
    keras.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    const fge = new ModelFgeTrainer(model, { loss: 'categoricalCrossentropy', transform: (lr) => sgd({ learningRate: lr }), high: 0.5, low: 0.05, cycleSteps: 4 });
    expectClose([fge.trainOnBatch(x, y)], [(await keras.trainOnBatch(x, y)) as number], 1e-5);
    expectClose(treeToVector(model.trainableWeights.map((w) => w.read())).dataSync(), treeToVector(keras.trainableWeights.map((w) => w.read())).dataSync(), 1e-5);
    fge.dispose();
    model.dispose();
    keras.dispose();
    tf.dispose([x, y]);
  });

  it('ModelFgeTrainer is FgeTrainer over core\'s model adapter: the same losses and snapshots (statistics included), bit for bit', () => {
    const make = () => tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [2], kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }), tf.layers.batchNormalization({ momentum: 0.5 }), tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) })] });
    const x = tf.randomNormal([6, 2], 0, 1, 'float32', 2);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const a = make();
    const b = make();
    const schedule = { transform: (lr: number | ((s: number) => number)) => sgd({ learningRate: lr }), high: 0.5, low: 0.05, cycleSteps: 2 };
    const twin = new ModelFgeTrainer(a, { ...schedule, loss: 'categoricalCrossentropy' });
    const one = new FgeTrainer<ModelBatch>({ ...schedule, model: modelAdapter(b, { loss: 'categoricalCrossentropy' }) });
    for (let k = 0; k < 4; k++) expect(one.step({ x, y })).toBe(twin.trainOnBatch(x, y));
    expect(one.snapshots).toHaveLength(2);
    const flat = (s: ModelSnapshot) => [...s.weights, ...s.statistics].flatMap((t) => Array.from(t.dataSync()));
    one.snapshots.forEach((s, i) => expect(flat(s as unknown as ModelSnapshot)).toEqual(flat(twin.snapshots[i])));
    expect(twin.trainer.steps).toBe(4);
    one.dispose();
    twin.dispose();
    tf.dispose([x, y]);
  });
});
