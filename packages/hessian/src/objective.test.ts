import { expectClose, expectNoLeak, tf } from '@basin/testing';
import { treeDispose, treeFlatten, type Tree } from '@basin/core';
import { hessian } from './hessian';
import { functionObjective, modelObjective } from './objective';
import { topEigenvalues } from './spectrum/eigen';

function mlp(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.dense({ inputShape: [4], units: 5, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }));
  m.add(tf.layers.batchNormalization({ movingVarianceInitializer: tf.initializers.constant({ value: 0.5 }) }));
  m.add(tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }));
  return m;
}

describe('modelObjective', () => {
  const x = tf.randomNormal([10, 4], 0, 1, 'float32', 3);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3));
  afterAll(() => tf.dispose([x, y]));

  it('names params after the trainable weights and agrees with the same loss written functionally', () => {
    const model = mlp();
    const objective = modelObjective(model, { x, y, loss: 'softmaxCrossEntropy', batchSize: 4 });
    const names = model.trainableWeights.map((w) => w.name);
    expect(Object.keys(objective.params)).toEqual(names);
    // The same network as a functional loss over copies of the weights (inference-mode BN).
    const stats = model.nonTrainableWeights.map((w) => w.read());
    const copy = Object.fromEntries(names.map((n, i) => [n, tf.clone(model.trainableWeights[i].read())]));
    const loss = (p: Tree, b: { x: tf.Tensor; y: tf.Tensor }): tf.Scalar =>
      tf.tidy(() => {
        const w = treeFlatten(p);
        const h = tf.tanh(tf.add(tf.matMul(b.x as tf.Tensor2D, w[0] as tf.Tensor2D), w[1]));
        const bn = tf.batchNorm(h, stats[0], stats[1], w[3], w[2], 1e-3);
        const z = tf.add(tf.matMul(bn as tf.Tensor2D, w[4] as tf.Tensor2D), w[5]);
        return tf.mean(tf.sub(tf.logSumExp(z, -1), tf.sum(tf.mul(b.y, z), -1))) as tf.Scalar;
      });
    const fn = functionObjective(loss, copy, { batch: { x, y } });
    const l1 = objective.loss();
    const l2 = fn.loss();
    expect(l1.dataSync()[0]).toBeCloseTo(l2.dataSync()[0], 5);
    const v = Object.fromEntries(names.map((n, i) => [n, tf.randomNormal(copy[n].shape, 0, 1, 'float32', 10 + i)]));
    const h1 = hessian(objective).hvp(v);
    const h2 = hessian(fn).hvp(v);
    const flat = (t: Tree) => treeFlatten(t).flatMap((leaf) => Array.from(leaf.dataSync()));
    expectClose(flat(h1), flat(h2), 1e-4);
    treeDispose([l1, l2, copy, v, h1, h2]);
    model.dispose();
  });

  it('restores the weights after evaluating elsewhere and never moves BatchNorm statistics', () => {
    const model = mlp();
    const objective = modelObjective(model, { x, y, loss: 'meanSquaredError' });
    const before = [...model.trainableWeights, ...model.nonTrainableWeights].map((w) => Array.from(w.read().dataSync()));
    const moved = Object.fromEntries(model.trainableWeights.map((w) => [w.name, tf.add(w.read(), 0.5)]));
    const lossHere = objective.loss();
    const lossThere = objective.loss(moved);
    expect(lossThere.dataSync()[0]).not.toBeCloseTo(lossHere.dataSync()[0], 3);
    const { loss, grads } = objective.valueAndGrad(moved);
    const fd = hessian(objective, { mode: 'finiteDifference' }).hvp(moved);
    tf.dispose(topEigenvalues(hessian(objective), { k: 1 }).vectors);
    const after = [...model.trainableWeights, ...model.nonTrainableWeights].map((w) => Array.from(w.read().dataSync()));
    expect(after).toEqual(before);
    treeDispose([moved, lossHere, lossThere, loss, grads, fd]);
    model.dispose();
  });

  it('leaks no tensors and checks its inputs', () => {
    const model = mlp();
    const objective = modelObjective(model, { x, y, loss: 'meanSquaredError', batchSize: 3 });
    const v = Object.fromEntries(model.trainableWeights.map((w) => [w.name, tf.onesLike(w.read())]));
    expectNoLeak(() => treeDispose(hessian(objective).hvp(v)));
    expectNoLeak(() => treeDispose(hessian(objective, { mode: 'finiteDifference' }).hvp(v)));
    expect(() => hessian(objective).hvp({ nope: tf.zeros([1]) })).toThrow(/vector does not match params at <root>: missing/);
    expect(() => modelObjective(model, { x, y: tf.zeros([3, 3]), loss: 'meanSquaredError' })).toThrow(/x has 10 rows but y has 3/);
    expect(() => modelObjective({} as never, { x, y, loss: 'meanSquaredError' })).toThrow(/must be a tf.LayersModel/);
    expect(() => modelObjective(model, { x, y, loss: 'nope' as never })).toThrow(/loss must be a function or one of/);
    treeDispose(v);
    model.dispose();
  });
});
