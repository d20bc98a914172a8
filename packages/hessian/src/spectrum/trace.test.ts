import { expectNoLeak } from '@basin/testing';
import { hessian } from '../hessian';
import { quadratic } from '../../test-helpers/quadratic';
import { hutchinsonTrace, hutchPlusPlusTrace } from './trace';

// Statistical tests: the estimators are random, so each check allows a stated number of
// standard deviations computed from the known matrix.
describe('stochastic trace estimators', () => {
  // A decaying spectrum (where Hutch++ shines) with a negative tail; n = 24.
  const lambda = Array.from({ length: 24 }, (_, i) => (i < 4 ? 10 / (i + 1) : 0.3 * Math.cos(i)));
  const trace = lambda.reduce((a, b) => a + b, 0);
  let q: ReturnType<typeof quadratic>;
  beforeAll(() => (q = quadratic(lambda, { seed: 7 })));
  afterAll(() => q.dispose());
  // Var(z^T A z) = 2 (||A||_F^2 - sum_i A_ii^2) for Rademacher z.
  const variance = () => {
    const fro = q.A.flat().reduce((a, x) => a + x * x, 0);
    const diag = q.A.reduce((a, row, i) => a + row[i] * row[i], 0);
    return 2 * (fro - diag);
  };

  it('Hutchinson is within 4 standard deviations and its standard error matches theory', () => {
    const samples = 60;
    const est = hutchinsonTrace(hessian(q.objective), { samples, seed: 3 });
    const sd = Math.sqrt(variance() / samples);
    expect(Math.abs(est.trace - trace)).toBeLessThan(4 * sd);
    expect(est.standardError).toBeGreaterThan(sd / 2);
    expect(est.standardError).toBeLessThan(sd * 2);
    expect(est.matvecs).toBe(samples);
  });

  it('Hutchinson is unbiased: the mean over 20 seeds is within 4 standard errors', () => {
    const runs = Array.from({ length: 20 }, (_, s) => hutchinsonTrace(hessian(q.objective), { samples: 10, seed: 100 + s }).trace);
    const mean = runs.reduce((a, b) => a + b, 0) / runs.length;
    expect(Math.abs(mean - trace)).toBeLessThan(4 * Math.sqrt(variance() / 200));
  });

  it('Hutch++ is exact when the sketch spans the range, and beats Hutchinson at equal budget on a decaying spectrum', () => {
    const lowRank = quadratic([4, -2, 1, 0, 0, 0, 0, 0, 0, 0], { seed: 9 });
    const exact = hutchPlusPlusTrace(hessian(lowRank.objective), { matvecs: 12, seed: 1 });
    expect(exact.trace).toBeCloseTo(3, 3);
    lowRank.dispose();

    const budget = 18;
    const errors = (f: (seed: number) => number) => Array.from({ length: 8 }, (_, s) => Math.abs(f(s) - trace));
    const hpp = errors((seed) => hutchPlusPlusTrace(hessian(q.objective), { matvecs: budget, seed }).trace);
    const hutch = errors((seed) => hutchinsonTrace(hessian(q.objective), { samples: budget, seed }).trace);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(hpp)).toBeLessThan(mean(hutch) / 2);
    // And it is within 4 of its own standard errors of the truth.
    const one = hutchPlusPlusTrace(hessian(q.objective), { matvecs: budget, seed: 42 });
    expect(one.matvecs).toBe(budget);
    expect(Math.abs(one.trace - trace)).toBeLessThan(4 * one.standardError + 1e-3);
  });

  it('leaks no tensors and validates options', () => {
    const H = hessian(q.objective);
    expectNoLeak(() => void hutchinsonTrace(H, { samples: 3 }), 2);
    expectNoLeak(() => void hutchPlusPlusTrace(H, { matvecs: 6 }), 2);
    expect(() => hutchinsonTrace(H, { samples: 0 })).toThrow(/samples must be an integer >= 1/);
    expect(() => hutchPlusPlusTrace(H, { matvecs: 2 })).toThrow(/matvecs must be an integer >= 3/);
  });
});
