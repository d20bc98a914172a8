// A quadratic f(w) = 1/2 w^T H w with known eigenvalues and a seeded random orthogonal
// eigenbasis, and the float64 vector helpers the measurements use.
import { mulberry32 } from '@basin/core';

export interface Quadratic {
  /** Eigenvalues, largest first. */
  eigenvalues: number[];
  /** Unit eigenvectors, `eigenvectors[i]` for `eigenvalues[i]` (float64, orthonormal). */
  eigenvectors: Float64Array[];
  /** H = sum_i lambda_i v_i v_i^T, row-major d x d. */
  hessian: Float64Array;
}

export const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
export const norm = (a: ArrayLike<number>): number => Math.sqrt(dot(a, a));
export const sub = (a: ArrayLike<number>, b: ArrayLike<number>): Float64Array => Float64Array.from({ length: a.length }, (_, i) => a[i] - b[i]);
/** |cos| of the angle between a and b (0 when either is zero). */
export const absCos = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  const n = norm(a) * norm(b);
  return n > 0 ? Math.abs(dot(a, b)) / n : 0;
};

/** Standard normals from a seeded uniform generator (Box-Muller). */
export function gaussians(rand: () => number, count: number): Float64Array {
  return Float64Array.from({ length: count }, () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand()));
}

/** Gram-Schmidt (twice, for float64 orthogonality) on d Gaussian vectors: a Haar-random orthonormal basis. */
function randomBasis(d: number, rand: () => number): Float64Array[] {
  const basis: Float64Array[] = [];
  while (basis.length < d) {
    const v = gaussians(rand, d);
    for (let pass = 0; pass < 2; pass++) {
      for (const u of basis) {
        const c = dot(v, u);
        for (let i = 0; i < d; i++) v[i] -= c * u[i];
      }
    }
    const n = norm(v);
    if (n < 1e-8) continue;
    for (let i = 0; i < d; i++) v[i] /= n;
    basis.push(v);
  }
  return basis;
}

/** The quadratic with these eigenvalues (any order; stored largest first) in a random basis drawn from `seed`. */
export function makeQuadratic(eigenvalues: number[], seed: number): Quadratic {
  const values = [...eigenvalues].sort((a, b) => b - a);
  const d = values.length;
  const vectors = randomBasis(d, mulberry32(seed));
  const hessian = new Float64Array(d * d);
  values.forEach((lambda, k) => {
    const v = vectors[k];
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) hessian[i * d + j] += lambda * v[i] * v[j];
  });
  return { eigenvalues: values, eigenvectors: vectors, hessian };
}

/** lambda_1 = `top`, then d - 1 values log-spaced from `second` down to `smallest`. */
export function spectrum(d: number, top: number, second: number, smallest: number): number[] {
  const rest = Array.from({ length: d - 1 }, (_, k) => (d === 2 ? second : second * (smallest / second) ** (k / (d - 2))));
  return [top, ...rest];
}
