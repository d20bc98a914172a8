import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { treeDispose } from '@basin/core';
import type { Tree } from '@basin/core';
import { datasetGradient, modelDatasetGradient, modelGradient } from './full-gradient';
import { leastSquares, lsLoss } from '../test-helpers';

const P = leastSquares();
const W = [0.3, -0.7, 0.9, 0.1];

describe('datasetGradient', () => {
  it.each([1, 5, 7, 24, 100])('is the float64 gradient of the loss on the whole dataset, chunks of %i rows (1e-5)', (chunk) => {
    const data = P.data();
    const params = P.params(W);
    const full = datasetGradient(lsLoss, data, { batchSize: chunk });
    const g = full(params);
    expectClose(P.read(g), P.fullGrad(W), 1e-5);
    expectClose(P.read(params), W, 1e-7); // params untouched
    treeDispose([g, params, data]);
  });

  it('leaks nothing and leaves data and params alive', () => {
    const data = P.data();
    const params = P.params(W);
    const full = datasetGradient(lsLoss, data, { batchSize: 5 });
    expectNoLeak(() => treeDispose(full(params)));
    expect(data.x.isDisposed || data.y.isDisposed || params.w.isDisposed).toBe(false);
    treeDispose([params, data]);
  });
});

/** A small model with a BatchNormalization layer (moving statistics) and an L2 regularizer. */
function bnModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [3], units: 4, kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }), kernelRegularizer: tf.regularizers.l2({ l2: 0.01 }) }));
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }));
  return model;
}

const values = (ws: { read(): tf.Tensor }[]) => ws.map((w) => Array.from(w.read().dataSync()));

describe('modelGradient and modelDatasetGradient', () => {
  it('evaluate the model at other weights and put weights and BatchNorm statistics back', () => {
    const model = bnModel();
    const data = P.data();
    const y = tf.reshape(data.y, [-1, 1]);
    const weightsBefore = values(model.trainableWeights);
    const statsBefore = values(model.nonTrainableWeights);
    const other = Object.fromEntries(model.trainableWeights.map((w, i) => [w.name, tf.add(w.read(), 0.1 * (i + 1))]));
    const full = modelDatasetGradient(model, data.x, y, { loss: 'meanSquaredError', batchSize: 24 });
    const g = full(other) as Record<string, tf.Tensor>;
    expect(values(model.trainableWeights)).toEqual(weightsBefore);
    expect(values(model.nonTrainableWeights)).toEqual(statsBefore);
    // The same as differentiating the model with the other weights written in, by hand.
    const saved = model.trainableWeights.map((w) => tf.clone(w.read()));
    model.trainableWeights.forEach((w) => w.write(other[w.name]));
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { grads } = tf.variableGrads(() => {
      const out = model.apply(data.x, { training: true }) as tf.Tensor;
      const reg = tf.addN(model.layers.flatMap((l) => l.losses as unknown as (() => tf.Scalar)[]).map((f) => f()));
      return tf.add(tf.mean(tf.square(tf.sub(out, y))), reg) as tf.Scalar;
    }, vars);
    for (const w of model.trainableWeights) expectClose(g[w.name].dataSync(), grads[(w.read() as tf.Variable).name].dataSync(), 1e-5);
    model.trainableWeights.forEach((w, i) => w.write(saved[i]));
    treeDispose([saved, grads, g, other, data, y]);
    model.dispose();
  });

  it('modelDatasetGradient in chunks is the row-weighted mean of modelGradient on the chunks; nothing leaks', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: 'tanh' }), tf.layers.dense({ units: 1 })] });
    const data = P.data();
    const y = tf.reshape(data.y, [-1, 1]);
    const params = Object.fromEntries(model.trainableWeights.map((w) => [w.name, w.read()])) as Tree;
    const g = modelDatasetGradient(model, data.x, y, { loss: 'meanSquaredError', batchSize: 10 })(params) as Record<string, tf.Tensor>;
    const at = modelGradient(model, { loss: 'meanSquaredError' });
    const parts = [[0, 10], [10, 10], [20, 4]].map(([s, n]) => {
      const xs = tf.slice(data.x, s, n);
      const ys = tf.slice(y, s, n);
      const r = at(params, xs, ys);
      treeDispose([xs, ys, r.loss]);
      return { grads: r.grads as Record<string, tf.Tensor>, weight: n / 24 };
    });
    for (const w of model.trainableWeights) {
      const expected = tf.tidy(() => tf.addN(parts.map((p) => tf.mul(p.grads[w.name], p.weight))));
      expectClose(g[w.name].dataSync(), expected.dataSync(), 1e-5);
      expected.dispose();
    }
    expectNoLeak(() => treeDispose(modelDatasetGradient(model, data.x, y, { loss: 'meanSquaredError', batchSize: 7 })(params)));
    treeDispose([parts.map((p) => p.grads), g, data, y]);
    model.dispose();
  });
});
