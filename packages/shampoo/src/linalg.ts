// Small dense symmetric linear algebra in plain JS float64: an independent reference for the
// matmul-only iterations (tests, parity checks, diagnostics). O(n^3) per sweep; meant for n up
// to a few hundred, never for the training path.
import { BasinError } from '@basin/core';

export interface SymmetricEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Eigenvectors as columns of a row-major n x n matrix: `vectors[i * n + j]` is entry i of vector j. */
  vectors: Float64Array;
}

/**
 * Eigendecomposition of a symmetric matrix (row-major, n x n) by cyclic Jacobi rotations
 * (Golub & Van Loan, "Matrix Computations", 4th ed., section 8.5). Accurate to float64
 * rounding for well-scaled input; the matrix is symmetrised first.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number, maxSweeps = 100): SymmetricEigen {
  if (!Number.isInteger(n) || n < 0 || matrix.length !== n * n) {
    throw new BasinError(`symmetricEigen: matrix must have n * n = ${n * n} entries, got ${matrix.length}`);
  }
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (matrix[i * n + j] + matrix[j * n + i]);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x = a[i * n + j] * a[i * n + j];
        total += x;
        if (i !== j) off += x;
      }
    }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A <- J^T A J on rows/columns p and q.
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i] - a[j * n + j]);
  const values = new Float64Array(order.map((i) => a[i * n + i]));
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/** `V f(D) V^T` for a symmetric matrix `V D V^T`: a matrix function by eigendecomposition. */
export function symmetricMatrixFunction(matrix: ArrayLike<number>, n: number, f: (eigenvalue: number) => number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, n);
  const fv = values.map(f);
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += vectors[i * n + k] * fv[k] * vectors[j * n + k];
      out[i * n + j] = s;
    }
  }
  return out;
}

/** Reference `(A + ridge I)^(-1/p)` in float64 by eigendecomposition. */
export function eigenInversePthRoot(matrix: ArrayLike<number>, n: number, p: number, ridge = 0): Float64Array {
  return symmetricMatrixFunction(matrix, n, (x) => Math.pow(x + ridge, -1 / p));
}
