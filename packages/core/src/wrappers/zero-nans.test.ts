import { tf } from '@basin/testing';
import { zeroNans } from './zero-nans';
import { sgd } from '../aliases/sgd';
import { chain } from '../combinators/chain';
import { adam } from '../aliases/adam';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, leafValues, leastSquares, makeTree, runTransform, vals } from '../../test-helpers';
import { reversedKeys, samLike, trainSteps } from '../../test-helpers/wrappers';

describe('zeroNans', () => {
  it('replaces NaN entries by 0, keeps every other entry (Infinity too) and records which leaves had one', () => {
    const g = { a: tf.tensor1d([1, NaN, -2, Infinity]), b: { c: tf.tensor2d([[NaN, 3]]) }, d: tf.scalar(-0.5) };
    const t = zeroNans();
    const s0 = t.init(g);
    expect(Object.values(leafValues(s0.foundNan)).flat()).toEqual([0, 0, 0]);
    const [u, s1] = t.update(g, s0);
    expect(leafValues(u)).toEqual({ a: [1, 0, -2, Infinity], 'b.c': [0, 3], d: [-0.5] });
    expect(leafValues(s1.foundNan)).toEqual({ a: [1], 'b.c': [1], d: [0] });
    expect((s1.foundNan as { a: tf.Tensor }).a.dtype).toBe('bool');
    treeDispose([g, s0, u, s1]);
  });

  it('refuses missing updates and a state of another transform, naming zeroNans', () => {
    const params = makeTree(1);
    const t = zeroNans();
    const state = t.init(params);
    expectBasinError(() => t.update(undefined as never, state), /^zeroNans: update needs the updates/);
    const other = adam({ learningRate: 0.1 }).init(params);
    expectBasinError(() => t.update(params, other as never), /^zeroNans: the state .*adam/);
    treeDispose([params, other, state]);
  });

  it('gives identical results for trees whose record keys were inserted in reverse order', () => {
    const params = makeTree(4);
    const reversedParams = reversedKeys(params);
    const grads = (k: number) => {
      const g = makeTree(90 + k) as { gain: tf.Tensor };
      const out = { ...g, gain: tf.scalar(NaN) };
      g.gain.dispose();
      return out;
    };
    const a = runTransform(zeroNans(), params, grads, 2);
    const b = runTransform(zeroNans(), reversedParams, (k) => {
      const g = grads(k);
      const r = reversedKeys(g);
      treeDispose(g);
      return r;
    }, 2);
    expect(b).toEqual(a);
    treeDispose([params, reversedParams]);
  });

  it('in a chain, NaN gradient entries leave their params where they were; passes extras on', () => {
    const problem = leastSquares(16);
    const batch = problem.batch();
    const y = batch.y.arraySync();
    y[3][1] = NaN; // poisons the gradients of b[1] and w[:, 1] only
    const bad = { x: batch.x, y: tf.tensor2d(y) };
    const params = problem.params();
    const run = trainSteps(chain(zeroNans(), sgd({ learningRate: 0.1 })), problem.lossFn, params, [bad], { checkFinite: false });
    const clean = trainSteps(sgd({ learningRate: 0.1 }), problem.lossFn, params, [batch]);
    const before = leafValues(params);
    const after = run.trajectory[0];
    expect(after.b[1]).toBe(before.b[1]);
    expect([1, 3, 5].map((i) => after.w[i])).toEqual([1, 3, 5].map((i) => before.w[i]));
    // Column 0 does not depend on the poisoned target: it takes the clean step.
    expect([0, 2, 4].map((i) => after.w[i])).toEqual([0, 2, 4].map((i) => clean.trajectory[0].w[i]));
    expect(after.b[0]).toBe(clean.trajectory[0].b[0]);
    // After a SAM-like transform (which needs extras.gradFn) on clean data it changes nothing.
    const a = trainSteps(chain(samLike(0.05), zeroNans(), sgd({ learningRate: 0.1 })), problem.lossFn, params, [batch, batch]);
    const b = trainSteps(chain(samLike(0.05), sgd({ learningRate: 0.1 })), problem.lossFn, params, [batch, batch]);
    expect(a.trajectory).toEqual(b.trajectory);
    expect(vals(bad.y).some(Number.isNaN)).toBe(true);
    treeDispose([batch, bad.y, params, run.params, run.state, clean.params, clean.state, a.params, a.state, b.params, b.state]);
  });
});

describeContract('zeroNans', { make: () => zeroNans(), perLeafState: true });
