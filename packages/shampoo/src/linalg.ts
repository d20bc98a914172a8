// Small dense symmetric linear algebra in plain JS float64: an independent reference for the
// matmul-only iterations (tests, parity checks, diagnostics). O(n^3) per sweep; meant for n up
// to a few hundred, never for the training path.
import { BasinError, checkNumber, describeValue, entryPoint } from '@basin/core';

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
export const symmetricEigen = entryPoint('symmetricEigen', function symmetricEigen(matrix: ArrayLike<number>, n: number, maxSweeps = 100): SymmetricEigen {
  checkMatrix('symmetricEigen', matrix, n);
  checkNumber('symmetricEigen', 'maxSweeps', maxSweeps, { min: 0, integer: true });
  return jacobiEigen(matrix, n, maxSweeps);
});

/** Checks a row-major `n x n` matrix of finite numbers given as a plain array. */
function checkMatrix(owner: string, matrix: unknown, n: unknown): void {
  checkNumber(owner, 'n', n, { min: 0, integer: true });
  const size = (n as number) * (n as number);
  const length = (matrix as { length?: unknown } | null | undefined)?.length;
  if (matrix === null || typeof matrix !== 'object' || typeof length !== 'number') {
    throw new BasinError(`${owner}: matrix must be an array of n * n = ${size} numbers (row-major), got ${describeValue(matrix)}`);
  }
  if (length !== size) throw new BasinError(`${owner}: matrix must have n * n = ${size} entries, got ${length}`);
  const m = matrix as ArrayLike<unknown>;
  for (let i = 0; i < size; i++) {
    const v = m[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new BasinError(`${owner}: matrix[${i}] (row ${Math.floor(i / (n as number))}, column ${i % (n as number)}) must be a finite number, got ${describeValue(v)}`);
    }
  }
}

/** The Jacobi sweeps of `symmetricEigen`, on a checked matrix. */
function jacobiEigen(matrix: ArrayLike<number>, n: number, maxSweeps: number): SymmetricEigen {
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
export const symmetricMatrixFunction = entryPoint('symmetricMatrixFunction', function symmetricMatrixFunction(
  matrix: ArrayLike<number>,
  n: number,
  f: (eigenvalue: number) => number,
): Float64Array {
  checkMatrix('symmetricMatrixFunction', matrix, n);
  if (typeof f !== 'function') throw new BasinError(`symmetricMatrixFunction: f must be a function of an eigenvalue, got ${describeValue(f)}`);
  return matrixFunction(matrix, n, f);
});

function matrixFunction(matrix: ArrayLike<number>, n: number, f: (eigenvalue: number) => number): Float64Array {
  const { values, vectors } = jacobiEigen(matrix, n, 100);
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
export const eigenInversePthRoot = entryPoint('eigenInversePthRoot', function eigenInversePthRoot(
  matrix: ArrayLike<number>,
  n: number,
  p: number,
  ridge = 0,
): Float64Array {
  checkMatrix('eigenInversePthRoot', matrix, n);
  checkNumber('eigenInversePthRoot', 'p', p, { min: 0, minExclusive: true });
  checkNumber('eigenInversePthRoot', 'ridge', ridge, { min: 0 });
  return matrixFunction(matrix, n, (x) => Math.pow(x + ridge, -1 / p));
});
