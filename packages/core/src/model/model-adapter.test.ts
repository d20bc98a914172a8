import { tf, expectClose, expectNoLeak } from '@basin/testing';
import * as core from '../index';
import { isModelAdapter, ModelAdapter, modelAdapter } from './model-adapter';
import { modelWeights } from './model-weights';
import { Trainer } from '../training/trainer';
import { ModelTrainer } from '../training/model-trainer';
import { sgd } from '../aliases/sgd';
import { adam } from '../aliases/adam';
import type { Extras, Transform } from '../transform';
import type { TrainingCheckpoint } from '../checkpoint';
import { Tree, treeDispose } from '../tree';
import { expectBasinError, expectIntact, seeded, snapshot, vals } from '../../test-helpers';

const N = 12;
const X = seeded(3, N * 3);
const Y = seeded(4, N * 2);
const data = () => ({ x: tf.tensor2d(X, [N, 3]), y: tf.tensor2d(Y, [N, 2]) });

/** `x * s` with a trainable vector `s` and an `addLoss` penalty `0.3 * sum((s - 0.5)^2)`. */
class PenalisedScale extends tf.layers.Layer {
  static className = 'BasinAdapterTestPenalisedScale';
  private s?: tf.LayerVariable;
  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = inputShape as tf.Shape;
    const s = this.addWeight('s', [shape[shape.length - 1] as number], 'float32', tf.initializers.ones());
    this.s = s;
    this.addLoss(() => tf.tidy(() => tf.mul(0.3, tf.sum(tf.square(tf.sub(s.read(), 0.5)))) as tf.Scalar));
    this.built = true;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(Array.isArray(inputs) ? inputs[0] : inputs, (this.s as tf.LayerVariable).read()));
  }
}

/**
 * Dense (kernel l2) -> BatchNormalization -> PenalisedScale (addLoss) -> Dense (bias l1l2), with
 * weights fixed by seed, so two calls build identical clones (whose weight names differ).
 */
function net(seed = 7, batchNorm = true): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 4, inputShape: [3], activation: 'tanh', kernelRegularizer: tf.regularizers.l2({ l2: 0.5 }) }),
      ...(batchNorm ? [tf.layers.batchNormalization({ momentum: 0.6 })] : []),
      new PenalisedScale({}),
      tf.layers.dense({ units: 2, biasRegularizer: tf.regularizers.l1l2({ l1: 0.05, l2: 0.1 }) }),
    ],
  });
  // Vectors (biases, BatchNorm's gamma, beta and moving statistics) positive: a valid variance.
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(seeded(seed + i, w.size, 0.6).map((v) => (w.shape.length === 1 ? Math.abs(v) + 0.5 : v)), w.shape)));
  return model;
}

const names = (m: tf.LayersModel) => m.trainableWeights.map((w) => w.name);
const allWeights = (m: tf.LayersModel) => m.weights.map((w) => vals(w.read()));
const statistics = (m: tf.LayersModel) => m.nonTrainableWeights.map((w) => vals(w.read()));
/** The objective written with the model's own pieces, for tf.variableGrads. */
const reference = (m: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, training: boolean) => () =>
  tf.tidy(() => tf.addN([tf.losses.meanSquaredError(y, m.apply(x, { training }) as tf.Tensor), ...m.layers.flatMap((l) => l.losses.map((f) => tf.reshape(f(), [])))]) as tf.Scalar);

describe('modelAdapter', () => {
  it('params() is the trainable weights by name, in weight order, the model\'s own tensors', () => {
    const model = net();
    const adapter = modelAdapter(model, { loss: 'meanSquaredError' });
    expect(isModelAdapter(adapter)).toBe(true);
    expect(adapter).toBeInstanceOf(ModelAdapter);
    expect(isModelAdapter({ params: () => ({}) })).toBe(false);
    const params = adapter.params();
    expect(Object.keys(params)).toEqual(names(model));
    model.trainableWeights.forEach((w) => expect(params[w.name]).toBe(w.read()));
    expect(adapter.names).toEqual(names(model));
    model.dispose();
  });

  it('valueAndGrad = tf.variableGrads of output loss + regularizers + addLoss terms, at the current and at other weights', () => {
    const model = net(7, false);
    const { x, y } = data();
    const adapter = modelAdapter(model, { loss: 'meanSquaredError' });
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const check = (params: Tree | undefined) => {
      const ref = tf.variableGrads(reference(model, x, y, true), vars);
      const got = adapter.valueAndGrad(params, { x, y });
      const grads = got.grads as Record<string, tf.Tensor>;
      expectClose(vals(got.loss), vals(ref.value), 1e-6);
      expectClose(names(model).flatMap((n) => vals(grads[n])), vars.flatMap((v) => vals(ref.grads[v.name])), 1e-6);
      tf.dispose([ref.value, ...Object.values(ref.grads)]);
      treeDispose(got);
    };
    check(undefined);
    check(adapter.params());
    // At other weights: the reference takes them written into the model; the adapter swaps them in.
    const before = allWeights(model);
    const moved = Object.fromEntries(model.trainableWeights.map((w, i) => [w.name, tf.add(w.read(), 0.1 * (i + 1))]));
    const got = adapter.valueAndGrad(moved, { x, y });
    expect(allWeights(model)).toEqual(before); // put back exactly
    const saved = modelWeights(model);
    model.trainableWeights.forEach((w) => w.write(moved[w.name]));
    const ref = tf.variableGrads(reference(model, x, y, true), vars);
    expectClose(vals(got.loss), vals(ref.value), 1e-6);
    expectClose(names(model).flatMap((n) => vals((got.grads as Record<string, tf.Tensor>)[n])), vars.flatMap((v) => vals(ref.grads[v.name])), 1e-6);
    tf.dispose([ref.value, ...Object.values(ref.grads)]);
    core.writeWeights(model.trainableWeights, saved);
    treeDispose([got, moved, saved, x, y]);
    model.dispose();
  });

  it('a Trainer over the adapter takes the steps and reports the losses of tf.LayersModel.trainOnBatch', async () => {
    const lr = 0.05;
    const { x, y } = data();
    const ours = net(7, false);
    const keras = net(7, false);
    keras.compile({ optimizer: tf.train.sgd(lr), loss: 'meanSquaredError' });
    const trainer = new Trainer({ transform: sgd({ learningRate: lr }), model: modelAdapter(ours, { loss: 'meanSquaredError' }) });
    for (let k = 0; k < 3; k++) {
      const kerasLoss = (await keras.trainOnBatch(x, y)) as number;
      expectClose([trainer.step({ x, y })], [kerasLoss], 1e-5);
      expectClose(allWeights(ours).flat(), allWeights(keras).flat(), 1e-5);
    }
    expect(trainer.steps).toBe(3);
    trainer.dispose();
    ours.dispose();
    keras.dispose();
    tf.dispose([x, y]);
  });

  it('statistics: the clean training pass moves them once, as model.trainOnBatch does; every other pass leaves them', async () => {
    const { x, y } = data();
    const model = net();
    const keras = net();
    keras.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    const adapter = modelAdapter(model, { loss: 'meanSquaredError' });
    const before = statistics(model);
    const moved = Object.fromEntries(model.trainableWeights.map((w) => [w.name, tf.mul(w.read(), 1.5)]));
    treeDispose([adapter.valueAndGrad(moved, { x, y }), adapter.valueAndGrad(undefined, { x, y }, { index: 1, count: 3 }), adapter.loss(moved, { x, y })]);
    expect(statistics(model)).toEqual(before);
    treeDispose(adapter.trainingGradients({ x, y }));
    await keras.trainOnBatch(x, y);
    expect(statistics(model)).not.toEqual(before);
    expectClose(statistics(model).flat(), statistics(keras).flat(), 1e-6);
    // A SAM-like transform's perturbed pass inside a Trainer step leaves them too: one step moves
    // them exactly as one clean pass does.
    const probe: Transform<null> = {
      init: () => null,
      update: (updates, state, params, extras?: Extras) => {
        const shifted = tf.tidy(() => Object.fromEntries(Object.entries(params as Record<string, tf.Tensor>).map(([k, v]) => [k, tf.add(v, 0.3)])));
        treeDispose([extras!.gradFn!(shifted), shifted]);
        return [tf.tidy(() => Object.fromEntries(Object.entries(updates as Record<string, tf.Tensor>).map(([k, v]) => [k, tf.zerosLike(v)]))), state];
      },
    };
    const trainer = new Trainer({ transform: probe, model: adapter });
    trainer.step({ x, y });
    await keras.trainOnBatch(x, y);
    expectClose(statistics(model).flat(), statistics(keras).flat(), 1e-6);
    trainer.dispose();
    treeDispose([moved, x, y]);
    model.dispose();
    keras.dispose();
  });

  it('training: false runs inference mode: statistics never move and the loss is that of model.predict', () => {
    const { x, y } = data();
    const model = net();
    const adapter = modelAdapter(model, { loss: 'meanSquaredError', training: false });
    const before = statistics(model);
    const { loss, grads } = adapter.valueAndGrad(undefined, { x, y });
    const ref = tf.variableGrads(reference(model, x, y, false), model.trainableWeights.map((w) => w.read() as tf.Variable));
    expectClose(vals(loss), vals(ref.value), 1e-6);
    treeDispose(adapter.trainingGradients({ x, y }));
    expect(statistics(model)).toEqual(before);
    treeDispose([loss, grads, ref.value, ref.grads, x, y]);
    model.dispose();
  });

  it('matches trees to the weights by name in any key order (or arrays by weight position), and writes by name', () => {
    const { x, y } = data();
    const model = net();
    const adapter = modelAdapter(model, { loss: 'meanSquaredError' });
    const order = names(model);
    const point = Object.fromEntries(order.map((n, i) => [n, tf.add(adapter.params()[n], 0.05 * (i + 1))]));
    const reversed = Object.fromEntries([...order].reverse().map((n) => [n, point[n]]));
    const asArray = order.map((n) => point[n]);
    const a = adapter.valueAndGrad(point, { x, y });
    const b = adapter.valueAndGrad(reversed, { x, y });
    const c = adapter.valueAndGrad(asArray, { x, y });
    expect(vals(b.loss)).toEqual(vals(a.loss));
    expect(vals(c.loss)).toEqual(vals(a.loss));
    const ga = a.grads as Record<string, tf.Tensor>;
    expect(Object.keys(b.grads)).toEqual([...order].reverse()); // the gradients keep the params' layout
    order.forEach((n, i) => {
      expect(vals((b.grads as Record<string, tf.Tensor>)[n])).toEqual(vals(ga[n]));
      expect(vals((c.grads as tf.Tensor[])[i])).toEqual(vals(ga[n]));
    });
    adapter.write(reversed);
    model.trainableWeights.forEach((w) => expect(vals(w.read())).toEqual(vals(point[w.name])));
    adapter.leaves(reversed).forEach((t, i) => expect(t).toBe(asArray[i]));
    treeDispose([a, b, c, point, x, y]);
    model.dispose();
  });

  it('a microbatch is the loss and gradients on its consecutive rows', () => {
    const { x, y } = data();
    const model = net(7, false);
    const adapter = modelAdapter(model, { loss: 'meanSquaredError' });
    const part = adapter.valueAndGrad(undefined, { x, y }, { index: 1, count: 3 });
    const rows = { x: tf.slice(x, 4, 4), y: tf.slice(y, 4, 4) };
    const whole = adapter.valueAndGrad(undefined, rows);
    expect(vals(part.loss)).toEqual(vals(whole.loss));
    names(model).forEach((n) => expect(vals((part.grads as Record<string, tf.Tensor>)[n])).toEqual(vals((whole.grads as Record<string, tf.Tensor>)[n])));
    treeDispose([part, whole, rows, x, y]);
    model.dispose();
  });

  it('statistics read and write by name; withWeights borrows the model and puts everything back', () => {
    const { x } = data();
    const model = net();
    const adapter = modelAdapter(model, { loss: 'meanSquaredError' });
    const stats = adapter.readStatistics();
    expect(Object.keys(stats)).toEqual(model.nonTrainableWeights.map((w) => w.name));
    const before = allWeights(model);
    const other = Object.fromEntries(Object.entries(stats).reverse().map(([k, v]) => [k, tf.add(v, 1)]));
    const zeroed = Object.fromEntries(Object.entries(adapter.params()).map(([k, v]) => [k, tf.zerosLike(v)]));
    const out = adapter.withWeights(zeroed, other, () => {
      expect(statistics(model)).toEqual(model.nonTrainableWeights.map((w) => vals(other[w.name])));
      return model.apply(x, { training: false }) as tf.Tensor;
    });
    expect(allWeights(model)).toEqual(before);
    adapter.writeStatistics(other);
    expect(statistics(model)).toEqual(model.nonTrainableWeights.map((w) => vals(other[w.name])));
    adapter.writeStatistics(stats);
    expect(allWeights(model)).toEqual(before);
    treeDispose([stats, other, zeroed, out, x]);
    model.dispose();
  });

  it('a Trainer over the adapter saves the checkpoint ModelTrainer saves (buffers included); each restores the other\'s', () => {
    const { x, y } = data();
    const a = net();
    const b = net();
    const viaModelTrainer = new ModelTrainer(a, { transform: adam({ learningRate: 0.05 }), loss: 'meanSquaredError' });
    const viaTrainer = new Trainer({ transform: adam({ learningRate: 0.05 }), model: modelAdapter(b, { loss: 'meanSquaredError' }) });
    for (let k = 0; k < 2; k++) {
      viaModelTrainer.trainOnBatch(x, y);
      viaTrainer.step({ x, y });
    }
    const fromA = viaModelTrainer.save();
    const fromB = viaTrainer.save();
    expect(Object.keys(fromB).sort()).toEqual(Object.keys(fromA).sort());
    expect(fromB.buffers).toBeDefined();
    // The same trajectory in both (names differ: b's weights are renamed by position on restore).
    viaTrainer.restore(JSON.parse(JSON.stringify(fromA)) as TrainingCheckpoint);
    expect(allWeights(b)).toEqual(allWeights(a));
    viaModelTrainer.restore(JSON.parse(JSON.stringify(viaTrainer.save())) as TrainingCheckpoint);
    expect([viaModelTrainer.trainOnBatch(x, y)]).toEqual([viaTrainer.step({ x, y })]);
    expect(allWeights(b)).toEqual(allWeights(a));
    viaModelTrainer.dispose();
    viaTrainer.dispose();
    a.dispose();
    b.dispose();
    tf.dispose([x, y]);
  });

  it('ModelTrainer is a name for Trainer over the adapter; ModelTrainer.over views an existing one', () => {
    const { x, y } = data();
    const model = net();
    const trainer = new ModelTrainer(model, { transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    expect(trainer.trainer).toBeInstanceOf(Trainer);
    expect(isModelAdapter(trainer.trainer.model)).toBe(true);
    trainer.trainOnBatch(x, y);
    const view = ModelTrainer.over(trainer.trainer);
    expect(view.steps).toBe(1);
    expect(view.model).toBe(model);
    view.trainOnBatch(x, y);
    expect(trainer.steps).toBe(2);
    const w = tf.zeros([1]);
    const functional = new Trainer({ transform: sgd({ learningRate: 0.1 }), loss: () => tf.scalar(0), params: { w } });
    expectBasinError(() => ModelTrainer.over(functional as never), /^ModelTrainer.over: trainer must be a Trainer over a model adapter/);
    functional.dispose();
    w.dispose();
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('a failing step (loss, transform or non-finite values) leaves weights, statistics and state as they were, and leaks nothing', () => {
    const { x, y } = data();
    const model = net();
    let calls = 0;
    const flaky = (yt: tf.Tensor, p: tf.Tensor) => {
      if (++calls === 2) throw new Error('loss failed');
      return tf.mean(tf.square(tf.sub(p, yt))) as tf.Scalar;
    };
    const trainer = new Trainer({ transform: adam({ learningRate: 0.01 }), model: modelAdapter(model, { loss: flaky }) });
    trainer.step({ x, y });
    const snap = snapshot([model.weights.map((w) => w.read()), trainer.state]);
    const before = tf.memory().numTensors;
    expect(() => trainer.step({ x, y })).toThrow(/^Trainer.step: loss failed/);
    const bad = tf.fill([N, 2], NaN);
    expect(() => trainer.step({ x, y: bad })).toThrow(/^Trainer.step: loss contains NaN or Infinity/);
    expect(tf.memory().numTensors).toBe(before + 1);
    expectIntact(snap);
    expect(trainer.steps).toBe(1);
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y, bad]);
  });

  it('keeps tf.memory().numTensors flat', () => {
    const { x, y } = data();
    const model = net();
    const adapter = modelAdapter(model, { loss: 'meanSquaredError' });
    const moved = Object.fromEntries(Object.entries(adapter.params()).map(([k, v]) => [k, tf.add(v, 0.1)]));
    expectNoLeak(() => treeDispose(adapter.valueAndGrad(moved, { x, y }, { index: 0, count: 2 })));
    expectNoLeak(() => treeDispose(adapter.trainingGradients({ x, y })));
    expectNoLeak(() => treeDispose(adapter.loss(moved, { x, y })));
    const trainer = new Trainer({ transform: adam({ learningRate: 0.01 }), model: adapter });
    expectNoLeak(() => trainer.step({ x, y }));
    expectNoLeak(() => trainer.restore(trainer.save()));
    trainer.dispose();
    treeDispose([moved, x, y]);
    model.dispose();
  });

  it('errors name the entry point the user called and say what was expected', () => {
    const { x, y } = data();
    const model = net();
    const adapter = modelAdapter(model, { loss: 'meanSquaredError' });
    const wrongNames = { kernel: tf.zeros([3, 4]) };
    const [yShort, kernel, xWide] = [tf.zeros([3, 2]), tf.zeros([3, 4]), tf.zeros([N, 5])];
    expectBasinError(() => modelAdapter(undefined as never, { loss: 'meanSquaredError' }), /^modelAdapter: model must be a tf.LayersModel/);
    expectBasinError(() => modelAdapter(model, undefined as never), /^modelAdapter: options must be a record such as \{ loss: 'meanSquaredError' \}/);
    expectBasinError(() => modelAdapter(model, { loss: 'mse' as never }), /^modelAdapter: loss must be a function or one of meanSquaredError/);
    expectBasinError(() => modelAdapter(model, { loss: 'meanSquaredError', training: 'yes' as never }), /^modelAdapter: training must be true or false, got 'yes'/);
    expectBasinError(() => modelAdapter(tf.sequential(), { loss: 'meanSquaredError' }), /^modelAdapter: model has no trainable weights/);
    expectBasinError(() => adapter.valueAndGrad(wrongNames, { x, y }), /^ModelAdapter.valueAndGrad: params is a record, so its keys are matched to the model's weight names: missing \{.*\}, unexpected \{kernel\}/);
    expectBasinError(() => adapter.loss(undefined, { x, y: yShort }), /^ModelAdapter.loss: x has 12 rows but y has 3/);
    expectBasinError(() => adapter.write([kernel]), /^ModelAdapter.write: params has 1 tensors but the model has/);
    expectBasinError(() => adapter.valueAndGrad(undefined, { x: xWide, y }), /^ModelAdapter.valueAndGrad: x has shape \[12, 5\]; the model takes inputs of shape \[any, 3\]/);
    expectBasinError(() => adapter.trainingGradients([x, y] as never), /^ModelAdapter.trainingGradients: the batch of a model must be \{ x, y \}/);
    expectBasinError(() => new Trainer({ transform: sgd({ learningRate: 0.1 }), model: model as never }), /^Trainer: model must be a model adapter, modelAdapter\(model, \{ loss \}\)/);
    expectBasinError(() => new Trainer({ transform: sgd({ learningRate: 0.1 }), model: adapter, loss: (() => tf.scalar(0)) as never } as never), /^Trainer: give either \{ loss, params \}/);
    const trainer = new Trainer({ transform: sgd({ learningRate: 0.1 }), model: adapter });
    expectBasinError(() => trainer.step({ x, y: yShort } as never), /^Trainer.step: x has 12 rows but y has 3/);
    const modelTrainer = new ModelTrainer(model, { transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    expectBasinError(() => modelTrainer.trainOnBatch(xWide, y), /^ModelTrainer.trainOnBatch: x has shape \[12, 5\]; the model takes inputs of shape \[any, 3\]/);
    trainer.dispose();
    modelTrainer.dispose();
    treeDispose([wrongNames, yShort, kernel, xWide, x, y]);
    model.dispose();
  });

  it('is exported from @basin/core with the model-weight helpers', () => {
    for (const name of ['modelAdapter', 'ModelAdapter', 'isModelAdapter', 'modelWeights', 'modelStatistics', 'writeWeights', 'withSavedWeights', 'leavesInWeightOrder', 'treeInWeightLayout', 'checkModel', 'checkModelBatch', 'checkInputShape', 'Trainer', 'ModelTrainer']) {
      expect(typeof (core as Record<string, unknown>)[name]).toBe('function');
    }
  });
});
