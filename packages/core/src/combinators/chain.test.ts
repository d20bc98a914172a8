import { tf, expectClose } from '@basin/testing';
import { chain, namedChain } from './chain';
import { scale } from '../transforms/scale';
import { trace } from '../transforms/trace';
import { scaleByAdam } from '../transforms/scale-by-adam';
import { scaleBySchedule } from '../transforms/scale-by-schedule';
import { identity } from '../transforms/identity';
import type { Extras, Transform } from '../transform';
import { collectTensors, treeDispose } from '../tree';
import { describeContract, expectBasinError, expectIntact, leafValues, makeTree, runTransform, snapshot } from '../../test-helpers';

const grads = (k: number) => makeTree(500 + k);

describe('chain', () => {
  it('applies transforms in order: scale(2) then scale(-3) is scale(-6)', () => {
    const g = makeTree(1);
    const t = chain(scale(2), scale(-3));
    const [u] = t.update(g, t.init(g));
    const gv = leafValues(g);
    const uv = leafValues(u);
    for (const path of Object.keys(gv)) expectClose(uv[path], gv[path].map((x) => -6 * x), 1e-6);
    treeDispose([g, u]);
  });

  it('order matters where a transform is not linear', () => {
    const params = makeTree(1);
    const a = runTransform(chain(trace({ decay: 0.5 }), scale(0.1)), params, grads, 3);
    const b = runTransform(chain(scale(0.1), trace({ decay: 0.5 })), params, grads, 3);
    // Trace and scale are linear, so they commute.
    for (let k = 0; k < 3; k++) for (const p of Object.keys(a[k])) expectClose(a[k][p], b[k][p], 1e-6);
    // Adam is invariant to the scale of its input (up to eps), so scaling before it does nothing
    // and scaling after it scales the step.
    const c = runTransform(chain(scaleByAdam(), scale(0.1)), params, grads, 2);
    const d = runTransform(chain(scale(0.1), scaleByAdam()), params, grads, 2);
    const e = runTransform(scaleByAdam(), params, grads, 2);
    expectClose(c[1]['dense.kernel'], e[1]['dense.kernel'].map((x) => 0.1 * x), 1e-5);
    expectClose(d[1]['dense.kernel'], e[1]['dense.kernel'], 1e-5);
    treeDispose(params);
  });

  it('keeps one state entry per transform, in order', () => {
    const params = makeTree(1);
    const t = chain(identity(), trace({ decay: 0.9 }), scaleBySchedule(1));
    const s = t.init(params);
    expect(s).toHaveLength(3);
    expect(s[0]).toEqual({});
    expect(Object.keys(s[1] as object)).toEqual(['trace']);
    expect(s[2]).toEqual({ count: 0 });
    treeDispose([params, s]);
  });

  it('passes params and extras to every transform', () => {
    const seen: unknown[] = [];
    const spy: Transform<null> = {
      init: () => null,
      update: (u, s, p, e) => {
        seen.push([p, e]);
        return [tf.clone(u as tf.Tensor), s];
      },
    };
    const g = tf.ones([2]);
    const params = tf.zeros([2]);
    const extras: Extras = { tag: 1 };
    const t = chain(spy, spy);
    const [u] = t.update(g, t.init(params), params, extras);
    expect(seen).toEqual([[params, extras], [params, extras]]);
    tf.dispose([g, params, u as tf.Tensor]);
  });

  it('returns fresh tensors even when empty', () => {
    const g = makeTree(1);
    const t = chain();
    const [u, s] = t.update(g, t.init(g));
    expect(s).toEqual([]);
    expect(leafValues(u)).toEqual(leafValues(g));
    for (const x of collectTensors(u)) expect(collectTensors(g).has(x)).toBe(false);
    treeDispose([g, u]);
  });

  it('if a later transform throws, disposes what the earlier ones made and leaves the state intact', () => {
    const params = makeTree(1);
    const t = chain(trace({ decay: 0.9 }), scaleBySchedule((k) => (k >= 1 ? NaN : 1)));
    let state = t.init(params);
    const g = grads(0);
    const [u, s] = t.update(g, state, params);
    treeDispose([u, state]);
    state = s;
    const snap = snapshot([state, params, g]);
    expectBasinError(() => t.update(g, state, params), /scaleBySchedule: schedule \(schedule at step 1\)/);
    expectIntact(snap);
    treeDispose([params, state, g]);
  });
});

describe('namedChain', () => {
  it('computes what chain computes, with state keyed by name', () => {
    const params = makeTree(1);
    const a = runTransform(chain(trace({ decay: 0.9 }), scaleByAdam(), scale(-0.01)), params, grads, 3);
    const named = namedChain(['momentum', trace({ decay: 0.9 })], ['adam', scaleByAdam()], ['lr', scale(-0.01)]);
    const b = runTransform(named, params, grads, 3);
    expect(b).toEqual(a);
    const s = named.init(params);
    expect(Object.keys(s)).toEqual(['momentum', 'adam', 'lr']);
    expect((s.adam as { count: number }).count).toBe(0);
    treeDispose([params, s]);
  });

  it('rejects two transforms with the same name', () => {
    expect(() => namedChain(['a', scale(1)], ['a', scale(2)])).toThrow(/namedChain: two transforms are named 'a'/);
  });
});

describeContract('chain', { make: () => chain(trace({ decay: 0.9 }), scaleByAdam(), scale(-0.1)), perLeafState: true });
describeContract('chain (empty)', { make: () => chain(), withParams: false });
describeContract('namedChain', { make: () => namedChain(['m', trace({ decay: 0.9 })], ['lr', scale(-0.1)]), perLeafState: true });
