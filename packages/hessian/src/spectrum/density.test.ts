import { expectClose, expectNoLeak } from '@basin/testing';
import { hessian } from '../hessian';
import { quadratic } from '../../test-helpers/quadratic';
import { spectralDensity } from './density';

describe('spectralDensity (stochastic Lanczos quadrature)', () => {
  // 5 distinct eigenvalues with multiplicities: Lanczos with >= 5 steps resolves them exactly.
  const lambda = [3, 3, 3, 1, 1, 0.5, 0.5, 0.5, 0.5, -1, -1, -2];
  let q: ReturnType<typeof quadratic>;
  beforeAll(() => (q = quadratic(lambda, { seed: 11 })));
  afterAll(() => q.dispose());

  it('puts its nodes on the eigenvalues, with weights summing to 1 and a density integrating to 1', () => {
    const d = spectralDensity(hessian(q.objective), { steps: 8, runs: 3, points: 600 });
    const distinct = [-2, -1, 0.5, 1, 3];
    d.nodes.forEach((nodes, r) => {
      // Lanczos stops at the invariant subspace; any node past it carries no weight.
      const weighty = nodes.filter((_, j) => d.weights[r][j] > 1e-4);
      expectClose(weighty, distinct, 1e-3);
    });
    for (const w of d.weights) expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const dt = d.grid[1] - d.grid[0];
    expect(d.density.reduce((a, b) => a + b, 0) * dt).toBeCloseTo(1, 2);
    expect(d.matvecs).toBeLessThanOrEqual(24);
  });

  it('estimates the mean eigenvalue tr(A)/n within 4 standard deviations', () => {
    // Each run's weighted node mean is v^T A v for a random unit v: mean tr(A)/n; for a unit
    // vector uniform on the sphere its variance is 2 (mean of lambda^2 - mean^2) / (n + 2).
    const n = lambda.length;
    const mean = lambda.reduce((a, b) => a + b, 0) / n;
    const varLambda = lambda.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    const runs = 30;
    const d = spectralDensity(hessian(q.objective), { steps: 6, runs, seed: 2 });
    const est = d.nodes.reduce((a, nodes, r) => a + nodes.reduce((s, t, j) => s + t * d.weights[r][j], 0), 0) / runs;
    expect(Math.abs(est - mean)).toBeLessThan(4 * Math.sqrt((2 * varLambda) / (n + 2) / runs));
  });

  it('leaks no tensors and checks options', () => {
    const H = hessian(q.objective);
    expectNoLeak(() => void spectralDensity(H, { steps: 4, runs: 1 }), 2);
    expect(() => spectralDensity(H, { sigma: 0 })).toThrow(/sigma must be a number > 0/);
  });
});
