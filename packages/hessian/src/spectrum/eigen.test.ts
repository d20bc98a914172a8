import { expectClose, expectNoLeak, tf } from '@basin/testing';
import { hessian } from '../hessian';
import { matvec, quadratic } from '../../test-helpers/quadratic';
import { topEigenvalues } from './eigen';

// A spectrum with both signs, a clear top and bottom, and a dense middle.
const lambda = [5, 3.5, 2.8, 1, 0.9, 0.5, 0.2, 0, -0.1, -0.4, -1.2, -3, -4.2, 0.05, 0.3, 0.6];
const sorted = lambda.slice().sort((a, b) => b - a);
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('topEigenvalues on quadratics with known spectra', () => {
  let q: ReturnType<typeof quadratic>;
  beforeAll(() => (q = quadratic(lambda, { seed: 5 })));
  afterAll(() => q.dispose());

  const cases: ['lanczos' | 'power', 'largest' | 'smallest' | 'magnitude', number[]][] = [
    ['lanczos', 'largest', sorted.slice(0, 3)],
    ['lanczos', 'smallest', sorted.slice().reverse().slice(0, 3)],
    ['lanczos', 'magnitude', [5, -4.2, 3.5]],
    ['power', 'largest', sorted.slice(0, 3)],
    ['power', 'smallest', sorted.slice().reverse().slice(0, 3)],
    ['power', 'magnitude', [5, -4.2, 3.5]],
  ];

  it.each(cases)('%s finds the %s three', (method, which, expected) => {
    const H = hessian(q.objective);
    const res = topEigenvalues(H, { k: 3, which, method, tol: 1e-6, maxIterations: 500 });
    expect(res.converged).toBe(true);
    res.values.forEach((v, i) => expect(rel(v, expected[i])).toBeLessThan(method === 'power' ? 1e-3 : 1e-4));
    // Each vector is a unit eigenvector: A u = lambda u.
    res.vectors.forEach((u, i) => {
      const data = Array.from(u.dataSync());
      expect(Math.hypot(...data)).toBeCloseTo(1, 4);
      expectClose(matvec(q.A, data), data.map((x) => x * res.values[i]), method === 'power' ? 2e-2 : 1e-3);
    });
    expect(res.matvecs).toBe(H.hvpCount);
    tf.dispose(res.vectors);
  });

  it('Lanczos reaches 1e-3 on the top eigenvalue in few HVPs, fewer than power iteration', () => {
    const lanczos = topEigenvalues(hessian(q.objective), { tol: 1e-3 });
    const power = topEigenvalues(hessian(q.objective), { tol: 1e-3, method: 'power', maxIterations: 500 });
    expect(rel(lanczos.values[0], 5)).toBeLessThan(1e-3);
    expect(rel(power.values[0], 5)).toBeLessThan(1e-2);
    expect(lanczos.matvecs).toBeLessThan(power.matvecs);
    tf.dispose([...lanczos.vectors, ...power.vectors]);
  });

  it('leaks no tensors', () => {
    const H = hessian(q.objective);
    expectNoLeak(() => tf.dispose(topEigenvalues(H, { k: 2 }).vectors), 2);
    expectNoLeak(() => tf.dispose(topEigenvalues(H, { k: 2, method: 'power', which: 'smallest' }).vectors), 2);
  });

  it('rejects bad options with clear errors', () => {
    const H = hessian(q.objective);
    expect(() => topEigenvalues(H, { k: 17 })).toThrow(/k must be an integer >= 1 and <= 16, got 17/);
    expect(() => topEigenvalues(H, { which: 'top' as never })).toThrow(/which must be 'largest', 'smallest' or 'magnitude'/);
    expect(() => topEigenvalues(H, { method: 'arnoldi' as never })).toThrow(/method must be 'lanczos' or 'power'/);
    expect(() => topEigenvalues({ size: 0, matvec: (v) => v })).toThrow(/operator must have size > 0/);
  });

  it('reports progress', () => {
    const seen: number[] = [];
    tf.dispose(topEigenvalues(hessian(q.objective), { onProgress: (p) => seen.push(p.done) }).vectors);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual(seen.slice().sort((a, b) => a - b));
  });
});
