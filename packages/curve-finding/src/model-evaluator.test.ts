import { tf, expectClose } from '@basin/testing';
import { outputLosses, treeToVector, Tree } from '@basin/core';
import { modelEvaluator, recomputeBatchNorm } from './model-evaluator';
import { modelStatistics, modelWeights } from './model-weights';

const makeModel = (seed: number) => {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 6, inputShape: [4], kernelInitializer: tf.initializers.glorotNormal({ seed }) }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.activation({ activation: 'relu' }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }));
  return model;
};
const flat = (t: unknown) => Array.from(treeToVector(t as Tree).dataSync());

describe('modelEvaluator', () => {
  const x = tf.add(tf.mul(tf.randomNormal([12, 4], 0, 1, 'float32', 3), 2), 1);
  const labels = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 1], 'int32');
  const y = tf.oneHot(labels, 3);

  it('recomputes BatchNorm statistics at the point: with one batch, inference = a training pass on all rows', () => {
    const model = makeModel(1);
    const point = modelWeights(makeModel(50));
    const evaluator = modelEvaluator(model, { loss: 'categoricalCrossentropy', train: { x, y }, batchSize: 100 });
    const statsBefore = flat(modelStatistics(model));
    const weightsBefore = flat(modelWeights(model));
    const result = evaluator(point) as { train: { loss: number; accuracy: number } };
    // Reference: another model with the point's weights, normalising with the statistics of the
    // whole training set (training mode uses exactly those).
    const reference = makeModel(50);
    const out = reference.apply(x, { training: true }) as tf.Tensor;
    expectClose([result.train.loss], outputLosses.categoricalCrossentropy(y, out).dataSync(), 1e-5);
    const acc = tf.mean(tf.cast(tf.equal(tf.argMax(out, -1), labels), 'float32')).dataSync()[0];
    expect(result.train.accuracy).toBeCloseTo(acc, 6);
    // The model is left as it was.
    expect(flat(modelStatistics(model))).toEqual(statsBefore);
    expect(flat(modelWeights(model))).toEqual(weightsBefore);
  });

  it('with several batches the statistics are the average of the batch statistics', () => {
    const model = makeModel(2);
    recomputeBatchNorm(model, x, 4);
    const bn = model.layers[1] as unknown as { movingMean: { read(): tf.Tensor }; momentum: number };
    const h = model.layers[0].apply(x) as tf.Tensor;
    const means = [0, 4, 8].map((s) => tf.mean(tf.slice(h, s, 4), 0));
    expectClose(bn.movingMean.read().dataSync(), tf.div(tf.addN(means), 3).dataSync(), 1e-5);
    expect(bn.momentum).toBe(0.99);
  });

  it('reports test metrics, leaks nothing, and rejects points that do not fit', () => {
    const model = makeModel(1);
    const evaluator = modelEvaluator(model, { loss: 'categoricalCrossentropy', train: { x, y }, test: { x: tf.slice(x, 0, 5), y: tf.slice(y, 0, 5) }, batchSize: 5 });
    const point = modelWeights(model);
    evaluator(point);
    const before = tf.memory().numTensors;
    const r = evaluator(point) as { test?: { loss: number } };
    expect(tf.memory().numTensors).toBe(before);
    expect(r.test!.loss).toBeGreaterThan(0);
    expect(() => evaluator(point.slice(1))).toThrow(/modelEvaluator: the point has 5 tensors but the model has 6/);
  });
});

describe('modelEvaluator with model losses (regularizers)', () => {
  const x = tf.randomNormal([12, 4], 0, 1, 'float32', 7);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 1], 'int32'), 3);
  const regularised = (seed: number) =>
    tf.sequential({
      layers: [
        tf.layers.dense({ units: 6, inputShape: [4], activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed }), kernelRegularizer: tf.regularizers.l2({ l2: 0.5 }) }),
        tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }), kernelRegularizer: tf.regularizers.l1({ l1: 0.05 }) }),
      ],
    });

  it('reports the loss with the regularizers at the point added, train and test alike (as Keras\' evaluate)', () => {
    const model = regularised(1);
    const test = { x: tf.slice(x, 0, 5), y: tf.slice(y, 0, 5) };
    const evaluator = modelEvaluator(model, { loss: 'categoricalCrossentropy', train: { x, y }, test, batchSize: 5 });
    const reference = regularised(50);
    const point = modelWeights(reference);
    const result = evaluator(point) as { train: { loss: number }; test: { loss: number } };
    const penalty = tf.tidy(() => tf.addN(reference.layers.flatMap((l) => l.losses.map((f) => f()))).dataSync()[0]);
    expect(penalty).toBeGreaterThan(0.5);
    const outputLoss = (xs: tf.Tensor, ys: tf.Tensor) => tf.tidy(() => outputLosses.categoricalCrossentropy(ys, reference.apply(xs) as tf.Tensor).dataSync()[0]);
    expectClose([result.train.loss, result.test.loss], [outputLoss(x, y) + penalty, outputLoss(test.x, test.y) + penalty], 1e-5);
    // The model's own weights are back.
    expect(flat(modelWeights(model))).toEqual(flat(modelWeights(regularised(1))));
    evaluator(point);
    const before = tf.memory().numTensors;
    evaluator(point);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...point, test.x, test.y]);
    model.dispose();
    reference.dispose();
  });
});
