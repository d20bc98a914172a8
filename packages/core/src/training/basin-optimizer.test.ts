// BasinOptimizer: Basin transforms as the optimizer of tfjs-layers' model.compile / model.fit.
// Core's tests use core transforms only (core never depends on @basin/sam); a tiny SAM-like
// transform below exercises extras.gradFn the way the SAM family does.
import { tf, expectClose } from '@basin/testing';
import { BasinOptimizer, basinOptimizer } from './basin-optimizer';
import { ModelTrainer, LayersModelLike } from './model-trainer';
import { adam } from '../aliases/adam';
import { sgd } from '../aliases/sgd';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from '../transforms/clip';
import { BasinError } from '../errors';
import type { Extras, Transform } from '../transform';
import { Tree, treeDispose, treeMap } from '../tree';
import { seeded, vals } from '../../test-helpers';

const N = 24;
const X = seeded(11, N * 4);
const T = Array.from({ length: N }, (_, i) => Math.sin(X[i * 4]) + 0.5 * X[i * 4 + 1] * X[i * 4 + 2] - 0.3 * X[i * 4 + 3]);
const data = () => ({ x: tf.tensor2d(X, [N, 4]), y: tf.tensor2d(T, [N, 1]) });
const LABELS = Array.from({ length: N }, (_, i) => (T[i] > 0 ? [1, 0] : [0, 1])).flat();

const asModel = (m: tf.LayersModel) => m as unknown as LayersModelLike;
const weightsOf = (m: tf.LayersModel) => m.getWeights().map((w) => vals(w));
const maxAbsDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((w, i) => w.map((v, j) => Math.abs(v - b[i][j]))));

/** Fixed initial weights (so two models of one architecture start equal); optional BN, regularizer. */
function buildModel(options: { batchNorm?: boolean; l2?: number; dropout?: number; classes?: number; seed?: number } = {}): tf.Sequential {
  const { batchNorm = false, l2, dropout, classes, seed = 5 } = options;
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 6, inputShape: [4], activation: 'tanh', kernelRegularizer: l2 ? tf.regularizers.l2({ l2 }) : undefined }));
  if (batchNorm) model.add(tf.layers.batchNormalization({ momentum: 0.8 }));
  if (dropout) model.add(tf.layers.dropout({ rate: dropout }));
  model.add(tf.layers.dense({ units: classes ?? 1, activation: classes ? 'softmax' : undefined, kernelRegularizer: l2 ? tf.regularizers.l2({ l2 }) : undefined }));
  // The dense layers get seeded weights; BatchNormalization keeps its initial gamma, beta and statistics.
  model.layers.filter((l) => l.getClassName() === 'Dense').forEach((layer, k) => {
    const values = layer.getWeights().map((w, i) => tf.tensor(seeded(seed + 2 * k + i, w.size, 0.6), w.shape));
    layer.setWeights(values);
    tf.dispose(values);
  });
  return model;
}

/**
 * A SAM-like transform: gradient at `params + rho * g / |g|` from extras.gradFn, then SGD. It
 * checks that gradFn leaves the variables as they were (what the SAM family relies on).
 */
function samLike(rho = 0.1, learningRate = 0.05, seen: { restored: boolean[] } = { restored: [] }): Transform<null> {
  return {
    init: () => null,
    update: (grads: Tree, state: null, params?: Tree, extras?: Extras) => {
      const before = treeMap((p) => tf.clone(p), params!);
      const perturbed = tf.tidy(() => {
        const norm = tf.sqrt(tf.addN((Object.values(grads) as tf.Tensor[]).map((g) => tf.sum(tf.square(g)))));
        return treeMap((p, g) => tf.add(p, tf.mul(tf.div(g, tf.add(norm, 1e-12)), rho)), params!, grads) as tf.TensorContainer;
      }) as Tree;
      try {
        const { loss, grads: g2 } = extras!.gradFn!(perturbed);
        const same = Object.keys(before).every((k) => vals((before as Record<string, tf.Tensor>)[k]).every((v, i) => v === vals((params as Record<string, tf.Tensor>)[k])[i]));
        seen.restored.push(same);
        const updates = treeMap((g) => tf.mul(g, -learningRate), g2);
        treeDispose([g2, loss]);
        return [updates, null];
      } finally {
        treeDispose([before, perturbed]);
      }
    },
  };
}

/** A transform asking gradFn for microbatch 0 of 2, as m-SAM does with microbatches: 2. */
function microbatchLike(): Transform<null> {
  return {
    computesOwnGradients: true,
    init: () => null,
    update: (grads, state, params, extras) => {
      const { loss, grads: g } = extras!.gradFn!(params!, { index: 0, count: 2 });
      treeDispose([loss, g]);
      return [treeMap((x) => tf.zerosLike(x), grads), null];
    },
  };
}

async function fitWith(model: tf.LayersModel, optimizer: tf.Optimizer | string, x: tf.Tensor, y: tf.Tensor, args: tf.ModelFitArgs = {}, loss = 'meanSquaredError', metrics?: string[]) {
  model.compile({ optimizer, loss, metrics });
  return model.fit(x, y, { batchSize: 8, epochs: 2, shuffle: false, verbose: 0, ...args });
}

async function trainerFit(model: tf.LayersModel, transform: Transform<any>, x: tf.Tensor, y: tf.Tensor, epochs = 2) {
  const trainer = new ModelTrainer(asModel(model), { transform, loss: 'meanSquaredError' });
  await trainer.fit(x, y, { batchSize: 8, epochs, shuffle: false });
  trainer.dispose();
}

describe('BasinOptimizer through model.fit', () => {
  const cases: [string, () => Transform<any>][] = [
    ['adam', () => adam({ learningRate: 0.01 })],
    ['sgd with momentum', () => sgd({ learningRate: 0.05, momentum: 0.9 })],
    ['chain(clipByGlobalNorm, adam)', () => chain(clipByGlobalNorm(0.5), adam({ learningRate: 0.02 }))],
  ];
  it.each(cases)('%s gives the weights ModelTrainer gives on the same batches (within 1e-5)', async (_, make) => {
    const { x, y } = data();
    const a = buildModel({ batchNorm: true });
    const b = buildModel({ batchNorm: true });
    const optimizer = basinOptimizer(make());
    await fitWith(a, optimizer, x, y);
    await trainerFit(b, make(), x, y);
    const diff = maxAbsDiff(weightsOf(a), weightsOf(b)); // trainable weights and BN statistics
    expect(diff).toBeLessThan(1e-5);
    expect(optimizer.iterations).toBe(6);
    optimizer.dispose();
    a.dispose();
    b.dispose();
    tf.dispose([x, y]);
  });

  it('adam gives the weights tf.train.adam gives through model.fit (within 1e-5)', async () => {
    const { x, y } = data();
    const a = buildModel();
    const b = buildModel();
    const optimizer = basinOptimizer(adam({ learningRate: 0.01, eps: 1e-8 }));
    const tfAdam = tf.train.adam(0.01, 0.9, 0.999, 1e-8);
    await fitWith(a, optimizer, x, y, { epochs: 3 });
    await fitWith(b, tfAdam, x, y, { epochs: 3 });
    expect(maxAbsDiff(weightsOf(a), weightsOf(b))).toBeLessThan(1e-5);
    optimizer.dispose();
    tfAdam.dispose();
    a.dispose();
    b.dispose();
    tf.dispose([x, y]);
  });

  it('a SAM-like transform: gradFn restores the weights, BN statistics move once, and it matches ModelTrainer', async () => {
    const { x, y } = data();
    const seen = { restored: [] as boolean[] };
    const a = buildModel({ batchNorm: true });
    const b = buildModel({ batchNorm: true });
    const plain = buildModel({ batchNorm: true });
    const optimizer = basinOptimizer(samLike(0.2, 0.05, seen));
    // One step on one batch of 8.
    const xb = tf.slice(x, 0, 8);
    const yb = tf.slice(y, 0, 8);
    await fitWith(a, optimizer, xb, yb, { epochs: 1 });
    await fitWith(plain, basinOptimizer(sgd({ learningRate: 0.05 })), xb, yb, { epochs: 1 });
    expect(seen.restored).toEqual([true]);
    const stats = (m: tf.LayersModel) => m.layers[1].getWeights().slice(2).map((w) => vals(w));
    const initial = buildModel({ batchNorm: true });
    expect(maxAbsDiff(stats(a), stats(initial))).toBeGreaterThan(1e-4); // the clean pass did move them
    expect(maxAbsDiff(stats(a), stats(plain))).toBe(0); // and only the clean pass did
    // More steps: the same weights and statistics as ModelTrainer on the same batches.
    await fitWith(a, optimizer, x, y, { epochs: 2 });
    const trainer = new ModelTrainer(asModel(b), { transform: samLike(0.2, 0.05), loss: 'meanSquaredError' });
    trainer.trainOnBatch(xb, yb);
    await trainer.fit(x, y, { batchSize: 8, epochs: 2, shuffle: false });
    expect(maxAbsDiff(weightsOf(a), weightsOf(b))).toBeLessThan(1e-5);
    expect(seen.restored.every((r) => r)).toBe(true);
    trainer.dispose();
    optimizer.dispose();
    [a, b, plain, initial].forEach((m) => m.dispose());
    tf.dispose([x, y, xb, yb]);
  });

  it('includes the regularizers: the loss fit logs equals tf.train.sgd\'s, and so do the weights', async () => {
    const { x, y } = data();
    const a = buildModel({ l2: 0.05 });
    const b = buildModel({ l2: 0.05 });
    const c = buildModel({ l2: 0.05 });
    const ha = await fitWith(a, basinOptimizer(sgd({ learningRate: 0.1 })), x, y, { epochs: 3 });
    const hb = await fitWith(b, tf.train.sgd(0.1), x, y, { epochs: 3 });
    const hc = await fitWith(c, basinOptimizer(sgd({ learningRate: 0.1 })), x, y, { epochs: 3 }); // sanity: same again
    expectClose(ha.history.loss as number[], hb.history.loss as number[], 1e-5);
    expectClose(ha.history.loss as number[], hc.history.loss as number[], 0);
    expect(maxAbsDiff(weightsOf(a), weightsOf(b))).toBeLessThan(1e-5);
    // The regularizer matters: without it the trajectory differs.
    const d = buildModel();
    const hd = await fitWith(d, basinOptimizer(sgd({ learningRate: 0.1 })), x, y, { epochs: 3 });
    expect(Math.abs((hd.history.loss[0] as number) - (ha.history.loss[0] as number))).toBeGreaterThan(1e-3);
    [a, b, c, d].forEach((m) => m.dispose());
    tf.dispose([x, y]);
  });

  it('validation data, validationSplit, metrics and callbacks work as with a tf.train optimizer', async () => {
    const { x } = data();
    const y = tf.tensor2d(LABELS, [N, 2]);
    const model = buildModel({ classes: 2 });
    const reference = buildModel({ classes: 2 });
    const epochEnds: tf.Logs[] = [];
    const hist = await fitWith(model, basinOptimizer(sgd({ learningRate: 0.1 })), x, y, {
      epochs: 3,
      validationData: [x, y],
      callbacks: { onEpochEnd: async (_epoch, logs) => void epochEnds.push({ ...logs }) },
    }, 'categoricalCrossentropy', ['accuracy']);
    const ref = await fitWith(reference, tf.train.sgd(0.1), x, y, { epochs: 3, validationData: [x, y] }, 'categoricalCrossentropy', ['accuracy']);
    expect(Object.keys(hist.history).sort()).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    expect(epochEnds.map((l) => Object.keys(l).sort())).toEqual(Array(3).fill(['acc', 'loss', 'val_acc', 'val_loss']));
    for (const key of ['acc', 'loss', 'val_acc', 'val_loss']) expectClose(hist.history[key] as number[], ref.history[key] as number[], 1e-5);

    const split = buildModel({ classes: 2 });
    const splitHist = await fitWith(split, basinOptimizer(sgd({ learningRate: 0.1 })), x, y, { epochs: 2, validationSplit: 0.25 }, 'categoricalCrossentropy', ['accuracy']);
    expect(splitHist.history.val_loss).toHaveLength(2);

    // earlyStopping: no improvement of 10 in the loss, so it stops after the second epoch.
    const stopper = buildModel({ classes: 2 });
    const stopped = await fitWith(stopper, basinOptimizer(adam({ learningRate: 0.01 })), x, y, {
      epochs: 10,
      callbacks: tf.callbacks.earlyStopping({ monitor: 'loss', minDelta: 10, patience: 0 }),
    }, 'categoricalCrossentropy', ['accuracy']);
    expect(stopped.epoch).toEqual([0, 1]);
    [model, reference, split, stopper].forEach((m) => m.dispose());
    tf.dispose([x, y]);
  });

  it('with a SAM-like transform the logged metrics are those of the clean pass', async () => {
    const { x } = data();
    const y = tf.tensor2d(LABELS, [N, 2]);
    const a = buildModel({ classes: 2 });
    const b = buildModel({ classes: 2 });
    // One batch per epoch: the first epoch's loss and accuracy are measured at the initial weights.
    const ha = await fitWith(a, basinOptimizer(samLike(0.5, 0.5)), x, y, { batchSize: N, epochs: 2 }, 'categoricalCrossentropy', ['accuracy']);
    const hb = await fitWith(b, tf.train.sgd(0.5), x, y, { batchSize: N, epochs: 2 }, 'categoricalCrossentropy', ['accuracy']);
    expectClose([ha.history.loss[0] as number, ha.history.acc[0] as number], [hb.history.loss[0] as number, hb.history.acc[0] as number], 1e-6);
    expect(ha.history.acc).toHaveLength(2);
    a.dispose();
    b.dispose();
    tf.dispose([x, y]);
  });

  it('model.trainOnBatch works, and with gradFn returns the extra pass\'s metrics after the clean ones', async () => {
    const { x } = data();
    const y = tf.tensor2d(LABELS, [N, 2]);
    const model = buildModel({ classes: 2 });
    model.compile({ optimizer: basinOptimizer(samLike()), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const out = (await model.trainOnBatch(x, y)) as number[];
    expect(out).toHaveLength(3); // loss, accuracy, accuracy at the perturbed weights
    const plain = buildModel({ classes: 2 });
    plain.compile({ optimizer: basinOptimizer(sgd({ learningRate: 0.1 })), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    expect(await plain.trainOnBatch(x, y)).toHaveLength(2);
    (model.optimizer as BasinOptimizer).dispose();
    (plain.optimizer as BasinOptimizer).dispose();
    model.dispose();
    plain.dispose();
    tf.dispose([x, y]);
  });

  it.each([
    ['adam', () => adam({ learningRate: 0.01 })],
    ['a SAM-like transform (metrics and BN)', () => samLike()],
  ] as [string, () => Transform<any>][])('leaks no tensors across model.fit epochs: %s', async (_, make) => {
    const { x } = data();
    const y = tf.tensor2d(LABELS, [N, 2]);
    const model = buildModel({ classes: 2, batchNorm: true, dropout: 0.2 });
    const optimizer = basinOptimizer(make());
    model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(x, y, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 });
    const before = tf.memory().numTensors;
    await model.fit(x, y, { batchSize: 8, epochs: 3, shuffle: false, verbose: 0, validationData: [x, y] });
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('extra passes run the model in training mode: Dropout draws a fresh mask each pass', async () => {
    const { x, y } = data();
    const losses: number[] = [];
    const probe: Transform<null> = {
      init: () => null,
      update: (grads, state, params, extras) => {
        losses.push(extras!.loss!.dataSync()[0]);
        for (let i = 0; i < 3; i++) {
          const { loss, grads: g } = extras!.gradFn!(params!); // at the current weights
          losses.push(loss.dataSync()[0]);
          treeDispose([loss, g]);
        }
        return [treeMap((u) => tf.zerosLike(u), grads), null];
      },
    };
    const model = buildModel({ dropout: 0.5 });
    const optimizer = basinOptimizer(probe);
    await fitWith(model, optimizer, x, y, { batchSize: N, epochs: 1 });
    expect(new Set(losses).size).toBe(4); // four passes, four masks
    const still = buildModel({ dropout: 0.5 });
    expect(maxAbsDiff(weightsOf(model), weightsOf(still))).toBe(0); // zero updates, weights restored
    optimizer.dispose();
    model.dispose();
    still.dispose();
    tf.dispose([x, y]);
  });

  it('refuses a microbatch request with a BasinError naming ModelTrainer; nothing changes and nothing leaks', async () => {
    const { x, y } = data();
    const model = buildModel({ batchNorm: true });
    const optimizer = basinOptimizer(microbatchLike());
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const before = weightsOf(model);
    const count = tf.memory().numTensors;
    let error: unknown;
    try {
      await model.fit(x, y, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BasinError);
    expect((error as Error).message).toMatch(/^BasinOptimizer\.minimize: the transform asked extras\.gradFn for microbatch 0 of 2/);
    expect((error as Error).message).toMatch(/ModelTrainer/);
    expect((error as Error).message).toMatch(/microbatches: 1/);
    expect(weightsOf(model)).toEqual(before); // BN statistics included
    // model.fit itself leaves its epoch's index tensor behind when a step throws (tfjs-layers 4.22).
    expect(tf.memory().numTensors).toBe(count + 1);
    expect(optimizer.state).toBeUndefined(); // a failed first step keeps no state
    // Called directly, minimize leaves nothing behind.
    const at = tf.memory().numTensors;
    const [kernel] = model.trainableWeights.map((w) => w.read() as tf.Variable);
    expect(() => optimizer.minimize(() => tf.sum(kernel) as tf.Scalar, false, [kernel])).toThrow(/microbatch 0 of 2/);
    expect(tf.memory().numTensors).toBe(at);
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });
});

describe('BasinOptimizer.minimize in a custom loop', () => {
  const lossOf = (w: tf.Variable, b: tf.Variable, x: tf.Tensor, y: tf.Tensor) => () => tf.tidy(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), y))) as tf.Scalar);

  it('keys the state by variable name: the order of varList never matters', () => {
    const { x, y } = data();
    const run = (reverse: boolean[]) => {
      const w = tf.variable(tf.tensor2d(seeded(3, 4), [4, 1]), true, `w_${Math.random().toString(36).slice(2)}`);
      const b = tf.variable(tf.tensor1d([0.1]), true, `b_${Math.random().toString(36).slice(2)}`);
      const optimizer = basinOptimizer(adam({ learningRate: 0.05 }));
      const losses = reverse.map((r) => {
        const cost = optimizer.minimize(lossOf(w, b, x, y), true, r ? [b, w] : [w, b])!;
        const value = cost.dataSync()[0];
        cost.dispose();
        return value;
      });
      const out = { losses, w: vals(w), b: vals(b), keys: Object.keys((optimizer.state as { mu: object }[])[0].mu).map((k) => k[0]) };
      optimizer.dispose();
      w.dispose();
      b.dispose();
      return out;
    };
    const straight = run([false, false, false, false]);
    const mixed = run([false, true, false, true]);
    expect(mixed.losses).toEqual(straight.losses);
    expect(mixed.w).toEqual(straight.w);
    expect(mixed.b).toEqual(straight.b);
    expect(straight.keys.sort()).toEqual(['b', 'w']);
    tf.dispose([x, y]);
  });

  it('without varList trains every trainable variable; returnCost false returns null; no leaks', () => {
    const { x, y } = data();
    const w = tf.variable(tf.zeros([4, 1]), true, 'bo_all_w');
    const b = tf.variable(tf.zeros([1]), true, 'bo_all_b');
    const frozen = tf.variable(tf.ones([1]), false, 'bo_all_frozen');
    const optimizer = basinOptimizer(adam({ learningRate: 0.1 }));
    let result: tf.Scalar | null = tf.scalar(1);
    result.dispose();
    const step = () => {
      result = optimizer.minimize(lossOf(w, b, x, y));
    };
    step();
    expect(result).toBeNull();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(vals(w).some((v) => v !== 0)).toBe(true);
    expect(vals(frozen)).toEqual([1]);
    const keys = Object.keys((optimizer.state as { mu: object }[])[0].mu);
    expect(keys).toEqual(expect.arrayContaining([w.name, b.name]));
    expect(keys).not.toContain(frozen.name);
    optimizer.dispose();
    tf.dispose([w, b, frozen, x, y]);
  });

  it('a NaN loss throws and leaves the variables and the state as they were', () => {
    const w = tf.variable(tf.ones([2]), true, 'bo_nan_w');
    const optimizer = basinOptimizer(adam({ learningRate: 0.1 }));
    optimizer.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
    const state = optimizer.state;
    const values = vals(w);
    const count = tf.memory().numTensors;
    expect(() => optimizer.minimize(() => tf.mul(tf.sum(w), NaN) as tf.Scalar, false, [w])).toThrow(/^BasinOptimizer\.minimize: loss contains NaN or Infinity/);
    expect(vals(w)).toEqual(values);
    expect(optimizer.state).toBe(state);
    expect(optimizer.iterations).toBe(1);
    expect(tf.memory().numTensors).toBe(count);
    optimizer.dispose();
    w.dispose();
  });

  it('applyGradients applies a step from given gradients, like minimize', () => {
    const { x, y } = data();
    const make = (name: string) => [tf.variable(tf.tensor2d(seeded(3, 4), [4, 1]), true, `${name}_w`), tf.variable(tf.tensor1d([0.1]), true, `${name}_b`)] as const;
    const [w1, b1] = make('bo_apply1');
    const [w2, b2] = make('bo_apply2');
    const o1 = basinOptimizer(adam({ learningRate: 0.05 }));
    const o2 = basinOptimizer(adam({ learningRate: 0.05 }));
    for (let i = 0; i < 3; i++) {
      o1.minimize(lossOf(w1, b1, x, y), false, [w1, b1]);
      const { value, grads } = tf.variableGrads(lossOf(w2, b2, x, y), [w2, b2]);
      o2.applyGradients(i % 2 === 0 ? grads : [{ name: b2.name, tensor: grads[b2.name] }, { name: w2.name, tensor: grads[w2.name] }]);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(vals(w2)).toEqual(vals(w1));
    expect(vals(b2)).toEqual(vals(b1));
    expect(o2.iterations).toBe(3);
    [o1, o2].forEach((o) => o.dispose());
    tf.dispose([w1, b1, w2, b2, x, y]);
  });
});

describe('BasinOptimizer state: getWeights/setWeights, model.save, save/restore', () => {
  async function trained(steps = 2) {
    const { x, y } = data();
    const model = buildModel({ batchNorm: true });
    const optimizer = basinOptimizer(chain(clipByGlobalNorm(1), adam({ learningRate: 0.01 })));
    model.compile({ optimizer, loss: 'meanSquaredError' });
    for (let i = 0; i < steps; i++) await model.fit(x, y, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 });
    return { model, optimizer, x, y };
  }
  const oneMoreEpoch = (model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor) => model.fit(x, y, { batchSize: 8, epochs: 1, shuffle: false, verbose: 0 });

  it('getWeights names the state by tree path after iter and the variable names', async () => {
    const { model, optimizer, x, y } = await trained();
    const weights = await optimizer.getWeights();
    expect(weights[0].name).toBe('iter');
    expect(vals(weights[0].tensor)).toEqual([6]);
    expect(weights[1].name).toBe('variables');
    expect(weights[1].tensor.dataSync()).toEqual(model.trainableWeights.map((w) => w.name));
    const names = weights.slice(2).map((w) => w.name);
    const kernel = model.trainableWeights[0].name;
    expect(names).toContain(`state[1][0].mu.${kernel}`);
    expect(names).toContain(`state[1][0].count`);
    expect(weights.find((w) => w.name === 'state[1][0].count')!.tensor.dataSync()).toEqual(['6']);
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('setWeights into a fresh optimizer for a model of other weight names continues identically', async () => {
    const { model, optimizer, x, y } = await trained();
    const copy = buildModel({ batchNorm: true });
    copy.setWeights(model.getWeights());
    const next = basinOptimizer(chain(clipByGlobalNorm(1), adam({ learningRate: 0.01 })));
    await next.setWeights(await optimizer.getWeights()); // before its first step: put on the variables then, by position
    copy.compile({ optimizer: next, loss: 'meanSquaredError' });
    expect(copy.trainableWeights[0].name).not.toBe(model.trainableWeights[0].name);
    await oneMoreEpoch(model, x, y);
    await oneMoreEpoch(copy, x, y);
    expect(maxAbsDiff(weightsOf(copy), weightsOf(model))).toBe(0);
    expect(next.iterations).toBe(optimizer.iterations);
    // After training, setWeights puts the state on the variables at once, and checks it.
    await next.setWeights(await optimizer.getWeights());
    const wrong = basinOptimizer(adam({ learningRate: 0.01 }));
    copy.compile({ optimizer: wrong, loss: 'meanSquaredError' });
    await oneMoreEpoch(copy, x, y);
    await expect(wrong.setWeights(await optimizer.getWeights())).rejects.toThrow(/^BasinOptimizer\.setWeights: the saved optimizer weights have/);
    expect(wrong.iterations).toBe(3); // a failed setWeights leaves it as it was
    await expect(wrong.setWeights([{ name: 'dense/kernel/m', tensor: tf.zeros([1]) }])).rejects.toThrow(/^BasinOptimizer\.setWeights: the first weight is 'dense\/kernel\/m'/);
    [optimizer, next, wrong].forEach((o) => o.dispose());
    model.dispose();
    copy.dispose();
    tf.dispose([x, y]);
  });

  it('model.save({ includeOptimizer: true }) stores the state; a loaded model holds it until compiled with a transform', async () => {
    const { model, optimizer, x, y } = await trained();
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }), { includeOptimizer: true });
    expect(artifacts!.trainingConfig!.optimizer_config).toEqual({ class_name: 'BasinOptimizer', config: { transform: 'chain', checkFinite: true } });
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const holder = loaded.optimizer as BasinOptimizer;
    expect(holder).toBeInstanceOf(BasinOptimizer);
    expect(holder.transform).toBeUndefined();
    expect(holder.iterations).toBe(6);
    await expect(loaded.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 })).rejects.toThrow(/^BasinOptimizer\.minimize: this BasinOptimizer was rebuilt from a saved model config \(its transform was chain\).*basinOptimizer\(transform\)/);
    const fresh = basinOptimizer(chain(clipByGlobalNorm(1), adam({ learningRate: 0.01 })));
    await fresh.setWeights(await holder.getWeights());
    loaded.compile({ optimizer: fresh, loss: 'meanSquaredError' });
    await oneMoreEpoch(model, x, y);
    await oneMoreEpoch(loaded, x, y);
    expect(maxAbsDiff(weightsOf(loaded), weightsOf(model))).toBe(0);
    [optimizer, holder, fresh].forEach((o) => o.dispose());
    model.dispose();
    loaded.dispose();
    tf.dispose([x, y]);
  });

  it('save()/restore() round-trip the state through JSON (and read ModelTrainer checkpoints)', async () => {
    const { model, optimizer, x, y } = await trained();
    const checkpoint = JSON.parse(JSON.stringify(optimizer.save()));
    expect(checkpoint.steps).toBe(6);
    const copy = buildModel({ batchNorm: true });
    copy.setWeights(model.getWeights());
    const next = basinOptimizer(chain(clipByGlobalNorm(1), adam({ learningRate: 0.01 })));
    next.restore(checkpoint);
    copy.compile({ optimizer: next, loss: 'meanSquaredError' });
    await oneMoreEpoch(model, x, y);
    await oneMoreEpoch(copy, x, y);
    expect(maxAbsDiff(weightsOf(copy), weightsOf(model))).toBe(0);

    // A ModelTrainer checkpoint carries the same state.
    const trainerModel = buildModel({ batchNorm: true });
    const trainer = new ModelTrainer(asModel(trainerModel), { transform: adam({ learningRate: 0.01 }), loss: 'meanSquaredError' });
    await trainer.fit(x, y, { batchSize: 8, epochs: 1, shuffle: false });
    const fromTrainer = basinOptimizer(adam({ learningRate: 0.01 }));
    fromTrainer.restore(trainer.save());
    const fitModel = buildModel({ batchNorm: true });
    fitModel.setWeights(trainerModel.getWeights());
    fitModel.compile({ optimizer: fromTrainer, loss: 'meanSquaredError' });
    await trainer.fit(x, y, { batchSize: 8, epochs: 1, shuffle: false });
    await oneMoreEpoch(fitModel, x, y);
    expect(maxAbsDiff(weightsOf(fitModel), weightsOf(trainerModel))).toBeLessThan(1e-5);
    const bad = basinOptimizer(sgd({ learningRate: 0.1, momentum: 0.9 }));
    bad.restore(checkpoint); // waits for the variables
    const badModel = buildModel({ batchNorm: true });
    badModel.compile({ optimizer: bad, loss: 'meanSquaredError' });
    const misfit = /^BasinOptimizer\.minimize: the checkpoint's optimizer state does not fit this optimizer's transform \(sgd\)/;
    await expect(oneMoreEpoch(badModel, x, y)).rejects.toThrow(misfit);
    await expect(oneMoreEpoch(badModel, x, y)).rejects.toThrow(misfit); // never silently starts afresh
    expect(bad.state).toBeUndefined();
    [optimizer, next, fromTrainer, bad].forEach((o) => o.dispose());
    trainer.dispose();
    [model, copy, trainerModel, fitModel, badModel].forEach((m) => m.dispose());
    tf.dispose([x, y]);
  });

  it('dispose frees the state; a later step starts a fresh one', async () => {
    const { model, optimizer, x, y } = await trained(1);
    const held = tf.memory().numTensors;
    optimizer.dispose();
    expect(tf.memory().numTensors).toBeLessThan(held);
    expect(optimizer.state).toBeUndefined();
    await oneMoreEpoch(model, x, y);
    expect(optimizer.state).toBeDefined();
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });

  it('getConfig, getClassName and the serialization registry', () => {
    const optimizer = basinOptimizer(adam({ learningRate: 1e-3 }), { checkFinite: false });
    expect(optimizer.getClassName()).toBe('BasinOptimizer');
    expect(optimizer.getConfig()).toEqual({ transform: 'adam', checkFinite: false });
    const [cls, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap.BasinOptimizer;
    expect(cls).toBe(BasinOptimizer);
    const rebuilt = fromConfig(cls, optimizer.getConfig()) as BasinOptimizer;
    expect(rebuilt.getConfig()).toEqual({ transform: 'adam', checkFinite: false });
    expect(() => rebuilt.applyGradients({})).toThrow(/^BasinOptimizer\.applyGradients: this BasinOptimizer was rebuilt from a saved model config \(its transform was adam\)/);
  });
});

describe('BasinOptimizer bad input', () => {
  it('a non-transform is a BasinError naming basinOptimizer (or BasinOptimizer)', () => {
    expect(() => basinOptimizer({} as never)).toThrow(/^basinOptimizer: transform must be a Basin transform/);
    expect(() => basinOptimizer(adam as never)).toThrow(/^basinOptimizer: transform must be a Basin transform .*the function adam \(call it to make a transform\)/);
    expect(() => new BasinOptimizer(undefined as never)).toThrow(/^BasinOptimizer: transform must be a Basin transform/);
    expect(() => basinOptimizer(sgd({ learningRate: 0.1 }), { checkFinit: true } as never)).toThrow(/^basinOptimizer: unknown option 'checkFinit'/);
    expect(() => basinOptimizer(sgd({ learningRate: 0.1 }), { checkFinite: 1 } as never)).toThrow(/^basinOptimizer: checkFinite must be a boolean/);
    try {
      basinOptimizer(null as never);
    } catch (e) {
      expect(e).toBeInstanceOf(BasinError);
    }
  });

  it('a SAM-like transform through applyGradients is a BasinError saying it needs minimize', () => {
    const w = tf.variable(tf.ones([2]), true, 'bo_bad_apply_w');
    const optimizer = basinOptimizer(samLike());
    const g = tf.ones([2]);
    const count = tf.memory().numTensors;
    expect(() => optimizer.applyGradients({ [w.name]: g })).toThrow(/^BasinOptimizer\.applyGradients: the transform asked for extras\.gradFn .*Call minimize\(f\) instead/);
    expect(vals(w)).toEqual([1, 1]);
    expect(tf.memory().numTensors).toBe(count);
    const own = basinOptimizer(microbatchLike());
    expect(() => own.applyGradients({ [w.name]: g })).toThrow(/^BasinOptimizer\.applyGradients: the transform computes its own gradients through extras\.gradFn/);
    expect(() => basinOptimizer(sgd({ learningRate: 0.1 })).applyGradients({ nope_not_a_variable: g })).toThrow(/^BasinOptimizer\.applyGradients: no variable named 'nope_not_a_variable'/);
    tf.dispose([w, g]);
  });

  it('minimize checks f, varList and the loss', () => {
    const w = tf.variable(tf.ones([2]), true, 'bo_bad_min_w');
    const frozen = tf.variable(tf.ones([2]), false, 'bo_bad_min_frozen');
    const optimizer = basinOptimizer(sgd({ learningRate: 0.1 }));
    const count = tf.memory().numTensors;
    expect(() => optimizer.minimize(3 as never)).toThrow(/^BasinOptimizer\.minimize: f must be a function/);
    expect(() => optimizer.minimize(() => tf.sum(w) as tf.Scalar, false, [frozen])).toThrow(/^BasinOptimizer\.minimize: none of the 1 variables in varList is trainable/);
    expect(() => optimizer.minimize(() => tf.sum(w) as tf.Scalar, false, [w, w])).toThrow(/varList holds the variable 'bo_bad_min_w' twice/);
    expect(() => optimizer.minimize(() => w as unknown as tf.Scalar, false, [w])).toThrow(/^BasinOptimizer\.minimize: the loss function must return a scalar tensor, got a tensor of shape \[2\]/);
    expect(() => optimizer.minimize(() => tf.scalar(1), false, [w])).toThrow(/^BasinOptimizer\.minimize: the loss does not depend on any of the 1 variables/);
    expect(() => optimizer.minimize(() => {
      throw new Error('boom');
    }, false, [w])).toThrow(/^BasinOptimizer\.minimize: boom/);
    expect(tf.memory().numTensors).toBe(count);
    expect(vals(w)).toEqual([1, 1]);
    optimizer.dispose();
    tf.dispose([w, frozen]);
  });
});
