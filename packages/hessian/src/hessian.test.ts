import { expectClose, expectNoLeak, tf } from '@basin/testing';
import { BasinError, treeDispose, treeFromVector, treeToVector, type Tree } from '@basin/core';
import { finiteDifferenceHvp, hessian, hvp } from './hessian';
import { functionObjective } from './objective';
import { matvec, quadratic } from '../test-helpers/quadratic';

const flat = (t: Tree): number[] => {
  const v = treeToVector(t);
  const out = Array.from(v.dataSync());
  v.dispose();
  return out;
};

describe('hessian on a quadratic (H = A exactly)', () => {
  const lambda = [3, 1.5, 0.5, -0.25, -2, 0.1, 0.7, 2.2];
  let q: ReturnType<typeof quadratic>;
  beforeAll(() => (q = quadratic(lambda, { seed: 3, linear: 0.3 })));
  afterAll(() => q.dispose());
  // v in the canonical flat order (m, then u); the tree lists u first, as the params do.
  const v = [1, -2, 0.5, 0.25, 0.3, -1, 2, 0.1];
  const vector = (): Tree => tf.tidy(() => treeFromVector(tf.tensor1d(v), q.params) as unknown as tf.TensorContainer) as unknown as Tree;

  it('exact mode gives A v', () => {
    const vt = vector();
    const out = hessian(q.objective).hvp(vt);
    expectClose(flat(out), matvec(q.A, v), 1e-5);
    treeDispose([vt, out]);
  });

  it.each([2, 4] as const)('finite differences of order %i give A v', (order) => {
    const vt = vector();
    const out = hessian(q.objective, { mode: 'finiteDifference', order }).hvp(vt);
    expectClose(flat(out), matvec(q.A, v), 1e-3);
    treeDispose([vt, out]);
  });

  it('matvec works on flat vectors and counts HVPs', () => {
    const H = hessian(q.objective);
    const out = H.matvec(tf.tensor1d(v));
    expectClose(Array.from(out.dataSync()), matvec(q.A, v), 1e-5);
    out.dispose();
    expect(H.hvpCount).toBe(1);
    expect(H.size).toBe(8);
  });

  it('leaks no tensors in either mode', () => {
    const vt = vector();
    const flatV = tf.tensor1d(v);
    for (const mode of ['exact', 'finiteDifference'] as const) {
      const H = hessian(q.objective, { mode });
      expectNoLeak(() => treeDispose(H.hvp(vt)));
      expectNoLeak(() => H.matvec(flatV).dispose());
    }
    treeDispose([vt, flatV]);
  });

  it('rejects vector trees that do not match the params, naming the difference', () => {
    const H = hessian(q.objective);
    const missing = { u: tf.zeros([4]) };
    const shape = { u: tf.zeros([5]), m: tf.zeros([2, 2]) };
    expect(() => H.hvp(missing)).toThrow(BasinError);
    expect(() => H.hvp(missing)).toThrow(/vector does not match params at <root>: missing \{m\}/);
    expect(() => H.hvp(shape)).toThrow(/at 'u': expected shape \[4\], got \[5\]/);
    expect(() => hessian(q.objective, { mode: 'finiteDifference' }).hvp(shape)).toThrow(/at 'u'/);
    expect(() => H.matvec(tf.zeros([7]) as tf.Tensor1D)).toThrow(/expected \[8\]/);
    tf.dispose([missing.u, shape.u, shape.m]);
  });

  it('validates options', () => {
    expect(() => hessian(q.objective, { mode: 'forward' as never })).toThrow(/mode must be 'exact' or 'finiteDifference'/);
    expect(() => hessian(q.objective, { order: 3 as never })).toThrow(/order must be 2 or 4/);
    expect(() => hessian(q.objective, { step: -1 })).toThrow(/step must be a number > 0/);
  });
});

describe('HVPs over a dataset in batches', () => {
  // Least squares 0.5 mean_i (x_i^T w - y_i)^2: H = X^T X / N on all rows.
  const X = [[1, 2], [0.5, -1], [2, 0], [-1, 1], [0.3, 0.3]];
  const Y = [1, 0, 2, -1, 0.5];
  const loss = (p: Tree, b: { x: tf.Tensor; y: tf.Tensor }): tf.Scalar =>
    tf.tidy(() => tf.mul(0.5, tf.mean(tf.square(tf.sub(tf.reshape(tf.matMul(b.x as tf.Tensor2D, tf.reshape((p as { w: tf.Tensor }).w, [-1, 1]) as tf.Tensor2D), [-1]), b.y)))) as tf.Scalar);
  const gram = (rows: number[][]) => [0, 1].map((i) => [0, 1].map((j) => rows.reduce((a, r) => a + r[i] * r[j], 0) / rows.length));
  const batchOf = (from: number, to: number) => ({ x: tf.tensor2d(X.slice(from, to)), y: tf.tensor1d(Y.slice(from, to)) });

  it.each(['exact', 'finiteDifference'] as const)('%s: row weighting equals the full-data Hessian, equal weighting averages batches', (mode) => {
    const params = { w: tf.tensor1d([0.2, -0.4]) };
    const b1 = batchOf(0, 2);
    const b2 = batchOf(2, 5);
    const v = { w: tf.tensor1d([1, 0.5]) };
    const byRows = hessian(functionObjective(loss, params, { batches: [b1, b2] }), { mode }).hvp(v);
    expectClose(flat(byRows), matvec(gram(X), [1, 0.5]), 1e-3);
    const equal = hessian(functionObjective(loss, params, { batches: [b1, b2], weighting: 'equal' }), { mode }).hvp(v);
    const avg = matvec(gram(X.slice(0, 2)), [1, 0.5]).map((a, i) => (a + matvec(gram(X.slice(2)), [1, 0.5])[i]) / 2);
    expectClose(flat(equal), avg, 1e-3);
    const one = hvp(loss, params, v, batchOf(0, 5), { mode });
    expectClose(flat(one), matvec(gram(X), [1, 0.5]), 1e-3);
    treeDispose([params, v, byRows, equal, one, b1, b2]);
  });

  it('checks its data', () => {
    const params = { w: tf.tensor1d([0.2, -0.4]) };
    expect(() => functionObjective(loss, params, {} as never)).toThrow(/exactly one of 'batch' or 'batches'/);
    expect(() => functionObjective(loss, params, { batches: [] })).toThrow(/data.batches is empty/);
    const bad = functionObjective(() => tf.zeros([2]) as unknown as tf.Scalar, params, { batch: batchOf(0, 2) });
    expect(() => bad.loss()).toThrow(/the loss must be a scalar tensor, got a tensor of shape \[2\]/);
    treeDispose(params);
  });

  it('finiteDifferenceHvp of a zero vector is zero', () => {
    const q = quadratic([1, 2, 3, 4, 5, 6], { n1: 2 });
    const zero = { u: tf.zeros([2]), m: tf.zeros([2, 2]) };
    const out = finiteDifferenceHvp(q.objective, zero);
    expect(flat(out)).toEqual([0, 0, 0, 0, 0, 0]);
    treeDispose([zero, out]);
    q.dispose();
  });
});
