import { BasinError, checkNumber, entryPoint } from '@basin/core';
import { describeGot } from './checks';

/** The two curve families of Garipov et al. (2018): Bezier curves and polygonal chains. */
export type CurveKind = 'bezier' | 'polychain';

function checkArgs(owner: string, t: number, numPoints: number): void {
  checkNumber(owner, 't', t, { min: 0, max: 1 });
  checkNumber(owner, 'numPoints', numPoints, { min: 2, integer: true });
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/**
 * Bernstein weights of a Bezier curve with `numPoints` control points (endpoints included):
 * `c_i(t) = C(n, i) t^i (1 - t)^(n - i)` with `n = numPoints - 1` (Garipov et al. 2018, eq. 3
 * for n = 2). They sum to one; `c(0) = e_0` and `c(1) = e_n` exactly.
 */
export const bezierCoefficients = entryPoint('bezierCoefficients', function bezierCoefficients(t: number, numPoints: number): number[] {
  checkArgs('bezierCoefficients', t, numPoints);
  const n = numPoints - 1;
  // Math.pow(0, 0) === 1, so the endpoints come out exactly one-hot.
  return Array.from({ length: numPoints }, (_, i) => binomial(n, i) * Math.pow(t, i) * Math.pow(1 - t, n - i));
});

/**
 * Weights of a polygonal chain through `numPoints` points placed at `t = i / (numPoints - 1)`:
 * `c_i(t) = max(0, 1 - |t (numPoints - 1) - i|)` (hat functions; Garipov et al. 2018, eq. 2).
 */
export const polychainCoefficients = entryPoint('polychainCoefficients', function polychainCoefficients(t: number, numPoints: number): number[] {
  checkArgs('polychainCoefficients', t, numPoints);
  const s = t * (numPoints - 1);
  return Array.from({ length: numPoints }, (_, i) => Math.max(0, 1 - Math.abs(s - i)));
});

/** Weights of the control points of a curve of `kind` at `t`. */
export const curveCoefficients = entryPoint('curveCoefficients', function curveCoefficients(kind: CurveKind, t: number, numPoints: number): number[] {
  if (kind !== 'bezier' && kind !== 'polychain') throw new BasinError(`curveCoefficients: kind must be 'bezier' or 'polychain', got ${describeGot(kind)}`);
  return kind === 'bezier' ? bezierCoefficients(t, numPoints) : polychainCoefficients(t, numPoints);
});
