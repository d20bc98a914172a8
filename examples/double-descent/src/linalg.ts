// Plain float64 linear algebra for the min-norm least-squares fits: a symmetric Gram matrix and
// a Cholesky solve. TF.js has no SVD or pseudo-inverse (and computes in float32), so the solves
// that decide the height of the interpolation peak are done here, in doubles.

/** G = A A^T for A with `rows` rows of length `cols` (row-major), or A^T A when `transpose`. */
export function gram(a: Float64Array, rows: number, cols: number, transpose: boolean): Float64Array {
  if (!transpose) {
    const g = new Float64Array(rows * rows);
    for (let i = 0; i < rows; i++) {
      const ri = i * cols;
      for (let j = 0; j <= i; j++) {
        const rj = j * cols;
        let s = 0;
        for (let k = 0; k < cols; k++) s += a[ri + k] * a[rj + k];
        g[i * rows + j] = s;
        g[j * rows + i] = s;
      }
    }
    return g;
  }
  // A^T A, accumulated row by row of A (cache-friendly for row-major A).
  const g = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let i = 0; i < cols; i++) {
      const ai = a[base + i];
      if (ai === 0) continue;
      const gi = i * cols;
      for (let j = 0; j <= i; j++) g[gi + j] += ai * a[base + j];
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) g[j * cols + i] = g[i * cols + j];
  return g;
}

/**
 * Solves (G + lambda I) X = B for symmetric positive semi-definite G (size n), B with `k`
 * columns (row-major n x k), by Cholesky in float64. Throws if a pivot is not positive.
 */
export function choleskySolve(g: Float64Array, n: number, lambda: number, b: Float64Array, k: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = g[i * n + j] + (i === j ? lambda : 0);
      for (let t = 0; t < j; t++) s -= l[i * n + t] * l[j * n + t];
      if (i === j) {
        if (!(s > 0)) throw new Error(`cholesky: pivot ${i} is ${s} (matrix not positive definite at ridge ${lambda})`);
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  const x = Float64Array.from(b);
  for (let c = 0; c < k; c++) {
    // L z = b, then L^T x = z.
    for (let i = 0; i < n; i++) {
      let s = x[i * k + c];
      for (let t = 0; t < i; t++) s -= l[i * n + t] * x[t * k + c];
      x[i * k + c] = s / l[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i * k + c];
      for (let t = i + 1; t < n; t++) s -= l[t * n + i] * x[t * k + c];
      x[i * k + c] = s / l[i * n + i];
    }
  }
  return x;
}

/** C = A B for row-major A (r x m) and B (m x c). */
export function matmul(a: Float64Array, b: Float64Array, r: number, m: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let t = 0; t < m; t++) {
      const ait = a[i * m + t];
      if (ait === 0) continue;
      const bt = t * c;
      const oi = i * c;
      for (let j = 0; j < c; j++) out[oi + j] += ait * b[bt + j];
    }
  }
  return out;
}

/** C = A^T B for row-major A (r x m) and B (r x c): an m x c result. */
export function matmulTransA(a: Float64Array, b: Float64Array, r: number, m: number, c: number): Float64Array {
  const out = new Float64Array(m * c);
  for (let i = 0; i < r; i++) {
    for (let t = 0; t < m; t++) {
      const ait = a[i * m + t];
      if (ait === 0) continue;
      const ot = t * c;
      const bi = i * c;
      for (let j = 0; j < c; j++) out[ot + j] += ait * b[bi + j];
    }
  }
  return out;
}

/**
 * The minimum-norm least-squares weights W (p x k) of Phi W ~ Y for Phi (n x p), Y (n x k), as
 * the ridge limit: W = (Phi^T Phi + lambda I)^-1 Phi^T Y when p <= n, and
 * W = Phi^T (Phi Phi^T + lambda I)^-1 Y when p > n (the Gram of the smaller side), with lambda
 * `relativeRidge` times the Gram's mean diagonal. A tiny relativeRidge (1e-10) gives the
 * min-norm interpolant up to float64 round-off; a larger one gives ordinary ridge regression.
 */
export function minNormFit(phi: Float64Array, n: number, p: number, y: Float64Array, k: number, relativeRidge: number): Float64Array {
  const overparameterised = p > n;
  const size = overparameterised ? n : p;
  const g = gram(phi, n, p, !overparameterised);
  let trace = 0;
  for (let i = 0; i < size; i++) trace += g[i * size + i];
  const lambda = (relativeRidge * trace) / size;
  if (overparameterised) {
    const alpha = choleskySolve(g, n, lambda, y, k);
    return matmulTransA(phi, alpha, n, p, k);
  }
  return choleskySolve(g, p, lambda, matmulTransA(phi, y, n, p, k), k);
}
