import { tf, expectClose, finiteDifferenceGradient } from '@basin/testing';
import { scheduleFree, scheduleFreeAdamw, scheduleFreeEvalParams, scheduleFreeSgd, ScheduleFreeState } from './schedule-free';
import { sgd } from '../aliases/sgd';
import { adam } from '../aliases/adam';
import { chain } from '../combinators/chain';
import { scale } from '../transforms/scale';
import { Trainer } from '../training/trainer';
import { Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, expectIntact, flatParams, leafValues, leastSquares, makeTree, runTransform, snapshot } from '../../test-helpers';
import { reversedKeys, samLike, SamLikeState, stateValues, trainSteps } from '../../test-helpers/wrappers';

const problem = leastSquares(16);

/**
 * Float64 port of optax's schedule_free update (optax/contrib/_schedule_free.py) on the
 * least-squares loss (central differences are exact on a quadratic up to rounding). `base`
 * turns the gradient at y into the base optimizer's update, given its 0-based step and y.
 * Returns, per step, the params y and the evaluation point x.
 */
function reference(
  steps: number,
  { lr, b1, weightLrPower }: { lr: (count: number) => number; b1: number; weightLrPower: number },
  base: (g: number[], t: number, y: number[]) => number[],
): { y: number[]; x: number[] }[] {
  const start = problem.params();
  let y = flatParams(start);
  treeDispose(start);
  let z = y.slice();
  let weightSum = 0;
  let maxLr = 0;
  const out: { y: number[]; x: number[] }[] = [];
  for (let t = 0; t < steps; t++) {
    const stepCount = t + 1;
    maxLr = Math.max(maxLr, lr(stepCount));
    const weight = Math.pow(maxLr, weightLrPower);
    weightSum += weight;
    const ratio = weight / weightSum;
    const ck = Number.isNaN(ratio) ? 0 : ratio;
    const g = finiteDifferenceGradient((v) => problem.loss64(v), y);
    const u = base(g, t, y);
    const zNext = z.map((zi, i) => zi + u[i]);
    const prevX = y.map((yi, i) => (yi - (1 - b1) * z[i]) / b1);
    const x = prevX.map((xi, i) => (1 - ck) * xi + ck * zNext[i]);
    y = x.map((xi, i) => b1 * xi + (1 - b1) * zNext[i]);
    z = zNext;
    out.push({ y, x });
  }
  return out;
}

const warmup = (peak: number, steps: number) => (count: number) => (count < steps ? (peak * count) / steps : peak);

/** Trains and returns, per step, the params and the evaluation params. */
function run(t: ReturnType<typeof scheduleFreeSgd>, steps: number) {
  const batch = problem.batch();
  const params = problem.params();
  let p: Tree = params;
  let state = t.init(params);
  const out: { y: number[]; x: number[] }[] = [];
  for (let k = 0; k < steps; k++) {
    const next = stepOnce(t, p, state, batch);
    if (p !== params) treeDispose(p);
    treeDispose(state);
    p = next.params;
    state = next.state;
    const x = scheduleFreeEvalParams(state, p);
    out.push({ y: flatParams(p), x: flatParams(x) });
    treeDispose(x);
  }
  treeDispose([batch, params, p, state]);
  return out;
}

function stepOnce(t: ReturnType<typeof scheduleFreeSgd>, params: Tree, state: ScheduleFreeState, batch: Tree) {
  const g = tf.tidy(() => {
    const { w, b } = params as { w: tf.Tensor; b: tf.Tensor };
    const [gw, gb] = tf.grads((w2: tf.Tensor, b2: tf.Tensor) => problem.lossFn({ w: w2, b: b2 } as Tree, batch as never))([w, b]);
    return { w: gw, b: gb };
  });
  const [u, next] = t.update(g, state, params);
  const p = tf.tidy(() => ({ w: tf.add((params as { w: tf.Tensor }).w, (u as { w: tf.Tensor }).w), b: tf.add((params as { b: tf.Tensor }).b, (u as { b: tf.Tensor }).b) }));
  treeDispose([g, u]);
  return { params: p as Tree, state: next };
}

describe('scheduleFree', () => {
  it('scheduleFreeSgd with warmup and weight decay matches a float64 port of optax (params and eval params, 1e-5)', () => {
    const lr = warmup(0.2, 3);
    const wd = 0.01;
    const expected = reference(7, { lr, b1: 0.9, weightLrPower: 2 }, (g, t, y) => g.map((gi, i) => -lr(t) * (gi + wd * y[i])));
    const actual = run(scheduleFreeSgd({ learningRate: 0.2, warmupSteps: 3, weightDecay: wd }), 7);
    actual.forEach((s, t) => {
      expectClose(s.y, expected[t].y, 1e-5);
      expectClose(s.x, expected[t].x, 1e-5);
    });
  });

  it('scheduleFreeAdamw matches a float64 port of optax (bias-corrected RMS, decoupled decay; 1e-5)', () => {
    const [lr, b1, b2, eps, wd] = [0.05, 0.8, 0.99, 1e-8, 0.1];
    let nu: number[] = [];
    const expected = reference(6, { lr: () => lr, b1, weightLrPower: 1 }, (g, t, y) => {
      if (t === 0) nu = g.map(() => 0);
      nu = nu.map((v, i) => b2 * v + (1 - b2) * g[i] * g[i]);
      return g.map((gi, i) => -lr * (gi / (Math.sqrt(nu[i] / (1 - Math.pow(b2, t + 1))) + eps) + wd * y[i]));
    });
    const actual = run(scheduleFreeAdamw({ learningRate: lr, b1, b2, eps, weightDecay: wd, weightLrPower: 1 }), 6);
    actual.forEach((s, t) => {
      expectClose(s.y, expected[t].y, 1e-5);
      expectClose(s.x, expected[t].x, 1e-5);
    });
  });

  it('the wrapper around a schedule matches the reference; eval params at init are the params', () => {
    const lr = (count: number) => 0.1 / (1 + 0.1 * count);
    const expected = reference(5, { lr, b1: 0.5, weightLrPower: 2 }, (g, t) => g.map((gi) => -lr(t) * gi));
    const actual = run(scheduleFree(sgd({ learningRate: lr }), { learningRate: lr, b1: 0.5 }) as never, 5);
    actual.forEach((s, t) => expectClose(s.y, expected[t].y, 1e-5));
    const params = makeTree(1);
    const state = scheduleFreeSgd().init(params);
    const x = scheduleFreeEvalParams(state, params);
    const [a, b] = [leafValues(x), leafValues(params)];
    for (const path of Object.keys(b)) expectClose(a[path], b[path], 1e-6);
    treeDispose([params, state, x]);
  });

  it('refuses bad arguments, naming the function and the argument', () => {
    const base = sgd({ learningRate: 0.1 });
    expectBasinError(() => scheduleFree(null as never, { learningRate: 0.1 }), /^scheduleFree: base must be a Basin transform/);
    expectBasinError(() => scheduleFree(base, undefined as never), /^scheduleFree: options must be an options record/);
    expectBasinError(() => scheduleFree(base, {} as never), /^scheduleFree: learningRate must be a finite number, got undefined/);
    expectBasinError(() => scheduleFree(base, { learningRate: 0.1, b1: 0 }), /^scheduleFree: b1 must be a number > 0 and <= 1, got 0/);
    expectBasinError(() => scheduleFree(base, { learningRate: 0.1, weightLrPower: -1 }), /^scheduleFree: weightLrPower must be a number >= 0, got -1/);
    expectBasinError(() => scheduleFreeSgd(null as never), /^scheduleFreeSgd: options must be an options record/);
    expectBasinError(() => scheduleFreeSgd({ learningRate: -1 }), /^scheduleFreeSgd: learningRate must be a number >= 0, got -1/);
    expectBasinError(() => scheduleFreeSgd({ warmupSteps: 0 }), /^scheduleFreeSgd: warmupSteps must be an integer >= 1, got 0/);
    expectBasinError(() => scheduleFreeSgd({ b1: 1.5 }), /^scheduleFreeSgd: b1 must be a number > 0 and <= 1, got 1.5/);
    expectBasinError(() => scheduleFreeSgd({ weightDecay: -0.1 }), /^scheduleFreeSgd: weightDecay must be a number >= 0, got -0.1/);
    expectBasinError(() => scheduleFreeAdamw({ b2: 1 }), /^scheduleFreeAdamw: b2 must be a number >= 0 and < 1, got 1/);
    expectBasinError(() => scheduleFreeAdamw({ eps: -1 }), /^scheduleFreeAdamw: eps must be a number >= 0, got -1/);
    expectBasinError(() => scheduleFreeAdamw({ warmupSteps: 2.5 }), /^scheduleFreeAdamw: warmupSteps must be an integer >= 1, got 2.5/);
    // A schedule is checked when called; update needs params; state and params intact.
    const t = scheduleFree(base, { learningRate: () => NaN });
    const params = makeTree(1);
    const state = t.init(params);
    const g = makeTree(2);
    const snap = snapshot([params, state, g]);
    expectBasinError(() => t.update(g, state, params), /^scheduleFree: learningRate \(schedule at step 1\) must be a finite number, got NaN/);
    expectBasinError(() => t.update(g, state), /^scheduleFree: update needs params/);
    expectIntact(snap);
    // scheduleFreeEvalParams checks its input.
    const adamState = adam({ learningRate: 0.1 }).init(params);
    expectBasinError(() => scheduleFreeEvalParams(adamState as never, params), /^scheduleFreeEvalParams: state must be the state of a scheduleFree transform/);
    expectBasinError(() => scheduleFreeEvalParams(state, undefined as never), /^scheduleFreeEvalParams: params must be the current params tree/);
    const wrong = { dense: { kernel: tf.zeros([3, 2]), bias: tf.zeros([5]) }, gain: tf.scalar(0) };
    expectBasinError(() => scheduleFreeEvalParams(state, wrong), /^scheduleFreeEvalParams: params does not match state\.z at 'dense\.bias'/);
    treeDispose([params, state, g, wrong, adamState]);
  });

  it('gives identical results for trees whose record keys were inserted in reverse order', () => {
    const params = makeTree(4);
    const reversedParams = reversedKeys(params);
    const grads = (k: number) => makeTree(120 + k);
    const make = () => scheduleFreeAdamw({ learningRate: 0.1, warmupSteps: 2, weightDecay: 0.1 });
    const a = runTransform(make(), params, grads, 4);
    const b = runTransform(make(), reversedParams, (k) => {
      const g = grads(k);
      const r = reversedKeys(g);
      treeDispose(g);
      return r;
    }, 4);
    expect(b).toEqual(a);
    treeDispose([params, reversedParams]);
  });

  it('works inside chain around a SAM-like base optimizer, which gets extras at every step', () => {
    const batch = problem.batch();
    const params = problem.params();
    const make = () => scheduleFree(chain(samLike(0.05), sgd({ learningRate: 0.1 })), { learningRate: 0.1 });
    const a = trainSteps(chain(scale(1), make()), problem.lossFn, params, Array(3).fill(batch));
    const b = trainSteps(make(), problem.lossFn, params, Array(3).fill(batch));
    expect(a.trajectory).toEqual(b.trajectory);
    const state = (a.state as unknown[])[1] as ScheduleFreeState;
    expect(((state.baseOptimizerState as unknown[])[0] as SamLikeState).calls).toBe(3);
    treeDispose([batch, params, a.params, a.state, b.params, b.state]);
  });

  it('resumes from a Trainer checkpoint on exactly the same trajectory', () => {
    const batch = problem.batch();
    const make = () => new Trainer({ transform: scheduleFreeAdamw({ learningRate: 0.05, warmupSteps: 3 }), loss: problem.lossFn, params: problem.params() });
    const a = make();
    for (let i = 0; i < 3; i++) a.step(batch);
    const saved = JSON.parse(JSON.stringify(a.save()));
    for (let i = 0; i < 3; i++) a.step(batch);
    const b = make();
    b.restore(saved);
    for (let i = 0; i < 3; i++) b.step(batch);
    expect(leafValues(b.params)).toEqual(leafValues(a.params));
    expect(stateValues(b.state)).toEqual(stateValues(a.state));
    a.dispose();
    b.dispose();
    treeDispose(batch);
  });
});

describeContract('scheduleFreeSgd', { make: () => scheduleFreeSgd({ learningRate: 0.1, warmupSteps: 2, weightDecay: 0.01 }), perLeafState: true, readsParams: true });
describeContract('scheduleFreeAdamw', { make: () => scheduleFreeAdamw({ learningRate: 0.1 }), perLeafState: true, readsParams: true });
describeContract('scheduleFree', { make: () => scheduleFree(adam({ learningRate: 0.1, b1: 0 }), { learningRate: 0.1 }), perLeafState: true, readsParams: true });
