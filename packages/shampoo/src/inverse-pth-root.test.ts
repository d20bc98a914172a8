import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { BasinError } from '@basin/core';
import { inversePthRoot } from './inverse-pth-root';
import { eigenInversePthRoot } from './linalg';
import { randomSpd, relativeError } from '../test-helpers';

describe('inversePthRoot', () => {
  it('matches exact roots of a diagonal matrix', () => {
    const d = [1, 16, 81, 0.0625];
    const a = tf.diag(tf.tensor1d(d));
    for (const p of [1, 2, 4]) {
      const { root, error } = inversePthRoot(a, p);
      const expected = tf.diag(tf.tensor1d(d.map((x) => Math.pow(x, -1 / p)))).dataSync();
      expectClose(root.dataSync(), expected, 1e-5);
      expect(error).toBeLessThan(1e-5);
      root.dispose();
    }
    a.dispose();
  });

  it('adds the ridge before taking the root', () => {
    const a = tf.diag(tf.tensor1d([0, 15]));
    const { root } = inversePthRoot(a, 4, { ridgeEpsilon: 1 });
    expectClose(root.dataSync(), [1, 0, 0, 0.5], 1e-5);
    tf.dispose([a, root]);
  });

  // Float64 eigendecomposition references; tolerances as the parity bar (1e-3, 1e-2 at 1e4).
  const cases: [n: number, p: number, condition: number, tol: number][] = [
    [6, 2, 10, 1e-4],
    [12, 4, 1e3, 1e-3],
    [20, 4, 1e4, 1e-2],
    [16, 6, 1e2, 1e-3],
    [10, 3, 1e3, 1e-3],
  ];
  it.each(cases)('matches eigendecomposition roots of random SPD matrices (n=%i, p=%i, condition %d)', (n, p, condition, tol) => {
    const a = randomSpd(n, condition, n * 31 + p);
    const t = tf.tensor2d(Float32Array.from(a), [n, n]);
    const { root, error } = inversePthRoot(t, p, { ridgeEpsilon: 1e-3 });
    expect(relativeError(root.dataSync(), eigenInversePthRoot(a, n, p, 1e-3))).toBeLessThan(tol);
    expect(error).toBeLessThan(1e-3);
    tf.dispose([t, root]);
  });

  it('handles 1 x 1 matrices directly', () => {
    const { root, error, iterations } = inversePthRoot(tf.tensor2d([[16]]), 4, { ridgeEpsilon: 0 });
    expectClose(root.dataSync(), [0.5], 1e-6);
    expect([error, iterations]).toEqual([0, 0]);
    root.dispose();
  });

  it('stops early at maxIterations and reports a large error', () => {
    const a = tf.tensor2d(Float32Array.from(randomSpd(8, 1e3, 5)), [8, 8]);
    const full = inversePthRoot(a, 4);
    const short = inversePthRoot(a, 4, { maxIterations: 2 });
    expect(short.iterations).toBe(2);
    expect(short.error).toBeGreaterThan(0.1);
    expect(full.error).toBeLessThan(1e-4);
    tf.dispose([a, full.root, short.root]);
  });

  it('stops when the error stalls at the float32 floor instead of running maxIterations', () => {
    const a = tf.tensor2d(Float32Array.from(randomSpd(40, 100, 21)), [40, 40]);
    const { root, iterations, error } = inversePthRoot(a, 4, { maxIterations: 100, errorTolerance: 0 });
    expect(iterations).toBeLessThan(20);
    expect(error).toBeLessThan(1e-4);
    tf.dispose([a, root]);
  });

  it('reports NaN error for non-finite input instead of throwing', () => {
    const a = tf.tensor2d([[1, NaN], [NaN, 1]]);
    const { root, error } = inversePthRoot(a, 2);
    expect(Number.isNaN(error)).toBe(true);
    tf.dispose([a, root]);
  });

  it('rejects invalid exponents and shapes with a BasinError', () => {
    const a = tf.eye(3);
    for (const p of [0, -2, 1.5, NaN]) {
      expect(() => inversePthRoot(a, p)).toThrow(BasinError);
    }
    expect(() => inversePthRoot(a, 1.5)).toThrow(/inversePthRoot: p must be an integer >= 1, got 1.5/);
    const rect = tf.zeros([2, 3]);
    const vec = tf.zeros([3]);
    expect(() => inversePthRoot(rect, 2)).toThrow(/square 2-D tensor, got shape \[2, 3\]/);
    expect(() => inversePthRoot(vec, 2)).toThrow(BasinError);
    expect(() => inversePthRoot(a, 2, { ridgeEpsilon: -1 })).toThrow(/ridgeEpsilon must be a number >= 0/);
    tf.dispose([a, rect, vec]);
  });

  it('leaks no tensors', () => {
    const a = tf.tensor2d(Float32Array.from(randomSpd(6, 100, 2)), [6, 6]);
    expectNoLeak(() => inversePthRoot(a, 4).root.dispose());
    a.dispose();
  });
});
