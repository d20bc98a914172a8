import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { isBasinError, modelAdapter, ModelBatch, sgd, Tree, treeDispose, treeToVector } from '@basin/core';
import { isSwaSampleStep, ModelSwaTrainer, refreshBatchNorm, swaLearningRate, SwaTrainer } from './swa';

const flat = (t: unknown) => Array.from(treeToVector(t as Tree).dataSync());

/** Asserts `fn` throws a BasinError whose message matches `pattern`. */
function expectBasin(fn: () => unknown, pattern: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(isBasinError(error)).toBe(true);
  expect((error as Error).message).toMatch(pattern);
}

const makeModel = (seed: number) => {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 5, inputShape: [4], kernelInitializer: tf.initializers.glorotNormal({ seed }) }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.activation({ activation: 'relu' }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }));
  return model;
};

type BatchNorm = { movingMean: { read(): tf.Tensor }; movingVariance: { read(): tf.Tensor }; momentum: number };

/** Float64 mean and biased variance, per column, of `x W + b` (the BatchNorm layer's input). */
function columnStats(x: number[][], W: number[][], b: number[]): { mean: number[]; variance: number[] } {
  const h = x.map((row) => b.map((bj, j) => row.reduce((s, xi, i) => s + xi * W[i][j], bj)));
  const mean = b.map((_, j) => h.reduce((s, r) => s + r[j], 0) / h.length);
  const variance = b.map((_, j) => h.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / h.length);
  return { mean, variance };
}

describe('stochastic weight averaging', () => {
  it('the learning rate falls linearly within each cycle to low (Izmailov et al. eq. 2); samples at cycle ends from start', () => {
    const lr = swaLearningRate({ high: 0.05, low: 0.01, cycleSteps: 4 });
    expectClose([0, 1, 2, 3, 4, 7].map(lr), [0.04, 0.03, 0.02, 0.01, 0.04, 0.01], 1e-12);
    expect([0, 5, 9].map(swaLearningRate({ high: 1, low: 0.2, cycleSteps: 1 }))).toEqual([0.2, 0.2, 0.2]);
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((n) => isSwaSampleStep(n, { start: 5, every: 2 }))).toEqual([6, 8, 10]);
    expect([1, 2, 3].filter((n) => isSwaSampleStep(n))).toEqual([1, 2, 3]);
  });

  it('refuses bad arguments, naming the function and the argument', () => {
    expectBasin(() => swaLearningRate({ high: -1, low: 0.1, cycleSteps: 2 }), /^swaLearningRate: high must be a number >= 0, got -1/);
    expectBasin(() => swaLearningRate({ high: 1, low: 0.1, cycleSteps: 0 }), /^swaLearningRate: cycleSteps must be an integer >= 1, got 0/);
    expectBasin(() => swaLearningRate(undefined as never), /^swaLearningRate: options must be/);
    expectBasin(() => isSwaSampleStep(3, { every: 0 }), /^isSwaSampleStep: every must be an integer >= 1, got 0/);
    const loss = (p: Tree) => tf.sum(tf.square((p as { w: tf.Tensor }).w)) as tf.Scalar;
    const params = { w: tf.ones([2]) };
    expectBasin(() => new SwaTrainer({ loss, params, transform: sgd({ learningRate: 0.1 }), start: -1 }), /^SwaTrainer: start must be an integer >= 0, got -1/);
    expectBasin(() => new SwaTrainer({ loss, params, transform: sgd as never }), /^SwaTrainer: transform must be a Basin transform/);
    const model = makeModel(1);
    expectBasin(() => new ModelSwaTrainer(model, { loss: 'categoricalCrossentropy', transform: sgd({ learningRate: 0.1 }), every: 1.5 }), /^ModelSwaTrainer: every must be an integer >= 1, got 1.5/);
    expectBasin(() => refreshBatchNorm(model, undefined as never), /^refreshBatchNorm: x must be a tensor of training inputs/);
    expectBasin(() => refreshBatchNorm(model, tf.ones([3, 4]), { batchSize: 0 }), /^refreshBatchNorm: batchSize must be an integer >= 1, got 0/);
    const swa = new ModelSwaTrainer(model, { loss: 'categoricalCrossentropy', transform: sgd({ learningRate: 0.1 }) });
    expectBasin(() => swa.averageWeights(), /^ModelSwaTrainer.averageWeights: no weights averaged yet/);
    const x = tf.ones([2, 4]);
    swa.trainOnBatch(x, tf.oneHot(tf.tensor1d([0, 1], 'int32'), 3));
    expectBasin(() => swa.applyAverage(), /^ModelSwaTrainer.applyAverage: the model has BatchNormalization layers: pass the training inputs x/);
    swa.dispose();
    tf.dispose([params.w, x]);
  });

  it('SwaTrainer keeps the float64 mean of the params sampled after steps n >= start, n % every == 0 (1e-6)', () => {
    // loss = 0.5 ||w - target||^2: sgd gives w_{k+1} = w_k - lr_k (w_k - target).
    const target = [0.5, -1, 2];
    const loss = (p: Tree) => tf.tidy(() => tf.mul(0.5, tf.sum(tf.square(tf.sub((p as { w: tf.Tensor }).w, tf.tensor1d(target))))) as tf.Scalar);
    const lr = swaLearningRate({ high: 0.3, low: 0.1, cycleSteps: 3 });
    const swa = new SwaTrainer({ loss, params: { w: tf.tensor1d([3, 3, -3]) }, transform: sgd({ learningRate: lr }), start: 4, every: 3 });
    let w = [3, 3, -3];
    const sampled: number[][] = [];
    for (let k = 0; k < 12; k++) {
      swa.step({});
      w = w.map((v, i) => v - lr(k) * (v - target[i]));
      if (k + 1 >= 4 && (k + 1) % 3 === 0) sampled.push(w);
    }
    expect(swa.samples).toBe(3); // after steps 6, 9 and 12
    const mean = w.map((_, i) => sampled.reduce((s, v) => s + v[i], 0) / sampled.length);
    const avg = swa.average();
    expectClose(flat(avg), mean, 1e-6);
    expectClose(flat(swa.params), w, 1e-6);
    tf.dispose((avg as { w: tf.Tensor }).w);
    swa.dispose();
  });

  it('ModelSwaTrainer: the average is the mean of the sampled weights, and refreshed BatchNorm statistics are the data\'s at the averaged weights (1e-5)', () => {
    const model = makeModel(3);
    const x = tf.add(tf.mul(tf.randomNormal([13, 4], 0, 1, 'float32', 7), 2), 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 1, 2], 'int32'), 3);
    const swa = new ModelSwaTrainer(model, { loss: 'categoricalCrossentropy', transform: sgd({ learningRate: swaLearningRate({ high: 0.2, low: 0.05, cycleSteps: 2 }) }), start: 2, every: 2 });
    const sampled: number[][] = [];
    for (let k = 0; k < 6; k++) {
      swa.trainOnBatch(x, y);
      if ((k + 1) % 2 === 0) sampled.push(flat(model.trainableWeights.map((w) => w.read())));
    }
    expect(swa.samples).toBe(3);
    const avg = swa.averageWeights();
    expectClose(flat(avg), sampled[0].map((_, i) => sampled.reduce((s, v) => s + v[i], 0) / 3), 1e-6);
    // Uneven batches (5, 5, 3): the pooled statistics are still those of all 13 rows.
    swa.applyAverage(x, { batchSize: 5 });
    expectClose(flat(model.trainableWeights.map((w) => w.read())), flat(avg), 0);
    const W = avg[0].arraySync() as number[][];
    const b = avg[1].arraySync() as number[];
    const { mean, variance } = columnStats(x.arraySync() as number[][], W, b);
    const bn = model.layers[1] as unknown as BatchNorm;
    expectClose(bn.movingMean.read().dataSync(), mean, 1e-5);
    expectClose(bn.movingVariance.read().dataSync(), variance, 1e-5);
    expect(bn.momentum).toBe(0.99);
    // So inference now normalises exactly as a training-mode pass over all the rows does.
    expectClose((model.apply(x, { training: false }) as tf.Tensor).dataSync(), (model.apply(x, { training: true }) as tf.Tensor).dataSync(), 1e-4);
    tf.dispose(avg);
    swa.dispose();
    tf.dispose([x, y]);
  });

  it('refreshBatchNorm does not depend on the batch size, leaks nothing, and leaves the model as it was on an error', () => {
    const model = makeModel(5);
    const x = tf.randomNormal([11, 4], 0, 1, 'float32', 9);
    model.apply(x, { training: false });
    const stats = (size: number) => {
      refreshBatchNorm(model, x, { batchSize: size });
      return model.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
    };
    const whole = stats(100);
    for (const size of [1, 3, 4]) stats(size).forEach((s, i) => expectClose(s, whole[i], 1e-5));
    expectNoLeak(() => refreshBatchNorm(model, x, { batchSize: 4 }));
    const before = model.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()));
    expectBasin(() => refreshBatchNorm(model, tf.ones([3, 7]), { batchSize: 2 }), /^refreshBatchNorm: /);
    expect(model.nonTrainableWeights.map((w) => Array.from(w.read().dataSync()))).toEqual(before);
    expect((model.layers[1] as unknown as BatchNorm).momentum).toBe(0.99);
    tf.dispose(x);
  });

  it('ModelSwaTrainer is SwaTrainer over core\'s model adapter: the same losses and average (keyed by weight name), bit for bit', () => {
    const a = makeModel(9);
    const b = makeModel(9);
    const x = tf.randomNormal([6, 4], 0, 1, 'float32', 12);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), 3);
    const options = { transform: sgd({ learningRate: swaLearningRate({ high: 0.2, low: 0.05, cycleSteps: 2 }) }), start: 2, every: 2 };
    const twin = new ModelSwaTrainer(a, { ...options, loss: 'categoricalCrossentropy' });
    const one = new SwaTrainer<ModelBatch>({ ...options, model: modelAdapter(b, { loss: 'categoricalCrossentropy' }) });
    for (let k = 0; k < 6; k++) expect(one.step({ x, y })).toBe(twin.trainOnBatch(x, y));
    expect(one.samples).toBe(twin.samples);
    const average = one.average() as Record<string, tf.Tensor>;
    expect(Object.keys(average)).toEqual(b.trainableWeights.map((w) => w.name));
    const fromTwin = twin.averageWeights();
    expect(b.trainableWeights.flatMap((w) => Array.from(average[w.name].dataSync()))).toEqual(flat(fromTwin));
    expect(twin.trainer.steps).toBe(6);
    treeDispose([average, fromTwin, x, y]);
    one.dispose();
    twin.dispose();
  });
});
