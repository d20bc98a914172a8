// mSam through tfjs-layers' model.fit with core's BasinOptimizer. model.fit's loss function hides
// its batch, so it cannot be cut into microbatches: one microbatch (SAM) works, more are a clear
// error pointing to ModelTrainer.
import { tf } from '@basin/testing';
import { BasinError, ModelTrainer, sgd } from '@basin/core';
import type { LayersModelLike } from '@basin/core';
import { basinOptimizer } from '@basin/core';
import { mSam } from './m-sam';

const vals = (t: tf.Tensor) => Array.from(t.dataSync());
function buildModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 3, inputShape: [4], activation: 'tanh', kernelInitializer: tf.initializers.randomNormal({ seed: 3 }) }));
  model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.randomNormal({ seed: 4 }) }));
  return model;
}

describe('mSam as the optimizer of model.fit', () => {
  it('with microbatches: 1 trains as ModelTrainer does (within 1e-5)', async () => {
    const xs = tf.randomNormal([16, 4], 0, 1, 'float32', 5);
    const ys = tf.randomNormal([16, 1], 0, 1, 'float32', 6);
    const make = () => mSam(sgd({ learningRate: 0.1 }), { rho: 0.05, microbatches: 1 });
    const a = buildModel();
    const b = buildModel();
    const optimizer = basinOptimizer(make());
    a.compile({ optimizer, loss: 'meanSquaredError' });
    await a.fit(xs, ys, { batchSize: 8, epochs: 2, shuffle: false, verbose: 0 });
    const trainer = new ModelTrainer(b as unknown as LayersModelLike, { transform: make(), loss: 'meanSquaredError' });
    await trainer.fit(xs, ys, { batchSize: 8, epochs: 2, shuffle: false });
    const diff = Math.max(...a.getWeights().flatMap((w, i) => vals(w).map((v, j) => Math.abs(v - vals(b.getWeights()[i])[j]))));
    expect(diff).toBeLessThan(1e-5);
    optimizer.dispose();
    trainer.dispose();
    a.dispose();
    b.dispose();
    tf.dispose([xs, ys]);
  });

  it('with microbatches > 1 is a BasinError naming ModelTrainer and microbatches: 1; the weights stay', async () => {
    const xs = tf.randomNormal([16, 4], 0, 1, 'float32', 5);
    const ys = tf.randomNormal([16, 1], 0, 1, 'float32', 6);
    const model = buildModel();
    const optimizer = basinOptimizer(mSam(sgd({ learningRate: 0.1 }), { rho: 0.05, microbatches: 4 }));
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const before = model.getWeights().map(vals);
    let error: unknown;
    try {
      await model.fit(xs, ys, { batchSize: 8, epochs: 1, verbose: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BasinError);
    expect((error as Error).message).toMatch(/^BasinOptimizer\.minimize: the transform asked extras\.gradFn for microbatch 0 of 4/);
    expect((error as Error).message).toMatch(/Train with ModelTrainer from @basin\/core/);
    expect((error as Error).message).toMatch(/microbatches: 1/);
    expect(model.getWeights().map(vals)).toEqual(before);
    expect(optimizer.iterations).toBe(0);
    optimizer.dispose();
    model.dispose();
    tf.dispose([xs, ys]);
  });
});
