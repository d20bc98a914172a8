import { expectClose, expectNoLeak, tf } from '@basin/testing';
import { treeDispose, treeFromVector, treeToVector, type Tree } from '@basin/core';
import { quadratic } from '../../test-helpers/quadratic';
import { filterNormalizedDirection } from './directions';
import { linearPath, lossSlice1D, lossSlice2D } from './slices';

const f = (A: number[][], w: number[]) => 0.5 * A.reduce((a, row, i) => a + w[i] * row.reduce((s, x, j) => s + x * w[j], 0), 0);

describe('filterNormalizedDirection (Li et al. 2018)', () => {
  it('gives each filter the norm of the matching weight filter and zeros rank-1 leaves', () => {
    const params = { kernel: tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 1), dense: tf.randomNormal([5, 3], 0, 2, 'float32', 2), bias: tf.ones([4]) };
    const d = filterNormalizedDirection(params, { seed: 3 }) as Record<string, tf.Tensor>;
    const filterNorms = (t: tf.Tensor) => tf.tidy(() => Array.from(tf.sqrt(tf.sum(tf.square(t), Array.from({ length: t.rank - 1 }, (_, i) => i))).dataSync()));
    expectClose(filterNorms(d.kernel), filterNorms(params.kernel), 1e-5);
    expectClose(filterNorms(d.dense), filterNorms(params.dense), 1e-5);
    expect(Array.from(d.bias.dataSync())).toEqual([0, 0, 0, 0]);
    const normalized = filterNormalizedDirection(params, { seed: 3, vectors: 'normalize', filterAxis: 'first' }) as Record<string, tf.Tensor>;
    expect(tf.norm(normalized.bias).dataSync()[0]).toBeCloseTo(2, 4);
    const first = (t: tf.Tensor) => tf.tidy(() => Array.from(tf.sqrt(tf.sum(tf.square(t), [1])).dataSync()));
    expectClose(first(normalized.dense), first(params.dense), 1e-5);
    treeDispose([params, d, normalized]);
  });
});

describe('loss slices', () => {
  const q = quadratic([2, 1, 0.5, -0.5, 3, 0.2], { seed: 4, n1: 2 });
  // Flat vectors are in the canonical order (the quadratic's w): treeToVector / treeFromVector.
  const w0 = Array.from(treeToVector(q.params).dataSync());
  const d1v = [1, 0, -1, 0.5, 0, 2];
  const d2v = [0, 1, 0.5, 0, -1, 0];
  const tree = (v: number[]): Tree => tf.tidy(() => treeFromVector(tf.tensor1d(v), q.params) as unknown as tf.TensorContainer) as unknown as Tree;
  afterAll(() => q.dispose());

  it('1D and 2D slices match the quadratic', () => {
    const d1 = tree(d1v);
    const d2 = tree(d2v);
    const s1 = lossSlice1D(q.objective, d1, { range: [-2, 2], points: 5 });
    expect(s1.alphas).toEqual([-2, -1, 0, 1, 2]);
    expectClose(s1.losses, s1.alphas.map((a) => f(q.A, w0.map((w, i) => w + a * d1v[i]))), 1e-5);
    const s2 = lossSlice2D(q.objective, d1, d2, { points: 3 });
    s2.alphas.forEach((a, i) => s2.betas.forEach((b, j) => expect(s2.losses[i][j]).toBeCloseTo(f(q.A, w0.map((w, k) => w + a * d1v[k] + b * d2v[k])), 4)));
    treeDispose([d1, d2]);
  });

  it('linearPath interpolates between two weight sets', () => {
    const a = tree([1, 2, 3, 4, 5, 6]);
    const b = tree([0, -1, 0.5, 0, 1, 0]);
    const path = linearPath(q.objective, a, b, { points: 3, range: [-0.5, 1.5] });
    expect(path.alphas).toEqual([-0.5, 0.5, 1.5]);
    const av = [1, 2, 3, 4, 5, 6];
    const bv = [0, -1, 0.5, 0, 1, 0];
    expectClose(path.losses, path.alphas.map((t) => f(q.A, av.map((x, i) => (1 - t) * x + t * bv[i]))), 1e-5);
    expect(() => linearPath(q.objective, a, { u: tf.zeros([2]) }, {})).toThrow(/to does not match params/);
    expect(() => lossSlice1D(q.objective, a, { range: [1, 0] })).toThrow(/range must be \[low, high\] with high > low/);
    treeDispose([a, b]);
  });

  it('leaks no tensors', () => {
    const d1 = tree(d1v);
    expectNoLeak(() => void lossSlice1D(q.objective, d1, { points: 3 }), 2);
    treeDispose(d1);
  });
});
