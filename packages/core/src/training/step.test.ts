import { tf, expectClose, expectNoLeak, finiteDifferenceGradient } from '@basin/testing';
import { assertAllFinite, makeGradFn, step } from './step';
import { sgd } from '../aliases/sgd';
import { adam } from '../aliases/adam';
import { chain } from '../combinators/chain';
import { scale } from '../transforms/scale';
import type { Extras, Transform } from '../transform';
import { Tree, treeDispose } from '../tree';
import { expectBasinError, expectIntact, flatParams, leastSquares, snapshot, vals } from '../../test-helpers';

const problem = leastSquares(16);

describe('step', () => {
  it('sgd: returns the loss before the step and params - lr * gradient (finite differences)', () => {
    const params = problem.params();
    const batch = problem.batch();
    const opt = sgd({ learningRate: 0.1 });
    const state = opt.init(params);
    const v = flatParams(params);
    const result = step(opt, problem.lossFn, params, state, batch);
    expectClose(vals(result.loss), [problem.loss64(v)], 1e-5);
    const fd = finiteDifferenceGradient(problem.loss64, v);
    expectClose(flatParams(result.params), v.map((x, i) => x - 0.1 * fd[i]), 1e-5);
    expect(flatParams(params)).toEqual(v);
    treeDispose([params, batch, state, result]);
  });

  it('gives transforms extras.loss and an extras.gradFn for other params and microbatches', () => {
    const params = problem.params();
    const batch = problem.batch();
    const seen: { loss?: number; shifted?: number[]; shiftedLoss?: number; micro?: number[]; microLoss?: number } = {};
    const probe: Transform<null> = {
      init: () => null,
      update: (updates, state, p, extras?: Extras) => {
        seen.loss = vals(extras!.loss!)[0];
        const shifted = tf.tidy(() => ({ w: tf.add((p as { w: tf.Tensor }).w, 0.5), b: tf.clone((p as { b: tf.Tensor }).b) }));
        const a = extras!.gradFn!(shifted);
        const m = extras!.gradFn!(p!, { index: 1, count: 2 });
        seen.shifted = flatParams(a.grads);
        seen.shiftedLoss = vals(a.loss)[0];
        seen.micro = flatParams(m.grads);
        seen.microLoss = vals(m.loss)[0];
        treeDispose([shifted, a, m]);
        return [tf.tidy(() => ({ w: tf.zerosLike((updates as { w: tf.Tensor }).w), b: tf.zerosLike((updates as { b: tf.Tensor }).b) })), state];
      },
    };
    const v = flatParams(params);
    const vShifted = v.map((x, i) => (i < 6 ? x + 0.5 : x));
    const before = tf.memory().numTensors;
    const result = step(probe, problem.lossFn, params, null, batch);
    treeDispose(result);
    expect(tf.memory().numTensors).toBe(before);
    expectClose([seen.loss!], [problem.loss64(v)], 1e-5);
    expectClose([seen.shiftedLoss!], [problem.loss64(vShifted)], 1e-5);
    expectClose(seen.shifted!, finiteDifferenceGradient(problem.loss64, vShifted), 1e-4);
    // Microbatch 1 of 2 is rows 8..16.
    expectClose([seen.microLoss!], [problem.loss64(v, 8, 16)], 1e-5);
    expectClose(seen.micro!, finiteDifferenceGradient((x) => problem.loss64(x, 8, 16), v), 1e-4);
    treeDispose([params, batch]);
  });

  it('throws naming non-finite loss, gradients or updates; params and state unchanged, nothing leaked', () => {
    const params = problem.params();
    const opt = adam({ learningRate: 0.1 });
    // Take one step so the state holds non-trivial moments.
    const batch = problem.batch();
    const first = step(opt, problem.lossFn, params, opt.init(params), batch);
    first.loss.dispose();
    const state = first.state;
    const snap = snapshot([first.params, state, batch]);

    const nanBatch = { x: batch.x, y: tf.tensor2d([NaN, ...problem.Y.slice(1)], [16, 2]) };
    expectBasinError(() => step(opt, problem.lossFn, first.params, state, nanBatch), /^step: loss contains NaN or Infinity; params and optimizer state were left unchanged$/);

    // sqrt(|w|) is finite at w = 0 but its gradient is not.
    const sqrtLoss = (p: Tree) => tf.sum(tf.sqrt(tf.abs((p as { w: tf.Tensor }).w))) as tf.Scalar;
    const zeroW = { w: tf.zeros([3, 2]), b: tf.zeros([2]) };
    const zeroState = opt.init(zeroW);
    const zeroSnap = snapshot([zeroW, zeroState]);
    expectBasinError(() => step(opt, sqrtLoss, zeroW, zeroState, batch), /^step: gradients at 'w' contains NaN or Infinity/);
    expectIntact(zeroSnap);

    const huge = chain(scale(1e38), scale(1e38));
    expectBasinError(() => step(huge, problem.lossFn, first.params, [{}, {}], batch), /^step: updates at 'b' contains NaN or Infinity/);

    expectIntact(snap);
    // Everything is still usable: a good step goes through.
    const next = step(opt, problem.lossFn, first.params, state, batch);
    treeDispose([params, batch, first, nanBatch.y, zeroW, zeroState, next]);
  });

  it('lets non-finite values through with checkFinite: false', () => {
    const params = problem.params();
    const batch = problem.batch();
    const nanBatch = { x: batch.x, y: tf.fill([16, 2], NaN) as tf.Tensor2D };
    const opt = sgd({ learningRate: 0.1 });
    const result = step(opt, problem.lossFn, params, opt.init(params), nanBatch, { checkFinite: false });
    expect(Number.isNaN(vals(result.loss)[0])).toBe(true);
    expect(flatParams(result.params).every(Number.isNaN)).toBe(true);
    treeDispose([params, batch, nanBatch.y, result]);
  });

  it('passes on a transform\'s error for a state that does not fit, leaking nothing', () => {
    const params = problem.params();
    const batch = problem.batch();
    const opt = adam({ learningRate: 0.1 });
    const wrongState = opt.init({ w: tf.zeros([3, 2]) });
    const snap = snapshot([params, wrongState]);
    expectBasinError(() => step(opt, problem.lossFn, params, wrongState, batch), /^adam: the state does not belong to this adam and these updates: at state\[0\]\.mu missing \{b\}/);
    expectIntact(snap);
    treeDispose([params, batch, wrongState]);
  });

  it('does not leak across steps when the caller disposes what it replaces', () => {
    let params: Tree = problem.params();
    const batch = problem.batch();
    const opt = adam({ learningRate: 0.01 });
    let state = opt.init(params);
    expectNoLeak(() => {
      const r = step(opt, problem.lossFn, params, state, batch);
      treeDispose([params, state, r.loss]);
      params = r.params;
      state = r.state;
    });
    treeDispose([params, state, batch]);
  });
});

describe('step with a transform that computes its own gradients', () => {
  // Least squares on 6 rows cut into 3 chunks of 2: the transform averages the chunk gradients
  // at the current params, so its step must equal plain gradient descent.
  const X = [[1, 2], [0.5, -1], [3, 1], [-2, 0.5], [1, 1], [0, 2]];
  const Y = [1, 0, 2, -1, 0.5, 1];
  const loss = (p: Tree, b: { X: tf.Tensor; y: tf.Tensor }) =>
    tf.tidy(() => tf.mean(tf.square(tf.sub(tf.squeeze(tf.matMul(b.X as tf.Tensor2D, tf.reshape((p as { w: tf.Tensor }).w, [2, 1]) as tf.Tensor2D), [1]), b.y))) as tf.Scalar);
  const chunked = (calls: { atParams: boolean; sawUpdates: number[] }): Transform<object> => ({
    computesOwnGradients: true,
    init: () => ({}),
    update: (updates, state, params, extras) => {
      calls.sawUpdates = vals((updates as { w: tf.Tensor }).w);
      const parts = [0, 1, 2].map((index) => extras!.gradFn!(params!, { index, count: 3 }));
      calls.atParams = true;
      const mean = tf.tidy(() => tf.mul(tf.addN(parts.map((r) => (r.grads as { w: tf.Tensor }).w)), -0.1 / 3));
      treeDispose(parts);
      return [{ w: mean }, state];
    },
  });

  it('skips the full-batch gradient, passes zeros, and reports the chunk-weighted loss at the params', () => {
    const batch = { X: tf.tensor2d(X), y: tf.tensor1d(Y) };
    const params = { w: tf.tensor1d([0.3, -0.2]) };
    const calls = { atParams: false, sawUpdates: [] as number[] };
    const r = step(chunked(calls), loss, params, {}, batch);
    const plain = step(sgd({ learningRate: 0.1 }), loss, params, sgd({ learningRate: 0.1 }).init(params), batch);
    expect(calls.sawUpdates).toEqual([0, 0]);
    expectClose(vals((r.params as { w: tf.Tensor }).w), vals((plain.params as { w: tf.Tensor }).w), 1e-6);
    expectClose(vals(r.loss), vals(plain.loss), 1e-6);
    treeDispose([r, plain, params, batch]);
  });

  it('leaks nothing', () => {
    const batch = { X: tf.tensor2d(X), y: tf.tensor1d(Y) };
    const params = { w: tf.tensor1d([0.3, -0.2]) };
    const t = chunked({ atParams: false, sawUpdates: [] });
    expectNoLeak(() => treeDispose(step(t, loss, params, {}, batch)));
    treeDispose([params, batch]);
  });
});

describe('makeGradFn', () => {
  it('gives loss and gradients on the whole batch or a microbatch, leaking nothing', () => {
    const params = problem.params();
    const batch = problem.batch();
    const gradFn = makeGradFn(problem.lossFn, batch);
    const v = flatParams(params);
    const whole = gradFn(params);
    const first = gradFn(params, { index: 0, count: 4 });
    expectClose(flatParams(whole.grads), finiteDifferenceGradient(problem.loss64, v), 1e-4);
    expectClose(vals(first.loss), [problem.loss64(v, 0, 4)], 1e-5);
    expectClose(flatParams(first.grads), finiteDifferenceGradient((x) => problem.loss64(x, 0, 4), v), 1e-4);
    expectNoLeak(() => treeDispose(gradFn(params, { index: 2, count: 3 })));
    treeDispose([params, batch, whole, first]);
  });
});

describe('assertAllFinite', () => {
  it('names the first tree and leaf that is not finite', () => {
    const ok = { a: tf.ones([2]) };
    const bad = { a: tf.ones([2]), b: [tf.tensor1d([1, -Infinity])] };
    const nan = tf.scalar(NaN);
    const one = tf.scalar(1);
    expect(() => assertAllFinite([['loss', one], ['grads', ok]])).not.toThrow();
    expect(() => assertAllFinite([])).not.toThrow();
    expectBasinError(() => assertAllFinite([['grads', ok], ['updates', bad]]), /^updates at 'b\[0\]' contains NaN or Infinity/);
    expectBasinError(() => assertAllFinite([['loss', nan], ['updates', bad]]), /^loss contains NaN/);
    treeDispose([ok, bad, nan, one]);
  });
});
