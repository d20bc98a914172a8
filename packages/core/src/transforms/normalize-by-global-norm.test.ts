import { tf, expectClose } from '@basin/testing';
import { normalizeByGlobalNorm } from './normalize-by-global-norm';
import { treeDispose } from '../tree';
import { describeContract, f64, leafValues, makeTree } from '../../test-helpers';

describe('normalizeByGlobalNorm', () => {
  it('divides every leaf by the global norm of the whole tree (float64 reference)', () => {
    const g = makeTree(1, 5);
    const gv = leafValues(g);
    const norm = f64.norm(...Object.values(gv));
    const t = normalizeByGlobalNorm();
    const [u] = t.update(g, t.init(g));
    const uv = leafValues(u);
    for (const path of Object.keys(gv)) expectClose(uv[path], f64.scale(gv[path], 1 / norm), 1e-5);
    expectClose([f64.norm(...Object.values(uv))], [1], 1e-5);
    treeDispose([g, u]);
  });

  it('adds eps to the norm', () => {
    const g = { a: tf.tensor1d([3, 4]) };
    const t = normalizeByGlobalNorm({ eps: 5 });
    const [u] = t.update(g, t.init(g));
    expectClose(leafValues(u).a, [0.3, 0.4], 1e-6);
    treeDispose([g, u]);
  });

  it('maps a zero update to zeros, not NaN', () => {
    const g = { a: tf.zeros([2, 2]), b: tf.scalar(0) };
    const t = normalizeByGlobalNorm();
    const [u] = t.update(g, t.init(g));
    expect(leafValues(u)).toEqual({ a: [0, 0, 0, 0], b: [0] });
    treeDispose([g, u]);
  });

  it('rejects a negative eps', () => {
    expect(() => normalizeByGlobalNorm({ eps: -1e-3 })).toThrow(/normalizeByGlobalNorm: eps must be a number >= 0/);
  });
});

describeContract('normalizeByGlobalNorm', { make: () => normalizeByGlobalNorm(), withParams: false });
