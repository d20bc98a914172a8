import { expectClose, expectNoLeak, tf } from '@basin/testing';
import { modelAdapter, treeDispose, treeFlatten, type Tree } from '@basin/core';
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
        const w = names.map((n) => (p as Record<string, tf.Tensor>)[n]); // weight order, by name
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

/** `x * s` with a trainable vector `s` and an `addLoss` penalty `c * sum((s - 0.5)^2)`. */
class PenalisedScale extends tf.layers.Layer {
  static className = 'BasinTestPenalisedScale';
  private s?: tf.LayerVariable;
  constructor(private readonly c: number) {
    super({});
  }
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const s = this.addWeight('s', [shape[shape.length - 1] as number], 'float32', tf.initializers.randomNormal({ mean: 1, stddev: 0.3, seed: 4 }));
    this.s = s;
    if (this.c > 0) this.addLoss(() => tf.tidy(() => tf.mul(this.c, tf.sum(tf.square(tf.sub(s.read(), 0.5)))) as tf.Scalar));
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, (this.s as tf.LayerVariable).read()));
  }
}

/** Dense (kernel l2 = `l2`) -> PenalisedScale (`c`) -> Dense; the same weights for any l2 and c. */
function regularisedMlp(l2: number, c: number): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 5, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }), biasInitializer: tf.initializers.randomNormal({ seed: 2, stddev: 0.3 }), kernelRegularizer: l2 > 0 ? tf.regularizers.l2({ l2 }) : undefined }),
      new PenalisedScale(c),
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }),
    ],
  });
}

describe('modelObjective with model losses (regularizers, addLoss)', () => {
  const x = tf.randomNormal([10, 4], 0, 1, 'float32', 3);
  const y = tf.randomNormal([10, 3], 0, 1, 'float32', 4);
  afterAll(() => tf.dispose([x, y]));
  const flat = (t: Tree, names: string[]) => names.flatMap((n) => Array.from((t as Record<string, tf.Tensor>)[n].dataSync()));

  it('its loss is the loss tf.LayersModel.trainOnBatch reports (regularizers once, whatever the batching)', async () => {
    const model = regularisedMlp(1, 0.3);
    const keras = regularisedMlp(1, 0.3);
    keras.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
    const kerasLoss = (await keras.trainOnBatch(x, y)) as number;
    for (const batchSize of [undefined, 4]) {
      const objective = modelObjective(model, { x, y, loss: 'meanSquaredError', batchSize });
      const loss = objective.loss();
      const { loss: l2, grads } = objective.valueAndGrad();
      expectClose([loss.dataSync()[0], l2.dataSync()[0]], [kerasLoss, kerasLoss], 1e-5);
      treeDispose([loss, l2, grads]);
    }
    // The regularizers are a large part of it, so the check has teeth.
    const output = tf.tidy(() => tf.losses.meanSquaredError(y, model.predict(x) as tf.Tensor).dataSync()[0]);
    expect(kerasLoss - output).toBeGreaterThan(1);
    model.dispose();
    keras.dispose();
  });

  it('its gradient is tf\'s gradient of output loss + model losses, and its Hessian has the regularizers\' curvature', () => {
    const model = regularisedMlp(1, 0.3);
    const plain = regularisedMlp(0, 0); // the same weights, no model losses
    const names = model.trainableWeights.map((w) => w.name);
    const objective = modelObjective(model, { x, y, loss: 'meanSquaredError', batchSize: 4 });
    const plainObjective = modelObjective(plain, { x, y, loss: 'meanSquaredError' });
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const ref = tf.variableGrads(() => tf.tidy(() => tf.addN([
      tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor),
      ...model.layers.flatMap((l) => l.losses.map((f) => f())),
    ]) as tf.Scalar), vars);
    const { loss, grads } = objective.valueAndGrad();
    expectClose([loss.dataSync()[0]], [ref.value.dataSync()[0]], 1e-5);
    expectClose(flat(grads, names), vars.flatMap((v) => Array.from(ref.grads[v.name].dataSync())), 1e-5);
    // H v - H_plain v = 2 * l2 * v on the first kernel and 2 * c * v on s (both penalties quadratic).
    const v = Object.fromEntries(names.map((n, i) => [n, tf.randomNormal(vars[i].shape, 0, 1, 'float32', 20 + i)]));
    const plainV = Object.fromEntries(plain.trainableWeights.map((w, i) => [w.name, v[names[i]]]));
    const hv = objective.exactHvp(v);
    const plainHv = plainObjective.exactHvp(plainV);
    const factor = [2, 0, 0.6, 0, 0]; // kernel, bias, s, kernel, bias
    const expected = names.flatMap((n, i) => {
      const base = Array.from((plainHv as Record<string, tf.Tensor>)[plain.trainableWeights[i].name].dataSync());
      const vi = Array.from(v[n].dataSync());
      return base.map((b, j) => b + factor[i] * vi[j]);
    });
    expectClose(flat(hv, names), expected, 1e-4);
    const fd = hessian(objective, { mode: 'finiteDifference' }).hvp(v);
    expectClose(flat(fd, names), expected, 2e-2);
    tf.dispose([ref.value, ...Object.values(ref.grads)]);
    treeDispose([loss, grads, v, hv, plainHv, fd]);
    model.dispose();
    plain.dispose();
  });

  it('matches params to weights by name, and leaks no tensors', () => {
    const model = regularisedMlp(1, 0.3);
    const objective = modelObjective(model, { x, y, loss: 'meanSquaredError', batchSize: 3 });
    // The same point as a record with its keys in reverse order: the same loss.
    const names = model.trainableWeights.map((w) => w.name);
    const moved = Object.fromEntries([...names].reverse().map((n) => [n, tf.add((objective.params as Record<string, tf.Tensor>)[n], 0.1)]));
    const inOrder = Object.fromEntries(names.map((n) => [n, moved[n]]));
    const a = objective.loss(moved);
    const b = objective.loss(inOrder);
    expect(a.dataSync()[0]).toBe(b.dataSync()[0]);
    expectNoLeak(() => treeDispose(objective.valueAndGrad(moved) as unknown as Tree));
    expectNoLeak(() => treeDispose(hessian(objective).hvp(moved)));
    treeDispose([moved, a, b]);
    model.dispose();
  });
});

describe('modelObjective is functionObjective over core\'s model adapter', () => {
  const x = tf.randomNormal([10, 4], 0, 1, 'float32', 3);
  const y = tf.randomNormal([10, 3], 0, 1, 'float32', 4);
  afterAll(() => tf.dispose([x, y]));

  it('functionObjective(modelAdapter(model, { loss, training: false }), params, { batches }) gives the same loss, gradient and HVP, bit for bit', () => {
    const model = regularisedMlp(1, 0.3);
    const names = model.trainableWeights.map((w) => w.name);
    const viaModel = modelObjective(model, { x, y, loss: 'meanSquaredError', batchSize: 4 });
    const adapter = modelAdapter(model, { loss: 'meanSquaredError', training: false });
    const slices = [[0, 4], [4, 4], [8, 2]].map(([s, n]) => ({ x: tf.slice(x, s, n), y: tf.slice(y, s, n) }));
    const viaAdapter = functionObjective(adapter, adapter.params(), { batches: slices });
    const flat = (t: Tree) => names.flatMap((n) => Array.from((t as Record<string, tf.Tensor>)[n].dataSync()));
    const moved = Object.fromEntries([...names].reverse().map((n, i) => [n, tf.add((viaModel.params as Record<string, tf.Tensor>)[n], 0.05 * (i + 1))]));
    const v = Object.fromEntries(names.map((n, i) => [n, tf.randomNormal((viaModel.params as Record<string, tf.Tensor>)[n].shape, 0, 1, 'float32', 30 + i)]));
    const [l1, l2] = [viaModel.loss(moved), viaAdapter.loss(moved)];
    expect(l2.dataSync()[0]).toBe(l1.dataSync()[0]);
    const [g1, g2] = [viaModel.valueAndGrad(), viaAdapter.valueAndGrad()];
    expect(g2.loss.dataSync()[0]).toBe(g1.loss.dataSync()[0]);
    expect(flat(g2.grads)).toEqual(flat(g1.grads));
    const [h1, h2] = [viaModel.exactHvp(v), viaAdapter.exactHvp(v)];
    expect(flat(h2)).toEqual(flat(h1));
    const stray = { w: tf.zeros([2]) };
    expect(() => functionObjective(adapter, stray as never, { batch: { x, y } })).toThrow(/^functionObjective: params must be the model's weights, as adapter.params\(\) gives/);
    expect(() => viaAdapter.loss({ nope: x } as never)).toThrow(/^functionObjective.loss: params does not match model params at <root>: missing/);
    treeDispose([stray, slices, moved, v, l1, l2, g1.loss, g1.grads, g2.loss, g2.grads, h1, h2]);
    model.dispose();
  });
});
