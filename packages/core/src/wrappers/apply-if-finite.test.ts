import { tf } from '@basin/testing';
import { applyIfFinite, ApplyIfFiniteState } from './apply-if-finite';
import { sgd } from '../aliases/sgd';
import { adam } from '../aliases/adam';
import { chain } from '../combinators/chain';
import { scale } from '../transforms/scale';
import { Tree, treeDispose, treeMap } from '../tree';
import { describeContract, expectBasinError, leafValues, leastSquares, makeTree, runTransform } from '../../test-helpers';
import { reversedKeys, samLike, stateValues, trainSteps } from '../../test-helpers/wrappers';

const problem = leastSquares(16);

/** A copy of a least-squares batch whose first target is NaN (so loss and gradients are NaN). */
function poisoned(batch: { x: tf.Tensor2D; y: tf.Tensor2D }): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const y = batch.y.arraySync();
  y[0][0] = NaN;
  return { x: tf.clone(batch.x), y: tf.tensor2d(y) };
}

describe('applyIfFinite', () => {
  it('skipping a NaN step leaves params and inner state exactly as before', () => {
    const batch = problem.batch();
    const bad = poisoned(batch);
    const params = problem.params();
    const make = () => applyIfFinite(adam({ learningRate: 0.05 }), { maxConsecutiveErrors: 3 });
    const skipped = trainSteps(make(), problem.lossFn, params, [batch, batch, bad, batch], { checkFinite: false });
    const clean = trainSteps(make(), problem.lossFn, params, [batch, batch, batch], { checkFinite: false });
    expect(skipped.trajectory[2]).toEqual(skipped.trajectory[1]);
    expect(leafValues(skipped.params)).toEqual(leafValues(clean.params));
    const s = skipped.state as ApplyIfFiniteState;
    expect(stateValues(s.innerState)).toEqual(stateValues((clean.state as ApplyIfFiniteState).innerState));
    expect([s.notfiniteCount, s.lastFinite, s.totalNotfinite]).toEqual([0, true, 1]);
    treeDispose([batch, bad, params, skipped.params, skipped.state, clean.params, clean.state]);
  });

  it('counts as optax apply_if_finite does and gives up after maxConsecutiveErrors', () => {
    // Float64 port of optax's apply_if_finite bookkeeping (optax/transforms/_conditionality.py).
    const pattern = [true, false, false, false, true, false, true];
    const max = 2;
    let ref = { notfiniteCount: 0, lastFinite: true, totalNotfinite: 0 };
    const applied: boolean[] = [];
    for (const finite of pattern) {
      const notfiniteCount = finite ? 0 : ref.notfiniteCount + 1;
      applied.push(finite || notfiniteCount > max);
      ref = { notfiniteCount, lastFinite: finite, totalNotfinite: ref.totalNotfinite + (finite ? 0 : 1) };
    }
    expect(applied).toEqual([true, false, false, true, true, false, true]);
    const params = makeTree(1);
    const t = applyIfFinite(sgd({ learningRate: 1 }), { maxConsecutiveErrors: max });
    let state = t.init(params);
    const seen: boolean[] = [];
    pattern.forEach((finite, k) => {
      const g0 = makeTree(10 + k);
      const g = finite ? g0 : treeMap((x) => tf.mul(x, k % 2 === 0 ? Infinity : NaN), g0);
      const [u, s] = t.update(g, state, params);
      // An applied step is sgd's -g (NaN or Infinity where g is not finite); a skipped one is 0.
      seen.push(Object.values(leafValues(u)).flat().some((x) => x !== 0));
      treeDispose([g0, g, u, state]);
      state = s;
    });
    expect(seen).toEqual(applied);
    expect({ notfiniteCount: state.notfiniteCount, lastFinite: state.lastFinite, totalNotfinite: state.totalNotfinite }).toEqual(ref);
    treeDispose([params, state]);
  });

  it('refuses bad arguments, naming applyIfFinite and the argument', () => {
    expectBasinError(() => applyIfFinite(undefined as never, { maxConsecutiveErrors: 1 }), /^applyIfFinite: inner must be a Basin transform/);
    expectBasinError(() => applyIfFinite(sgd({ learningRate: 1 }), undefined as never), /^applyIfFinite: options must be an options record/);
    expectBasinError(() => applyIfFinite(sgd({ learningRate: 1 }), { maxConsecutiveErrors: -1 }), /^applyIfFinite: maxConsecutiveErrors must be an integer >= 0, got -1/);
    expectBasinError(() => applyIfFinite(sgd({ learningRate: 1 }), { maxConsecutiveErrors: NaN }), /^applyIfFinite: maxConsecutiveErrors must be a finite number, got NaN/);
  });

  it('gives identical results for trees whose record keys were inserted in reverse order', () => {
    const params = makeTree(4);
    const reversedParams = reversedKeys(params);
    const grads = (k: number): Tree => (k === 1 ? treeMap((x) => tf.mul(x, NaN), makeTree(80)) : makeTree(80 + k));
    const make = () => applyIfFinite(adam({ learningRate: 0.1 }), { maxConsecutiveErrors: 1 });
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

  it('works inside chain and passes extras to a SAM-like inner', () => {
    const batch = problem.batch();
    const params = problem.params();
    const a = trainSteps(chain(scale(1), applyIfFinite(chain(samLike(0.05), sgd({ learningRate: 0.1 })), { maxConsecutiveErrors: 2 })), problem.lossFn, params, Array(3).fill(batch));
    const b = trainSteps(chain(samLike(0.05), sgd({ learningRate: 0.1 })), problem.lossFn, params, Array(3).fill(batch));
    expect(a.trajectory).toEqual(b.trajectory);
    treeDispose([batch, params, a.params, a.state, b.params, b.state]);
  });
});

describeContract('applyIfFinite', { make: () => applyIfFinite(adam({ learningRate: 0.1 }), { maxConsecutiveErrors: 2 }), perLeafState: true });
