// Float64 transcription of the three methods on the diagonal linear network, as a cross-check
// of the Basin runs (same data, same updates; only the arithmetic precision differs).
import { mse, type SparseRegression } from './problem';

/** Gradient of 0.5 * mean_{i in rows} (<x_i, u * v> - y_i)^2 with respect to u and v. */
function grad(p: SparseRegression, u: number[], v: number[], rows: number[]): [number[], number[]] {
  const gu = new Array(p.d).fill(0);
  const gv = new Array(p.d).fill(0);
  for (const i of rows) {
    let pred = 0;
    for (let j = 0; j < p.d; j++) pred += p.X[i][j] * u[j] * v[j];
    const r = (pred - p.y[i]) / rows.length;
    for (let j = 0; j < p.d; j++) {
      gu[j] += r * p.X[i][j] * v[j];
      gv[j] += r * p.X[i][j] * u[j];
    }
  }
  return [gu, gv];
}

export function referenceRun(
  p: SparseRegression,
  { kind, rho, alpha, lr, steps }: { kind: 'gd' | 'n-sam' | '1-sam'; rho: number; alpha: number; lr: number; steps: number },
): { train: number; test: number } {
  const u = new Array(p.d).fill(alpha);
  const v = new Array(p.d).fill(0);
  const all = Array.from({ length: p.n }, (_, i) => i);
  const chunks = kind === '1-sam' ? all.map((i) => [i]) : [all];
  for (let t = 0; t < steps; t++) {
    const gu = new Array(p.d).fill(0);
    const gv = new Array(p.d).fill(0);
    for (const rows of chunks) {
      let [a, b] = grad(p, u, v, rows);
      if (kind !== 'gd') {
        // Unnormalised SAM: the gradient at (u, v) + rho * (its own chunk's gradient).
        [a, b] = grad(p, u.map((x, j) => x + rho * a[j]), v.map((x, j) => x + rho * b[j]), rows);
      }
      for (let j = 0; j < p.d; j++) {
        gu[j] += a[j] / chunks.length;
        gv[j] += b[j] / chunks.length;
      }
    }
    for (let j = 0; j < p.d; j++) {
      u[j] -= lr * gu[j];
      v[j] -= lr * gv[j];
    }
  }
  const beta = u.map((x, j) => x * v[j]);
  return { train: mse(beta, p.X, p.y), test: mse(beta, p.XTest, p.yTest) };
}
