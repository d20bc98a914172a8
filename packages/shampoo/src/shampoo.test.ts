import { tf, expectClose, expectNoLeak } from '@basin/testing';
import {
  addDecayedWeights,
  adamw,
  chain,
  decodeTree,
  isBasinError,
  ModelTrainer,
  scaleByLearningRate,
  step,
  trace,
  treeDispose,
  type EncodedTree,
  type LayersModelLike,
  type StepResult,
  type Transform,
  type Tree,
} from '@basin/core';
import { shampoo, type ShampooOptimizerState } from './shampoo';
import { scaleByShampoo } from './scale-by-shampoo';
import { gaussian } from '../test-helpers';

type T = Record<string, tf.Tensor>;

/** A small least-squares problem: loss 0.5 mean ||X w + b - Y||^2, exact optimum by normal equations. */
function problem() {
  const X = tf.tensor2d(gaussian(1, 32 * 5), [32, 5]);
  const wTrue = tf.tensor2d(gaussian(2, 5 * 3), [5, 3]);
  const Y = tf.add(tf.matMul(X, wTrue), 0.5);
  const loss = (p: Tree, batch: T) =>
    tf.tidy(() => tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.sub(tf.add(tf.matMul(batch.X, (p as T).w), (p as T).b), batch.Y)), 1)))) as tf.Scalar;
  return { batch: { X, Y }, loss, wTrue };
}

// Any optimizer whose state is an array (shampoo's and AdamW's are chains).
function train(opt: Transform<unknown[]>, steps: number) {
  const { batch, loss, wTrue } = problem();
  let params: Tree = { w: tf.zeros([5, 3]), b: tf.zeros([3]) };
  let state: unknown[] = opt.init(params);
  let last = Infinity;
  for (let i = 0; i < steps; i++) {
    const r: StepResult<unknown[]> = step(opt, loss, params, state, batch);
    treeDispose([params, state]);
    params = r.params;
    state = r.state;
    last = r.loss.dataSync()[0];
    r.loss.dispose();
  }
  const w = (params as T).w.dataSync().slice();
  const b = (params as T).b.dataSync().slice();
  const truth = wTrue.dataSync().slice();
  treeDispose([params, state, batch, wTrue]);
  return { last, w, b, truth };
}

describe('shampoo', () => {
  it('is scaleByShampoo, momentum, decoupled weight decay and the learning rate, in that order', () => {
    const o = { beta2: 0.95, epsilon: 1e-4, grafting: 'rmsprop' as const };
    const a = shampoo({ ...o, learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 });
    const b = chain(scaleByShampoo(o), trace({ decay: 0.9, nesterov: true }), addDecayedWeights({ weightDecay: 0.01 }), scaleByLearningRate(0.1));
    const params = { w: tf.tensor2d(gaussian(3, 6), [3, 2]) };
    let sa = a.init(params);
    let sb = b.init(params);
    for (let k = 0; k < 3; k++) {
      const g = { w: tf.tensor2d(gaussian(10 + k, 6), [3, 2]) };
      const [ua, na] = a.update(g, sa, params);
      const [ub, nb] = b.update(g, sb, params);
      expectClose((ua as T).w.dataSync(), (ub as T).w.dataSync(), 1e-6);
      treeDispose([g, ua, ub, sa, sb]);
      sa = na;
      sb = nb;
    }
    treeDispose([params, sa, sb]);
  });

  it('solves a least-squares problem (w to the normal-equation optimum)', () => {
    const { last, w, b, truth } = train(shampoo({ learningRate: 0.05, grafting: 'rmsprop', momentum: 0.9, epsilon: 1e-6 }), 200);
    expect(last).toBeLessThan(1e-5);
    expectClose(w, truth, 1e-2);
    expectClose(b, [0.5, 0.5, 0.5], 1e-2);
  });

  it('reaches a lower loss than AdamW on this problem at the same learning rate and step count', () => {
    // A sanity check of the preconditioning on one small problem, not a general claim.
    const ours = train(shampoo({ learningRate: 0.02, grafting: 'rmsprop', epsilon: 1e-6 }), 40).last;
    const theirs = train(adamw({ learningRate: 0.02 }), 40).last;
    expect(ours).toBeLessThan(theirs);
  });

  it('leaks no tensors through step()', () => {
    const { batch, loss, wTrue } = problem();
    const opt = shampoo({ learningRate: 0.01, momentum: 0.9, weightDecay: 1e-3, updateEvery: 2 });
    let params: Tree = { w: tf.zeros([5, 3]), b: tf.zeros([3]) };
    let state = opt.init(params);
    expectNoLeak(() => {
      const r: StepResult<ShampooOptimizerState> = step(opt, loss, params, state, batch);
      treeDispose([params, state, r.loss]);
      params = r.params;
      state = r.state;
    }, 4);
    treeDispose([params, state, batch, wTrue]);
  });

  it('rejects a bad learning rate or momentum', () => {
    expect(() => shampoo({ learningRate: NaN })).toThrow(/learningRate must be a finite number/);
    expect(() => shampoo({ learningRate: 0.1, momentum: 1.5 })).toThrow(/^shampoo: momentum must be a number >= 0 and < 1, got 1.5/);
  });

  it('resumes a ModelTrainer checkpoint in another model (weights renamed), and refuses one from before states were keyed by path', () => {
    const makeModel = () =>
      tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 3, activation: 'tanh', kernelInitializer: 'glorotUniform' }), tf.layers.dense({ units: 2 })] });
    const opt = () => shampoo({ learningRate: 0.05, momentum: 0.9 });
    const xs = tf.tensor2d(gaussian(7, 32), [8, 4]);
    const ys = tf.tensor2d(gaussian(8, 16), [8, 2]);
    const first = makeModel();
    const a = new ModelTrainer(first as unknown as LayersModelLike, { transform: opt(), loss: 'meanSquaredError' });
    a.trainOnBatch(xs, ys);
    const saved = JSON.parse(JSON.stringify(a.save()));
    // The optimizer state is keyed by the first model's weight names.
    const keys = Object.keys(saved.state[0].leaves).sort();
    expect(keys).toEqual(first.trainableWeights.map((w) => w.name).sort());

    // Another model of the same architecture has other weight names; the state follows them.
    const second = makeModel();
    const b = new ModelTrainer(second as unknown as LayersModelLike, { transform: opt(), loss: 'meanSquaredError' });
    b.restore(saved);
    const next = a.trainOnBatch(xs, ys);
    expect(b.trainOnBatch(xs, ys)).toBeCloseTo(next, 5);

    // The same checkpoint as 0.1 wrote it: per-parameter entries in an array, in key order.
    const old = JSON.parse(JSON.stringify(saved));
    old.state[0].leaves = Object.keys(saved.params).map((name: string) => saved.state[0].leaves[name] as EncodedTree);
    const third = makeModel();
    const c = new ModelTrainer(third as unknown as LayersModelLike, { transform: opt(), loss: 'meanSquaredError' });
    // Refused at restore, before the trainer takes anything: the state's structure is checked
    // against the transform's own init (core), naming shampoo and the path.
    const before = tf.memory().numTensors;
    let error: unknown;
    try {
      c.restore(old);
    } catch (e) {
      error = e;
    }
    expect(isBasinError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^ModelTrainer\.restore: the checkpoint's optimizer state does not fit this trainer's transform \(shampoo\): at state\[0\]\.leaves expected a record .* got an array of length 4$/);
    expect(tf.memory().numTensors).toBe(before);
    expect(c.steps).toBe(0);
    // Handed to the transform directly, the old form gets shampoo's own explanation.
    const oldState = decodeTree(old.state);
    const direct = opt();
    let directError: unknown;
    try {
      direct.update(c.params() as never, oldState, c.params() as never);
    } catch (e) {
      directError = e;
    }
    expect((directError as Error).message).toMatch(/this state was saved by an earlier @basin\/shampoo that stored per-parameter state by position/);
    treeDispose(oldState);
    for (const t of [a, b, c]) t.dispose();
    for (const m of [first, second, third]) m.dispose();
    treeDispose([xs, ys]);
  });
});
