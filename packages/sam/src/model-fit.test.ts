// sam through tfjs-layers' model.compile / model.fit, with core's BasinOptimizer: the same
// weights as core's ModelTrainer on the same batches, and BatchNormalization statistics moved
// by the clean pass only.
import { tf } from '@basin/testing';
import { adamw, ModelTrainer, sgd } from '@basin/core';
import type { LayersModelLike } from '@basin/core';
import { basinOptimizer } from '@basin/core';
import { sam } from './sam';

const N = 24;
const x = () => tf.randomNormal([N, 4], 0.5, 1.5, 'float32', 21);
const y = () => tf.randomNormal([N, 1], 0, 1, 'float32', 22);
const vals = (t: tf.Tensor) => Array.from(t.dataSync());
const weightsOf = (m: tf.LayersModel) => m.getWeights().map(vals);
const maxAbsDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((w, i) => w.map((v, j) => Math.abs(v - b[i][j]))));

/** Dense, BatchNormalization, Dense with seeded initial weights (no dropout: passes are deterministic). */
function buildModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 5, inputShape: [4], activation: 'tanh', kernelInitializer: tf.initializers.randomNormal({ seed: 1 }) }));
  model.add(tf.layers.batchNormalization({ momentum: 0.8 }));
  model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.randomNormal({ seed: 2 }) }));
  return model;
}
const bnStats = (m: tf.LayersModel) => m.layers[1].getWeights().slice(2).map(vals);
const makeSam = () => sam(adamw({ learningRate: 0.01, weightDecay: 0.01 }), { rho: 0.1 });

describe('sam as the optimizer of model.fit', () => {
  it('gives the weights and BN statistics ModelTrainer gives on the same batches (within 1e-5)', async () => {
    const [xs, ys] = [x(), y()];
    const viaFit = buildModel();
    const viaTrainer = buildModel();
    const optimizer = basinOptimizer(makeSam());
    viaFit.compile({ optimizer, loss: 'meanSquaredError' });
    const history = await viaFit.fit(xs, ys, { batchSize: 8, epochs: 3, shuffle: false, verbose: 0 });
    const trainer = new ModelTrainer(viaTrainer as unknown as LayersModelLike, { transform: makeSam(), loss: 'meanSquaredError' });
    const losses = await trainer.fit(xs, ys, { batchSize: 8, epochs: 3, shuffle: false });
    const diff = maxAbsDiff(weightsOf(viaFit), weightsOf(viaTrainer));
    expect(diff).toBeLessThan(1e-5);
    expect(Math.max(...losses.map((l, i) => Math.abs(l - (history.history.loss[i] as number))))).toBeLessThan(1e-5);
    expect(optimizer.iterations).toBe(9);
    optimizer.dispose();
    trainer.dispose();
    viaFit.dispose();
    viaTrainer.dispose();
    tf.dispose([xs, ys]);
  });

  it('one sam step moves the BN statistics exactly as one plain step does', async () => {
    const [xs, ys] = [x(), y()];
    const withSam = buildModel();
    const plain = buildModel();
    const before = bnStats(withSam);
    const o1 = basinOptimizer(sam(sgd({ learningRate: 0.1 }), { rho: 0.5 }));
    const o2 = basinOptimizer(sgd({ learningRate: 0.1 }));
    withSam.compile({ optimizer: o1, loss: 'meanSquaredError' });
    plain.compile({ optimizer: o2, loss: 'meanSquaredError' });
    await withSam.fit(xs, ys, { batchSize: N, epochs: 1, shuffle: false, verbose: 0 });
    await plain.fit(xs, ys, { batchSize: N, epochs: 1, shuffle: false, verbose: 0 });
    expect(maxAbsDiff(bnStats(withSam), before)).toBeGreaterThan(1e-3); // the clean pass moved them
    expect(maxAbsDiff(bnStats(withSam), bnStats(plain))).toBe(0); // the perturbed pass did not
    expect(maxAbsDiff(weightsOf(withSam).slice(0, 2), weightsOf(plain).slice(0, 2))).toBeGreaterThan(1e-4); // SAM's step differs
    [o1, o2].forEach((o) => o.dispose());
    withSam.dispose();
    plain.dispose();
    tf.dispose([xs, ys]);
  });

  it('leaks no tensors across epochs', async () => {
    const [xs, ys] = [x(), y()];
    const model = buildModel();
    const optimizer = basinOptimizer(makeSam());
    model.compile({ optimizer, loss: 'meanSquaredError', metrics: ['mse'] });
    await model.fit(xs, ys, { batchSize: 8, epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    await model.fit(xs, ys, { batchSize: 8, epochs: 3, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
  });
});
