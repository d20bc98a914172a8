import { tf, expectClose } from '@basin/testing';
import { clip, clipByGlobalNorm } from './clip';
import { treeDispose } from '../tree';
import { describeContract, f64, leafValues, makeTree } from '../../test-helpers';

describe('clip', () => {
  it('clips each entry to [-maxDelta, maxDelta]', () => {
    const t = clip(0.5);
    const g = { a: tf.tensor1d([-2, -0.5, 0.1, 0.7]), b: tf.scalar(3) };
    const [u] = t.update(g, t.init(g));
    expect(leafValues(u)).toEqual({ a: [-0.5, -0.5, Math.fround(0.1), 0.5], b: [0.5] });
    treeDispose([g, u]);
  });

  it('rejects a negative or non-finite bound', () => {
    expect(() => clip(-1)).toThrow(/clip: maxDelta must be a number >= 0, got -1/);
    expect(() => clip(Infinity)).toThrow(/clip: maxDelta must be a finite number/);
  });
});

describe('clipByGlobalNorm', () => {
  it('rescales the whole tree to the bound when its global norm exceeds it (float64 reference)', () => {
    const g = makeTree(1, 3);
    const gv = leafValues(g);
    const norm = f64.norm(...Object.values(gv));
    const maxNorm = norm / 4;
    const t = clipByGlobalNorm(maxNorm);
    const [u] = t.update(g, t.init(g));
    const uv = leafValues(u);
    for (const path of Object.keys(gv)) expectClose(uv[path], f64.scale(gv[path], maxNorm / norm), 1e-5);
    expectClose([f64.norm(...Object.values(uv))], [maxNorm], 1e-5);
    treeDispose([g, u]);
  });

  it('passes a tree within the bound unchanged, including an all-zero tree', () => {
    const g = makeTree(2);
    const zeros = { a: tf.zeros([3]) };
    const t = clipByGlobalNorm(100);
    const [u] = t.update(g, t.init(g));
    const [z] = t.update(zeros, t.init(zeros));
    expectClose(leafValues(u)['dense.kernel'], leafValues(g)['dense.kernel'], 1e-7);
    expect(leafValues(z)).toEqual({ a: [0, 0, 0] });
    treeDispose([g, u, zeros, z]);
  });

  it('rejects a non-positive bound', () => {
    expect(() => clipByGlobalNorm(0)).toThrow(/clipByGlobalNorm: maxNorm must be a number > 0, got 0/);
    expect(() => clipByGlobalNorm(NaN)).toThrow(/clipByGlobalNorm: maxNorm/);
  });
});

describeContract('clip', { make: () => clip(0.3), withParams: false });
describeContract('clipByGlobalNorm', { make: () => clipByGlobalNorm(0.5), withParams: false });
