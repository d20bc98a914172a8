import { tf, expectClose } from '@basin/testing';
import { averagedParams, averageParams, AverageParamsState } from './average-params';
import { sgd } from '../aliases/sgd';
import { adam } from '../aliases/adam';
import { chain } from '../combinators/chain';
import { scale } from '../transforms/scale';
import { Trainer } from '../training/trainer';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, expectIntact, flatParams, leafValues, leastSquares, makeTree, runTransform, snapshot } from '../../test-helpers';
import { reversedKeys, samLike, stateValues, trainSteps } from '../../test-helpers/wrappers';

const problem = leastSquares(16);
const flat = (p: Record<string, number[]>) => [...p.w, ...p.b];

describe('averageParams', () => {
  it('running mean from start, every c steps (SWA): float64 mean of the sampled iterates (1e-6); training unchanged', () => {
    const batch = problem.batch();
    const params = problem.params();
    const make = () => sgd({ learningRate: 0.1, momentum: 0.9 });
    const run = trainSteps(averageParams(make(), { start: 3, every: 2 }), problem.lossFn, params, Array(9).fill(batch));
    const plain = trainSteps(make(), problem.lossFn, params, Array(9).fill(batch));
    expect(run.trajectory).toEqual(plain.trajectory);
    // Steps n = 4, 6, 8 are sampled (n >= 3 and n a multiple of 2).
    const sampled = [4, 6, 8].map((n) => flat(run.trajectory[n - 1]));
    const mean = sampled[0].map((_, i) => sampled.reduce((s, v) => s + v[i], 0) / sampled.length);
    const state = run.state as AverageParamsState;
    expect(state.samples).toBe(3);
    const avg = averagedParams(state);
    expectClose(flatParams(avg), mean, 1e-6);
    treeDispose([batch, params, run.params, run.state, plain.params, plain.state, avg]);
  });

  it('EMA of the params: float64 reference of optax ema applied to the iterates, debiased or not (1e-6)', () => {
    const batch = problem.batch();
    const params = problem.params();
    for (const debias of [true, false]) {
      const run = trainSteps(averageParams(adam({ learningRate: 0.05 }), { decay: 0.8, debias }), problem.lossFn, params, Array(6).fill(batch));
      let m = flat(run.trajectory[0]).map(() => 0);
      run.trajectory.forEach((p) => {
        m = m.map((a, i) => 0.8 * a + 0.2 * flat(p)[i]);
      });
      const expected = debias ? m.map((a) => a / (1 - Math.pow(0.8, 6))) : m;
      const avg = averagedParams(run.state as AverageParamsState);
      expectClose(flatParams(avg), expected, 1e-6);
      treeDispose([run.params, run.state, avg]);
    }
    treeDispose([batch, params]);
  });

  it('averagedParams refuses a state with no samples yet, another transform\'s state, and a disposed one', () => {
    const params = makeTree(1);
    const t = averageParams(sgd({ learningRate: 0.1 }), { start: 5 });
    const state = t.init(params);
    expectBasinError(() => averagedParams(state), /^averagedParams: no params averaged yet \(0 steps taken/);
    const other = adam({ learningRate: 0.1 }).init(params);
    expectBasinError(() => averagedParams(other as never), /^averagedParams: state must be the state of an averageParams transform/);
    expectBasinError(() => averagedParams(undefined as never), /^averagedParams: state must be the state of an averageParams transform/);
    const g = makeTree(2);
    const [u, s1] = t.update(g, state, params);
    treeDispose(state);
    expectBasinError(() => averagedParams(state), /^averagedParams: state.average holds a disposed tensor/);
    treeDispose([params, other, g, u, s1]);
  });

  it('refuses bad arguments and a missing params tree, naming averageParams and the argument', () => {
    const inner = sgd({ learningRate: 0.1 });
    expectBasinError(() => averageParams({} as never), /^averageParams: inner must be a Basin transform/);
    expectBasinError(() => averageParams(inner, null as never), /^averageParams: options must be an options record/);
    expectBasinError(() => averageParams(inner, { decay: 1 }), /^averageParams: decay must be a number >= 0 and < 1, got 1/);
    expectBasinError(() => averageParams(inner, { debias: 0 as never }), /^averageParams: debias must be true or false, got number 0$/);
    expectBasinError(() => averageParams(inner, { start: -1 }), /^averageParams: start must be an integer >= 0, got -1/);
    expectBasinError(() => averageParams(inner, { every: 0 }), /^averageParams: every must be an integer >= 1, got 0/);
    const t = averageParams(inner);
    const params = makeTree(1);
    const state = t.init(params);
    const g = makeTree(2);
    const snap = snapshot([params, state, g]);
    expectBasinError(() => t.update(g, state), /^averageParams: update needs params/);
    expectIntact(snap);
    treeDispose([params, state, g]);
  });

  it('gives identical results for trees whose record keys were inserted in reverse order', () => {
    const params = makeTree(4);
    const reversedParams = reversedKeys(params);
    const grads = (k: number) => makeTree(60 + k);
    const run = (p: typeof params, reverse: boolean) => {
      const t = averageParams(adam({ learningRate: 0.1 }), { decay: 0.9 });
      let state = t.init(p);
      for (let k = 0; k < 4; k++) {
        const g0 = grads(k);
        const g = reverse ? reversedKeys(g0) : g0;
        const [u, s] = t.update(g, state, p);
        treeDispose([g0, g, u, state]);
        state = s;
      }
      const avg = averagedParams(state);
      const values = leafValues(avg);
      treeDispose([avg, state]);
      return values;
    };
    expect(run(reversedParams, true)).toEqual(run(params, false));
    expect(runTransform(averageParams(adam({ learningRate: 0.1 })), reversedParams, grads, 3)).toEqual(runTransform(averageParams(adam({ learningRate: 0.1 })), params, grads, 3));
    treeDispose([params, reversedParams]);
  });

  it('works inside chain and passes extras to a SAM-like inner', () => {
    const batch = problem.batch();
    const params = problem.params();
    const a = trainSteps(chain(scale(1), averageParams(chain(samLike(0.05), sgd({ learningRate: 0.1 })))), problem.lossFn, params, Array(3).fill(batch));
    const b = trainSteps(chain(samLike(0.05), sgd({ learningRate: 0.1 })), problem.lossFn, params, Array(3).fill(batch));
    expect(a.trajectory).toEqual(b.trajectory);
    const avg = averagedParams((a.state as unknown[])[1] as AverageParamsState);
    const mean = flat(a.trajectory[0]).map((_, i) => (flat(a.trajectory[0])[i] + flat(a.trajectory[1])[i] + flat(a.trajectory[2])[i]) / 3);
    expectClose(flatParams(avg), mean, 1e-6);
    treeDispose([batch, params, a.params, a.state, b.params, b.state, avg]);
  });

  it('keeps the average through a Trainer checkpoint', () => {
    const batch = problem.batch();
    const make = () => new Trainer({ transform: averageParams(adam({ learningRate: 0.05 }), { every: 2 }), loss: problem.lossFn, params: problem.params() });
    const a = make();
    for (let i = 0; i < 3; i++) a.step(batch);
    const saved = JSON.parse(JSON.stringify(a.save()));
    for (let i = 0; i < 3; i++) a.step(batch);
    const b = make();
    b.restore(saved);
    for (let i = 0; i < 3; i++) b.step(batch);
    expect(stateValues(b.state)).toEqual(stateValues(a.state));
    const [x, y] = [averagedParams(a.state as AverageParamsState), averagedParams(b.state as AverageParamsState)];
    expect(leafValues(y)).toEqual(leafValues(x));
    a.dispose();
    b.dispose();
    tf.dispose(batch as never);
    treeDispose([x, y]);
  });
});

describeContract('averageParams', { make: () => averageParams(adam({ learningRate: 0.1 }), { every: 2 }), perLeafState: true, readsParams: true });
describeContract('averageParams (EMA)', { make: () => averageParams(sgd({ learningRate: 0.1 }), { decay: 0.9 }), perLeafState: true, readsParams: true });
