import { expectClose, finiteDifferenceGradient } from '@basin/testing';
import { lookahead, LookaheadState } from './lookahead';
import { sgd } from '../aliases/sgd';
import { adam } from '../aliases/adam';
import { chain } from '../combinators/chain';
import { scale } from '../transforms/scale';
import { Trainer } from '../training/trainer';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, flatParams, leafValues, leastSquares, makeTree, runTransform } from '../../test-helpers';
import { reversedKeys, samLike, stateValues, trainSteps } from '../../test-helpers/wrappers';

const problem = leastSquares(16);

/**
 * Float64 lookahead around sgd with heavy-ball momentum on the least-squares loss (the
 * two-loop form of Zhang et al. 2019, Algorithm 1, as optax/_src/lookahead.py unrolls it):
 * fast steps, and every k-th step `slow += alpha (fast - slow)`, `fast = slow`.
 */
function reference(steps: number, k: number, alpha: number, lr: number, momentum: number, resetState = false): number[][] {
  const start = problem.params();
  let fast = flatParams(start);
  treeDispose(start);
  let slow = fast.slice();
  let trace = fast.map(() => 0);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const g = finiteDifferenceGradient((v) => problem.loss64(v), fast);
    trace = trace.map((m, i) => g[i] + momentum * m);
    fast = fast.map((w, i) => w - lr * trace[i]);
    if ((t + 1) % k === 0) {
      slow = slow.map((s, i) => s + alpha * (fast[i] - s));
      fast = slow.slice();
      if (resetState) trace = trace.map(() => 0);
    }
    out.push(fast);
  }
  return out;
}

const flat = (p: Record<string, number[]>) => [...p.w, ...p.b];

describe('lookahead', () => {
  it('with syncPeriod 1 and slowStepSize 1 is exactly the fast optimizer', () => {
    const batch = problem.batch();
    const params = problem.params();
    const a = trainSteps(lookahead(adam({ learningRate: 0.05 }), { syncPeriod: 1, slowStepSize: 1 }), problem.lossFn, params, Array(5).fill(batch));
    const b = trainSteps(adam({ learningRate: 0.05 }), problem.lossFn, params, Array(5).fill(batch));
    expect(a.trajectory).toEqual(b.trajectory);
    expect(stateValues((a.state as LookaheadState).fastState)).toEqual(stateValues(b.state));
    treeDispose([batch, params, a.params, a.state, b.params, b.state]);
  });

  it('matches a float64 reference of the two-loop algorithm (1e-5), with and without resetState', () => {
    const batch = problem.batch();
    const params = problem.params();
    for (const resetState of [false, true]) {
      const opt = lookahead(sgd({ learningRate: 0.1, momentum: 0.5 }), { syncPeriod: 3, slowStepSize: 0.5, resetState });
      const run = trainSteps(opt, problem.lossFn, params, Array(8).fill(batch));
      const expected = reference(8, 3, 0.5, 0.1, 0.5, resetState);
      run.trajectory.forEach((p, t) => expectClose(flat(p), expected[t], 1e-5));
      // Two steps after the last synchronisation (step 6), the slow weights are those of step 6.
      const state = run.state as LookaheadState;
      expect(state.stepsSinceSync).toBe(2);
      expectClose(flatParams(state.slow), expected[5], 1e-5);
      treeDispose([run.params, run.state]);
    }
    treeDispose([batch, params]);
  });

  it('refuses bad arguments and a missing params tree, naming lookahead and the argument', () => {
    const fast = sgd({ learningRate: 0.1 });
    expectBasinError(() => lookahead(null as never, { syncPeriod: 2, slowStepSize: 0.5 }), /^lookahead: fast must be a Basin transform/);
    expectBasinError(() => lookahead(fast, undefined as never), /^lookahead: options must be an options record/);
    expectBasinError(() => lookahead(fast, { syncPeriod: 0, slowStepSize: 0.5 }), /^lookahead: syncPeriod must be an integer >= 1, got 0/);
    expectBasinError(() => lookahead(fast, { syncPeriod: 1.5, slowStepSize: 0.5 }), /^lookahead: syncPeriod must be an integer >= 1/);
    expectBasinError(() => lookahead(fast, { syncPeriod: 2, slowStepSize: 1.5 }), /^lookahead: slowStepSize must be a number >= 0 and <= 1, got 1.5/);
    expectBasinError(() => lookahead(fast, { syncPeriod: 2 } as never), /^lookahead: slowStepSize must be a finite number, got undefined/);
    expectBasinError(() => lookahead(fast, { syncPeriod: 2, slowStepSize: 0.5, resetState: 1 as never }), /^lookahead: resetState must be true or false, got number 1$/);
    const t = lookahead(fast, { syncPeriod: 2, slowStepSize: 0.5 });
    const params = makeTree(1);
    const state = t.init(params);
    const g = makeTree(2);
    expectBasinError(() => t.update(g, state), /^lookahead: update needs params/);
    treeDispose([params, state, g]);
  });

  it('gives identical results for trees whose record keys were inserted in reverse order', () => {
    const params = makeTree(4);
    const reversedParams = reversedKeys(params);
    const make = () => lookahead(adam({ learningRate: 0.1 }), { syncPeriod: 2, slowStepSize: 0.5 });
    const grads = (k: number) => makeTree(40 + k);
    const a = runTransform(make(), params, grads, 5);
    const b = runTransform(make(), reversedParams, (k) => {
      const g = grads(k);
      const r = reversedKeys(g);
      treeDispose(g);
      return r;
    }, 5);
    expect(b).toEqual(a);
    treeDispose([params, reversedParams]);
  });

  it('works inside chain and passes extras to a SAM-like fast optimizer', () => {
    const batch = problem.batch();
    const params = problem.params();
    const wrapped = chain(scale(1), lookahead(chain(samLike(0.05), sgd({ learningRate: 0.1 })), { syncPeriod: 1, slowStepSize: 1 }));
    const a = trainSteps(wrapped, problem.lossFn, params, Array(3).fill(batch));
    const b = trainSteps(chain(samLike(0.05), sgd({ learningRate: 0.1 })), problem.lossFn, params, Array(3).fill(batch));
    expect(a.trajectory).toEqual(b.trajectory);
    treeDispose([batch, params, a.params, a.state, b.params, b.state]);
  });

  it('resumes from a Trainer checkpoint between synchronisations on exactly the same trajectory', () => {
    const batch = problem.batch();
    const make = () => new Trainer({ transform: lookahead(adam({ learningRate: 0.05 }), { syncPeriod: 3, slowStepSize: 0.5 }), loss: problem.lossFn, params: problem.params() });
    const a = make();
    for (let i = 0; i < 4; i++) a.step(batch);
    const saved = JSON.parse(JSON.stringify(a.save()));
    for (let i = 0; i < 4; i++) a.step(batch);
    const b = make();
    b.restore(saved);
    for (let i = 0; i < 4; i++) b.step(batch);
    expect(leafValues(b.params)).toEqual(leafValues(a.params));
    expect(stateValues(b.state)).toEqual(stateValues(a.state));
    a.dispose();
    b.dispose();
    treeDispose(batch);
  });
});

describeContract('lookahead', { make: () => lookahead(adam({ learningRate: 0.1 }), { syncPeriod: 2, slowStepSize: 0.5 }), perLeafState: true, readsParams: true });
describeContract('lookahead (resetState)', { make: () => lookahead(sgd({ learningRate: 0.1, momentum: 0.9 }), { syncPeriod: 2, slowStepSize: 0.5, resetState: true }), perLeafState: true, readsParams: true });
