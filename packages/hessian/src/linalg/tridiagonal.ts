import { BasinError, entryPoint, describeArgument as describeGot } from '@basin/core';

const isArrayLike = (x: unknown): x is ArrayLike<number> =>
  Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));

export interface TridiagonalEigen {
  /** Eigenvalues in ascending order. */
  values: Float64Array;
  /** Eigenvectors: `vectors[j]` is the unit eigenvector of `values[j]`. */
  vectors: Float64Array[];
}

/**
 * Eigenvalues and eigenvectors of the symmetric tridiagonal matrix with diagonal `diag` (length
 * m) and off-diagonal `off` (length m - 1), by the implicit QL algorithm with Wilkinson shifts
 * (EISPACK tql2; Press et al., Numerical Recipes, 3rd ed., section 11.4). Plain float64 JS: the
 * Lanczos matrices here are small.
 */
export const tridiagonalEigen = entryPoint('tridiagonalEigen', function tridiagonalEigen(diag: ArrayLike<number>, off: ArrayLike<number>): TridiagonalEigen {
  if (!isArrayLike(diag)) throw new BasinError(`tridiagonalEigen: diag must be an array of numbers, got ${describeGot(diag)}`);
  if (!isArrayLike(off)) throw new BasinError(`tridiagonalEigen: off must be an array of numbers, got ${describeGot(off)}`);
  const n = diag.length;
  if (off.length !== Math.max(0, n - 1)) {
    throw new BasinError(`tridiagonalEigen: off-diagonal has length ${off.length}; expected ${Math.max(0, n - 1)}`);
  }
  const d = Float64Array.from(diag);
  const e = new Float64Array(n);
  for (let i = 0; i < n - 1; i++) e[i] = off[i];
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(d[i])) throw new BasinError(`tridiagonalEigen: diag[${i}] must be a finite number, got ${describeGot(diag[i])}`);
    if (!Number.isFinite(e[i])) throw new BasinError(`tridiagonalEigen: off[${i}] must be a finite number, got ${describeGot(off[i])}`);
  }
  // z[i][k]: component i of eigenvector k (rows of the accumulated rotations).
  const z: Float64Array[] = Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(n);
    row[i] = 1;
    return row;
  });
  for (let l = 0; l < n; l++) {
    let iter = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (++iter > 60) throw new BasinError('tridiagonalEigen: no convergence after 60 iterations');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      let underflow = false;
      for (; i >= l; i--) {
        let f = s * e[i];
        const b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          underflow = true;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        for (let k = 0; k < n; k++) {
          f = z[k][i + 1];
          z[k][i + 1] = s * z[k][i] + c * f;
          z[k][i] = c * z[k][i] - s * f;
        }
      }
      if (underflow) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[a] - d[b]);
  return {
    values: Float64Array.from(order.map((k) => d[k])),
    vectors: order.map((k) => Float64Array.from(z, (row) => row[k])),
  };
});
