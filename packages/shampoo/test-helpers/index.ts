// Float64 references shared by the tests (not part of the public surface).
import { mulberry32 } from '@basin/core';
import { eigenInversePthRoot, symmetricEigen } from '../src/linalg';

/** Row-major `a (m x k) @ b (k x n)` in float64. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let l = 0; l < k; l++) {
    const x = a[i * k + l];
    for (let j = 0; j < n; j++) out[i * n + j] += x * b[l * n + j];
  }
  return out;
}

export function transpose(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j];
  return out;
}

/** Standard normal samples from a seeded generator (Box-Muller). */
export function gaussian(seed: number, count: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: count }, () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()));
}

/** A random symmetric positive definite matrix with eigenvalues spread log-uniformly over [1, condition]. */
export function randomSpd(n: number, condition: number, seed: number): Float64Array {
  // A random orthogonal basis: eigenvectors of a random symmetric matrix.
  const g = gaussian(seed, n * n);
  const { vectors } = symmetricEigen(matmul(g, transpose(g, n, n), n, n, n), n);
  const eig = Array.from({ length: n }, (_, i) => Math.pow(condition, n === 1 ? 0 : i / (n - 1)));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += vectors[i * n + k] * eig[k] * vectors[j * n + k];
    out[i * n + j] = s;
  }
  return out;
}

export { relativeError } from '@basin/testing';

/** The seed formula's matrix update `(L + eps I)^(-1/4) G (R + eps I)^(-1/4)` in float64. */
export function seedUpdate(L: ArrayLike<number>, G: ArrayLike<number>, R: ArrayLike<number>, m: number, n: number, eps: number, p = 4): Float64Array {
  const lRoot = eigenInversePthRoot(L, m, p, eps);
  const rRoot = eigenInversePthRoot(R, n, p, eps);
  return matmul(matmul(lRoot, G, m, m, n), rRoot, m, n, n);
}

// The bad-input check is @basin/testing's, shared by every package's tests.
export { expectCleanError } from '@basin/testing';
