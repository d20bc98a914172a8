// muon through tfjs-layers' model.compile / model.fit with core's BasinOptimizer: the Dense
// kernels take Muon's orthogonalised steps, the biases AdamW's, and the loss goes down.
import { tf } from '@basin/testing';
import { basinOptimizer } from '@basin/core';
import { muon } from './muon';

describe('muon as the optimizer of model.fit', () => {
  it('trains a small Dense model: the loss decreases and nothing leaks', async () => {
    const xs = tf.randomNormal([64, 6], 0, 1, 'float32', 11);
    const target = tf.randomNormal([6, 2], 0, 1, 'float32', 12);
    const ys = tf.tidy(() => tf.tanh(tf.matMul(xs, target)));
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 8, inputShape: [6], activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 13 }) }));
    model.add(tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotNormal({ seed: 14 }) }));
    const optimizer = basinOptimizer(muon({ learningRate: 0.02, adamLearningRate: 3e-3 }));
    model.compile({ optimizer, loss: 'meanSquaredError' });
    await model.fit(xs, ys, { batchSize: 16, epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    const history = await model.fit(xs, ys, { batchSize: 16, epochs: 15, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).toBeLessThan(0.7 * losses[0]);
    expect(optimizer.iterations).toBe(64);
    optimizer.dispose();
    model.dispose();
    tf.dispose([xs, target, ys]);
  });
});
