import { expectClose } from '@basin/testing';
import { bezierCoefficients, curveCoefficients, polychainCoefficients } from './coefficients';

describe('curve coefficients', () => {
  it('quadratic Bezier matches (1-t)^2, 2t(1-t), t^2', () => {
    for (const t of [0, 0.1, 0.37, 0.5, 0.9, 1]) {
      expectClose(bezierCoefficients(t, 3), [(1 - t) ** 2, 2 * t * (1 - t), t ** 2], 1e-12);
    }
  });

  it('cubic Bezier matches the Bernstein basis', () => {
    const t = 0.3;
    expectClose(bezierCoefficients(t, 4), [(1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3], 1e-12);
  });

  it('endpoints are exactly one-hot and weights sum to one', () => {
    for (const kind of ['bezier', 'polychain'] as const) {
      for (const n of [2, 3, 5]) {
        const at0 = curveCoefficients(kind, 0, n);
        const at1 = curveCoefficients(kind, 1, n);
        expect(at0[0]).toBe(1);
        expect(at0.slice(1).every((c) => c === 0)).toBe(true);
        expect(at1[n - 1]).toBe(1);
        expect(at1.slice(0, n - 1).every((c) => c === 0)).toBe(true);
        for (const t of [0.13, 0.5, 0.77]) {
          expect(Math.abs(curveCoefficients(kind, t, n).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
        }
      }
    }
  });

  it('polychain interpolates linearly between neighbouring points', () => {
    // 3 points at t = 0, 0.5, 1: t = 0.2 is 40% of the way from point 0 to point 1.
    expectClose(polychainCoefficients(0.2, 3), [0.6, 0.4, 0], 1e-12);
    expectClose(polychainCoefficients(0.75, 3), [0, 0.5, 0.5], 1e-12);
    expectClose(polychainCoefficients(0.5, 3), [0, 1, 0], 1e-12);
  });

  it('rejects t outside [0, 1] and bad point counts', () => {
    expect(() => bezierCoefficients(1.5, 3)).toThrow(/t must be a number >= 0 and <= 1/);
    expect(() => polychainCoefficients(0.5, 1)).toThrow(/numPoints/);
    expect(() => curveCoefficients('spline' as never, 0.5, 3)).toThrow(/bezier/);
  });
});
