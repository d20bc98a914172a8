// Float64 references for the tests (not exported from the package): plain-array matrices,
// a Jacobi eigenvalue solver, and the Newton-Schulz and Muon formulas written out directly.
import { mulberry32 } from '@basin/core';

export type Mat = number[][];

export function randomMatrix(rows: number, cols: number, seed: number): Mat {
  const rand = mulberry32(seed);
  // Box-Muller normals.
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: rows }, () => Array.from({ length: cols }, normal));
}

export const transpose = (a: Mat): Mat => a[0].map((_, j) => a.map((row) => row[j]));

export function matmul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

export const add = (a: Mat, b: Mat): Mat => a.map((row, i) => row.map((v, j) => v + b[i][j]));
export const scale = (a: Mat, s: number): Mat => a.map((row) => row.map((v) => v * s));
export const frobenius = (a: Mat): number => Math.sqrt(a.flat().reduce((s, v) => s + v * v, 0));

/** Reshapes a flat row-major array into a matrix. */
export function toMat(flat: ArrayLike<number>, rows: number, cols: number): Mat {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => flat[i * cols + j]));
}

export { symmetricEigenvalues } from '@basin/testing';
import { symmetricEigenvalues } from '@basin/testing';

/** Singular values of a matrix (the short side's count), ascending. */
export function singularValues(a: Mat): number[] {
  const gram = a.length <= a[0].length ? matmul(a, transpose(a)) : matmul(transpose(a), a);
  return symmetricEigenvalues(gram).map((v) => Math.sqrt(Math.max(v, 0)));
}

/** Newton-Schulz as the reference writes it: transpose tall inputs, normalise, iterate, transpose back. */
export function referenceNewtonSchulz(g: Mat, table: readonly (readonly number[])[], eps = 1e-8): Mat {
  const tall = g.length > g[0].length;
  let x = tall ? transpose(g) : g;
  x = scale(x, 1 / (frobenius(x) + eps));
  for (const [a, b, c] of table) {
    const A = matmul(x, transpose(x));
    const B = add(scale(A, b), scale(matmul(A, A), c));
    x = add(scale(x, a), matmul(B, x));
  }
  return tall ? transpose(x) : x;
}

/** The scalar polynomial one step applies to each singular value. */
export const stepPolynomial = ([a, b, c]: readonly number[], s: number): number => a * s + b * s ** 3 + c * s ** 5;

// The bad-input check is @basin/testing's, shared by every package's tests.
export { expectCleanError } from '@basin/testing';
