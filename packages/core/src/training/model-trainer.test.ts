import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { ModelTrainer } from './model-trainer';
import { mulberry32 } from './random';
import { sgd } from '../aliases/sgd';
import { adam } from '../aliases/adam';
import type { Extras, Transform } from '../transform';
import type { TrainingCheckpoint } from '../checkpoint';
import { Tree, treeDispose } from '../tree';
import { expectBasinError, expectIntact, seeded, snapshot, vals } from '../../test-helpers';

const N = 16;
const X = seeded(1, N * 3);
const T = X.map((_, i) => i).filter((i) => i % 3 === 0).map((i) => Math.sin(X[i]) + 0.5 * X[i + 1] * X[i + 2]);
const data = () => ({ x: tf.tensor2d(X, [N, 3]), y: tf.tensor2d(T, [N, 1]) });

/** A small MLP with fixed initial weights, so runs are reproducible. */
function mlp(seed = 7): tf.Sequential {
  const model = tf.sequential({
    layers: [tf.layers.dense({ units: 5, inputShape: [3], activation: 'tanh' }), tf.layers.dense({ units: 1 })],
  });
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(seeded(seed + i, w.size, 0.7), w.shape)));
  return model;
}

/** A linear model `x w + b` (w 3x1), whose MSE gradient is known in closed form. */
function linear(w: number[], b: number): tf.Sequential {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [3] })] });
  model.setWeights([tf.tensor2d(w, [3, 1]), tf.tensor1d([b])]);
  return model;
}
/** float64 MSE gradient of the linear model over rows [from, to). */
function linearGrad(w: number[], b: number, from = 0, to = N): number[] {
  const g = [0, 0, 0, 0];
  for (let i = from; i < to; i++) {
    const r = X[i * 3] * w[0] + X[i * 3 + 1] * w[1] + X[i * 3 + 2] * w[2] + b - T[i];
    for (let k = 0; k < 3; k++) g[k] += (2 * r * X[i * 3 + k]) / (to - from);
    g[3] += (2 * r) / (to - from);
  }
  return g;
}
const weights = (m: tf.LayersModel) => m.trainableWeights.flatMap((w) => vals(w.read()));

describe('ModelTrainer', () => {
  it('one sgd step moves the weights by -lr * the closed-form gradient', () => {
    const w0 = [0.3, -0.2, 0.5];
    const model = linear(w0, 0.1);
    const { x, y } = data();
    const trainer = new ModelTrainer(model, { transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    trainer.trainOnBatch(x, y);
    const g = linearGrad(w0, 0.1);
    expectClose(weights(model), [...w0, 0.1].map((v, i) => v - 0.1 * g[i]), 1e-5);
    expect(trainer.steps).toBe(1);
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('trains a small tf.sequential MLP and reduces its loss', () => {
    const model = mlp();
    const { x, y } = data();
    const trainer = new ModelTrainer(model, { transform: adam({ learningRate: 0.05 }), loss: 'meanSquaredError' });
    const losses = Array.from({ length: 40 }, () => trainer.trainOnBatch(x, y));
    expect(losses[39]).toBeLessThan(0.3 * losses[0]);
    // The reported loss is the loss before the step: check the first against a plain forward pass.
    const fresh = mlp();
    const pred = fresh.predict(x) as tf.Tensor;
    const mse = vals(pred).reduce((s, p, i) => s + (p - T[i]) ** 2, 0) / N;
    expectClose([losses[0]], [mse], 1e-5);
    trainer.dispose();
    tf.dispose([x, y, pred]);
    model.dispose();
    fresh.dispose();
  });

  it('fit: mean loss per epoch goes down, and a seeded shuffle makes runs reproducible', async () => {
    const { x, y } = data();
    const run = async () => {
      const model = mlp();
      const trainer = new ModelTrainer(model, { transform: adam({ learningRate: 0.03 }), loss: 'meanSquaredError' });
      const batches: number[] = [];
      const history = await trainer.fit(x, y, { epochs: 4, batchSize: 5, seed: 3, onBatchEnd: (info) => batches.push(info.batch) });
      expect(batches).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
      expect(trainer.steps).toBe(16);
      const w = weights(model);
      trainer.dispose();
      model.dispose();
      return { history, w };
    };
    const a = await run();
    const b = await run();
    expect(a.history).toHaveLength(4);
    expect(a.history[3]).toBeLessThan(a.history[0]);
    expect(b).toEqual(a);
    tf.dispose([x, y]);
  });

  it('resumes from a JSON checkpoint on exactly the same trajectory', () => {
    const model = mlp();
    const { x, y } = data();
    const trainer = new ModelTrainer(model, { transform: adam({ learningRate: 0.02 }), loss: 'meanSquaredError' });
    for (let k = 0; k < 3; k++) trainer.trainOnBatch(x, y);
    const saved = JSON.stringify(trainer.save());
    const straight = Array.from({ length: 4 }, () => trainer.trainOnBatch(x, y));
    const wStraight = weights(model);
    trainer.restore(JSON.parse(saved) as TrainingCheckpoint);
    expect(trainer.steps).toBe(3);
    const resumed = Array.from({ length: 4 }, () => trainer.trainOnBatch(x, y));
    expect(resumed).toEqual(straight);
    expect(weights(model)).toEqual(wStraight);
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('restores into another model of the same architecture by weight order, moving statistics included', () => {
    // TF.js names weights uniquely per process ('dense_Dense3/kernel' for the second model), so
    // restore matches a checkpoint's weights by position and checks their shapes.
    const withBatchNorm = () => {
      const m = tf.sequential({
        layers: [tf.layers.dense({ units: 4, inputShape: [3] }), tf.layers.batchNormalization(), tf.layers.dense({ units: 1 })],
      });
      m.setWeights(m.getWeights().map((w, i) => tf.tensor(seeded(11 + i, w.size, 0.5).map((v) => (w.shape.length === 1 ? Math.abs(v) + 0.5 : v)), w.shape)));
      return m;
    };
    const a = withBatchNorm();
    const b = withBatchNorm();
    const { x, y } = data();
    const ta = new ModelTrainer(a, { transform: adam({ learningRate: 0.05 }), loss: 'meanSquaredError' });
    const tb = new ModelTrainer(b, { transform: adam({ learningRate: 0.05 }), loss: 'meanSquaredError' });
    for (let k = 0; k < 3; k++) ta.trainOnBatch(x, y);
    tb.restore(JSON.parse(JSON.stringify(ta.save())) as TrainingCheckpoint);
    expect(weights(b)).toEqual(weights(a));
    // moving mean and variance came along: inference-mode predictions agree exactly
    expect(vals(b.predict(x) as tf.Tensor)).toEqual(vals(a.predict(x) as tf.Tensor));
    // and so did Adam's moments: both continue on the same trajectory
    const la = [ta.trainOnBatch(x, y), ta.trainOnBatch(x, y)];
    const lb = [tb.trainOnBatch(x, y), tb.trainOnBatch(x, y)];
    expect(lb).toEqual(la);
    expect(weights(b)).toEqual(weights(a));
    ta.dispose();
    tb.dispose();
    a.dispose();
    b.dispose();
    tf.dispose([x, y]);
  });

  it('refuses a checkpoint of another architecture, naming the weight and shapes; model unchanged', () => {
    const a = mlp();
    const b = tf.sequential({
      layers: [tf.layers.dense({ units: 6, inputShape: [3], activation: 'tanh' }), tf.layers.dense({ units: 1 })],
    });
    const ta = new ModelTrainer(a, { transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    const tb = new ModelTrainer(b, { transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    const snap = snapshot(b.trainableWeights.map((w) => w.read()));
    const before = tf.memory().numTensors;
    expectBasinError(() => tb.restore(ta.save()), /^ModelTrainer.restore: checkpoint params does not match model params at '.*bias.*': expected shape \[6\], got \[5\]/);
    expect(tf.memory().numTensors).toBe(before);
    expectIntact(snap);
    ta.dispose();
    tb.dispose();
    a.dispose();
    b.dispose();
  });

  it('on a non-finite loss throws a BasinError and keeps weights, state and step count', () => {
    const model = mlp();
    const { x, y } = data();
    const trainer = new ModelTrainer(model, { transform: adam({ learningRate: 0.02 }), loss: 'meanSquaredError' });
    trainer.trainOnBatch(x, y);
    const stateRef = trainer.state;
    const snap = snapshot([model.trainableWeights.map((w) => w.read()), trainer.state]);
    const bad = tf.tensor2d([NaN, ...T.slice(1)], [N, 1]);
    expectBasinError(() => trainer.trainOnBatch(x, bad), /loss contains NaN or Infinity; params and optimizer state were left unchanged/);
    expectIntact(snap);
    expect(trainer.state).toBe(stateRef);
    expect(trainer.steps).toBe(1);
    trainer.trainOnBatch(x, y);
    expect(trainer.steps).toBe(2);
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y, bad]);
  });

  it('on non-finite gradients (finite loss) throws and changes nothing', () => {
    const model = linear([0, 0, 0], 0);
    const { x, y } = data();
    // mean(sqrt(|p|)) is 0 at p = 0, where its gradient is not finite.
    const sqrtLoss = (_: tf.Tensor, p: tf.Tensor) => tf.mean(tf.sqrt(tf.abs(p))) as tf.Scalar;
    const trainer = new ModelTrainer(model, { transform: sgd({ learningRate: 0.1 }), loss: sqrtLoss });
    const snap = snapshot(model.trainableWeights.map((w) => w.read()));
    expectBasinError(() => trainer.trainOnBatch(x, y), /^ModelTrainer.trainOnBatch: gradients at '.*' contains NaN or Infinity/);
    expectIntact(snap);
    expect(trainer.steps).toBe(0);
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('when the loss throws, passes the error on, puts moving statistics back and leaks nothing', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] }), tf.layers.batchNormalization({ momentum: 0.5 })] });
    const x = tf.tensor2d(X, [N, 3]);
    const y = tf.zeros([N, 2]);
    let calls = 0;
    const flaky = (yt: tf.Tensor, p: tf.Tensor) => {
      if (++calls === 2) throw new Error('loss failed');
      return tf.mean(tf.square(tf.sub(p, yt))) as tf.Scalar;
    };
    const trainer = new ModelTrainer(model, { transform: adam({ learningRate: 0.01 }), loss: flaky });
    trainer.trainOnBatch(x, y);
    const snap = snapshot([model.weights.map((w) => w.read()), trainer.state]);
    const before = tf.memory().numTensors;
    expect(() => trainer.trainOnBatch(x, y)).toThrow('loss failed');
    expect(tf.memory().numTensors).toBe(before);
    expectIntact(snap);
    expect(trainer.steps).toBe(1);
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('gives transforms a gradFn at other weights and on microbatches, and puts the weights back', () => {
    const w0 = [0.3, -0.2, 0.5];
    const model = linear(w0, 0.1);
    const { x, y } = data();
    const seen: number[][] = [];
    const probe: Transform<null> = {
      init: () => null,
      update: (updates: Tree, state, params, extras?: Extras) => {
        const shifted = tf.tidy(() => Object.fromEntries(Object.entries(params as Record<string, tf.Tensor>).map(([k, v]) => [k, tf.add(v, 1)])));
        const a = extras!.gradFn!(shifted);
        const m = extras!.gradFn!(params!, { index: 1, count: 4 });
        seen.push(Object.values(a.grads as Record<string, tf.Tensor>).flatMap(vals), Object.values(m.grads as Record<string, tf.Tensor>).flatMap(vals));
        treeDispose([shifted, a, m]);
        return [tf.tidy(() => Object.fromEntries(Object.entries(updates as Record<string, tf.Tensor>).map(([k, v]) => [k, tf.zerosLike(v)]))), state];
      },
    };
    const trainer = new ModelTrainer(model, { transform: probe, loss: 'meanSquaredError' });
    trainer.trainOnBatch(x, y);
    expectClose(seen[0], linearGrad(w0.map((v) => v + 1), 1.1), 1e-5);
    expectClose(seen[1], linearGrad(w0, 0.1, 4, 8), 1e-5);
    expectClose(weights(model), [...w0, 0.1], 1e-7);
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('names what is wrong with its inputs', () => {
    const model = mlp();
    const { x, y } = data();
    expect(() => new ModelTrainer({} as never, { transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' })).toThrow(/ModelTrainer: model must be a tf.LayersModel/);
    expect(() => new ModelTrainer({ trainableWeights: [], nonTrainableWeights: [], apply: () => null }, { transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' })).toThrow(
      /ModelTrainer: model has no trainable weights/,
    );
    expect(() => new ModelTrainer(model, { transform: sgd({ learningRate: 0.1 }), loss: 'mse' as never })).toThrow(/loss must be a function or one of meanSquaredError/);
    const trainer = new ModelTrainer(model, { transform: sgd({ learningRate: 0.1 }), loss: 'meanSquaredError' });
    const short = tf.zeros([N - 1, 1]);
    expectBasinError(() => trainer.trainOnBatch(x, short), /trainOnBatch: x has 16 rows but y has 15/);
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y, short]);
  });

  it('keeps tf.memory().numTensors flat across steps, fits, saves and restores', async () => {
    const model = mlp();
    const { x, y } = data();
    const trainer = new ModelTrainer(model, { transform: adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    expectNoLeak(() => trainer.trainOnBatch(x, y));
    expectNoLeak(() => trainer.restore(trainer.save()));
    await trainer.fit(x, y, { epochs: 1, batchSize: 8 });
    const before = tf.memory().numTensors;
    await trainer.fit(x, y, { epochs: 2, batchSize: 8 });
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });
});

/** `x * s` with a trainable vector `s` and an `addLoss` penalty `0.3 * sum((s - 0.5)^2)`. */
class PenalisedScale extends tf.layers.Layer {
  static className = 'BasinTestPenalisedScale';
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
 * An MLP whose objective has model losses: the kernel of the first layer has an l2 (1) regularizer
 * (the example), a custom layer adds a penalty through `addLoss`, and the last bias has
 * l1l2. Weights are fixed by seed, so two calls build identical clones.
 */
function regularisedMlp(seed = 7): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 5, inputShape: [3], activation: 'tanh', kernelRegularizer: tf.regularizers.l2({ l2: 1 }) }),
      new PenalisedScale({}),
      tf.layers.dense({ units: 1, biasRegularizer: tf.regularizers.l1l2({ l1: 0.05, l2: 0.1 }) }),
    ],
  });
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(seeded(seed + i, w.size, 0.7), w.shape)));
  return model;
}

describe('ModelTrainer with model losses (regularizers, addLoss)', () => {
  it('reports the loss tf.LayersModel.trainOnBatch reports and takes the same sgd step', async () => {
    const lr = 0.05;
    const { x, y } = data();
    const basinModel = regularisedMlp();
    const kerasModel = regularisedMlp();
    kerasModel.compile({ optimizer: tf.train.sgd(lr), loss: 'meanSquaredError' });
    const trainer = new ModelTrainer(basinModel, { transform: sgd({ learningRate: lr }), loss: 'meanSquaredError' });
    for (let step = 0; step < 3; step++) {
      const kerasLoss = (await kerasModel.trainOnBatch(x, y)) as number;
      const basinLoss = trainer.trainOnBatch(x, y);
      expectClose([basinLoss], [kerasLoss], 1e-5);
      expectClose(weights(basinModel), weights(kerasModel), 1e-5);
    }
    // The regularizers are a large part of the objective here, so the check has teeth.
    const output = tf.tidy(() => tf.losses.meanSquaredError(y, basinModel.predict(x) as tf.Tensor).dataSync()[0]);
    const reported = trainer.trainOnBatch(x, y);
    expect(reported - output).toBeGreaterThan(1);
    trainer.dispose();
    basinModel.dispose();
    kerasModel.dispose();
    tf.dispose([x, y]);
  });

  it('gives SAM-family transforms a gradFn whose loss and gradient include the model losses', () => {
    const { x, y } = data();
    const model = regularisedMlp();
    const seen: { loss: number; grads: number[] }[] = [];
    const probe: Transform<null> = {
      init: () => null,
      update: (updates: Tree, state, params, extras?: Extras) => {
        const r = extras!.gradFn!(params!);
        seen.push({ loss: vals(r.loss)[0], grads: Object.values(r.grads as Record<string, tf.Tensor>).flatMap(vals) });
        seen.push({ loss: vals(extras!.loss!)[0], grads: Object.values(updates as Record<string, tf.Tensor>).flatMap(vals) });
        treeDispose(r);
        return [tf.tidy(() => Object.fromEntries(Object.entries(updates as Record<string, tf.Tensor>).map(([k, v]) => [k, tf.zerosLike(v)]))), state];
      },
    };
    const trainer = new ModelTrainer(model, { transform: probe, loss: 'meanSquaredError' });
    trainer.trainOnBatch(x, y);
    // The gradient tf takes of the same objective, written out with the model's own pieces.
    const names = model.trainableWeights.map((w) => w.name);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const ref = tf.variableGrads(() => tf.tidy(() => tf.addN([
      tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as tf.Tensor),
      ...(model.layers.flatMap((l) => l.losses.map((f) => tf.reshape(f(), [])))),
    ]) as tf.Scalar), vars);
    const refGrads = names.flatMap((_, i) => vals(ref.grads[vars[i].name]));
    expectClose([seen[0].loss, seen[1].loss], [vals(ref.value)[0], vals(ref.value)[0]], 1e-5);
    expectClose(seen[0].grads, refGrads, 1e-5);
    expectClose(seen[1].grads, refGrads, 1e-5);
    tf.dispose([ref.value, ...Object.values(ref.grads)]);
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('writes the new weights back by name (tree leaves come in sorted-key order, not weight order)', () => {
    const { x, y } = data();
    const model = regularisedMlp();
    const before = model.trainableWeights.map((w) => vals(w.read()));
    // A transform that returns its updates as a record with the keys in reverse order.
    const reversed: Transform<null> = {
      init: () => null,
      update: (updates: Tree, state) => {
        const entries = Object.entries(updates as Record<string, tf.Tensor>).reverse();
        return [tf.tidy(() => Object.fromEntries(entries.map(([k, v], i) => [k, tf.fill(v.shape, i + 1)]))), state];
      },
    };
    const trainer = new ModelTrainer(model, { transform: reversed, loss: 'meanSquaredError' });
    trainer.trainOnBatch(x, y);
    const count = model.trainableWeights.length;
    model.trainableWeights.forEach((w, i) => expectClose(vals(w.read()), before[i].map((v) => v + (count - i)), 1e-6));
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('keeps tf.memory().numTensors flat with regularizers', async () => {
    const model = regularisedMlp();
    const { x, y } = data();
    const trainer = new ModelTrainer(model, { transform: adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    expectNoLeak(() => trainer.trainOnBatch(x, y));
    await trainer.fit(x, y, { epochs: 1, batchSize: 8 });
    const before = tf.memory().numTensors;
    await trainer.fit(x, y, { epochs: 2, batchSize: 8 });
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });
});

describe('mulberry32', () => {
  it('is deterministic per seed and stays in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(mulberry32(43)()).not.toBe(xs[0]);
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });
});
