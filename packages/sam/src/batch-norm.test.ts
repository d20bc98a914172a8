// SAM with a tf.LayersModel that has BatchNormalization, trained through core's ModelTrainer:
// the moving statistics must move once per step, by the clean pass only.
import { tf, expectClose } from '@basin/testing';
import { ModelTrainer, sgd } from '@basin/core';
import type { LayersModelLike } from '@basin/core';
import { sam } from './sam';

const MOMENTUM = 0.9;
// core's LayersModelLike types read() as tf.Variable; tfjs-layers' LayerVariable.read() is typed tf.Tensor.
const asModel = (m: tf.LayersModel) => m as unknown as LayersModelLike;

function buildModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 3, inputShape: [4], kernelInitializer: tf.initializers.randomNormal({ seed: 1 }), name: 'd1' }));
  model.add(tf.layers.batchNormalization({ momentum: MOMENTUM, name: 'bn' }));
  model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.randomNormal({ seed: 2 }), name: 'd2' }));
  return model;
}

const stats = (model: tf.LayersModel): { mean: number[]; variance: number[] } => {
  const bn = model.getLayer('bn');
  const [mean, variance] = bn.getWeights().slice(2);
  return { mean: Array.from(mean.dataSync()), variance: Array.from(variance.dataSync()) };
};

describe('sam with a BatchNormalization layers model', () => {
  it('updates the moving statistics from the clean pass only', () => {
    const x = tf.randomNormal([8, 4], 1, 2, 'float32', 3);
    const y = tf.randomNormal([8, 1], 0, 1, 'float32', 4);
    const model = buildModel();
    const kernel = model.getLayer('d1').getWeights()[0];
    const bias = model.getLayer('d1').getWeights()[1];
    // What BatchNormalization sees on the clean pass, computed from the weights before the step.
    const h = tf.add(tf.matMul(x, kernel), bias);
    const { mean: batchMean, variance: batchVar } = tf.moments(h, 0);
    const expectedMean = Array.from(batchMean.dataSync()).map((m) => (1 - MOMENTUM) * m);
    const before = stats(model);

    const trainer = new ModelTrainer(asModel(model), { transform: sam(sgd({ learningRate: 0.1 }), { rho: 0.5 }), loss: 'meanSquaredError' });
    trainer.trainOnBatch(x, y);
    const after = stats(model);
    expect(after.mean).not.toEqual(before.mean); // the clean pass did move them
    expectClose(after.mean, expectedMean, 1e-5);

    // The same step with plain SGD from the same (seeded) initial weights (one clean pass, no perturbed pass) leaves the same statistics.
    const reference = buildModel();
    const refTrainer = new ModelTrainer(asModel(reference), { transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    refTrainer.trainOnBatch(x, y);
    const ref = stats(reference);
    expectClose(after.mean, ref.mean, 1e-6);
    expectClose(after.variance, ref.variance, 1e-6);
    // Variance: momentum * 1 + (1 - momentum) * batch variance (biased or unbiased, whichever
    // tfjs-layers uses, the SAM and SGD runs agree; the mean pins down the analytic value).
    expect(after.variance.every((v, i) => Math.abs(v - before.variance[i]) > 1e-6)).toBe(true);
    tf.dispose([x, y, h, batchMean, batchVar]); // kernel and bias are the model's own tensors
    trainer.dispose();
    refTrainer.dispose();
    reference.dispose();
    model.dispose();
  });
});
