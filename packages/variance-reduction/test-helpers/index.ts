// Test-only helpers (excluded from the build): a least-squares finite sum with float64
// gradients per batch, float64 references of SVRG and SAG; the bad-input tables are @basin/testing's.
import { tf, seededValues } from '@basin/testing';
import type { Tree } from '@basin/core';

export { snapshot, expectIntact, expectBasinError, describeBadInputs, seededValues, maxRelError, type BadInput } from '@basin/testing';

const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync());

export type LsParams = { w: tf.Tensor; b: tf.Tensor };
export type LsBatch = { x: tf.Tensor; y: tf.Tensor };

/** L_S(w, b) = 0.5 * mean_{r in S} (x_r . w + b - y_r)^2, the functional loss for Basin. */
export const lsLoss = (params: Tree, batch: LsBatch): tf.Scalar =>
  tf.tidy(() => {
    const p = params as LsParams;
    const pred = tf.add(tf.squeeze(tf.matMul(batch.x as tf.Tensor2D, tf.reshape(p.w, [-1, 1]) as tf.Tensor2D), [1]), p.b);
    return tf.mul(0.5, tf.mean(tf.square(tf.sub(pred, batch.y)))) as tf.Scalar;
  });

/**
 * A least-squares finite sum: `rows` rows of d = 3 features, targets from a linear model plus
 * noise (so the batch gradients disagree at the optimum), cut into `batches` consecutive
 * batches. The flat float64 vector is [w0, w1, w2, b].
 */
export function leastSquares({ rows = 24, batches = 6, noise = 0.3, seed = 1 } = {}) {
  const d = 3;
  const xs = Array.from({ length: rows }, (_, r) => seededValues(seed * 100 + r, d, 1.5));
  const eps = seededValues(seed * 7 + 3, rows, noise);
  const ys = xs.map((x, r) => 0.8 * x[0] - 1.2 * x[1] + 0.4 * x[2] + 0.3 + eps[r]);
  const per = rows / batches;
  if (!Number.isInteger(per)) throw new Error('rows must be a multiple of batches');
  const batchRows = Array.from({ length: batches }, (_, b) => Array.from({ length: per }, (_, i) => b * per + i));
  /** Gradient of 0.5 mean_{r in R} (x_r . w + b - y_r)^2 at v = [w, b], in float64. */
  const gradRows = (v: number[], R: number[]): number[] => {
    const g = new Array(d + 1).fill(0);
    for (const r of R) {
      const res = xs[r].reduce((s, x, j) => s + x * v[j], v[d]) - ys[r];
      for (let j = 0; j < d; j++) g[j] += (res * xs[r][j]) / R.length;
      g[d] += res / R.length;
    }
    return g;
  };
  const all = Array.from({ length: rows }, (_, r) => r);
  // The minimiser: normal equations A v = c with A = mean z z^T, c = mean z y, z = [x, 1].
  const A = Array.from({ length: d + 1 }, () => new Array(d + 1).fill(0));
  const c = new Array(d + 1).fill(0);
  for (const r of all) {
    const z = [...xs[r], 1];
    for (let i = 0; i <= d; i++) {
      c[i] += (z[i] * ys[r]) / rows;
      for (let j = 0; j <= d; j++) A[i][j] += (z[i] * z[j]) / rows;
    }
  }
  const optimum = solve(A, c);
  return {
    d,
    rows,
    batches,
    batchRows,
    optimum,
    /** Hessian of batch b's loss (mean z z^T over its rows), float64. */
    hessian: (R: number[]) => {
      const H = Array.from({ length: d + 1 }, () => new Array(d + 1).fill(0));
      for (const r of R) {
        const z = [...xs[r], 1];
        for (let i = 0; i <= d; i++) for (let j = 0; j <= d; j++) H[i][j] += (z[i] * z[j]) / R.length;
      }
      return H;
    },
    grad: (v: number[], b: number) => gradRows(v, batchRows[b]),
    fullGrad: (v: number[]) => gradRows(v, all),
    batch: (b: number): LsBatch => ({ x: tf.tensor2d(batchRows[b].map((r) => xs[r])), y: tf.tensor1d(batchRows[b].map((r) => ys[r])) }),
    data: (): LsBatch => ({ x: tf.tensor2d(xs), y: tf.tensor1d(ys) }),
    params: (v: number[]): LsParams => ({ w: tf.tensor1d(v.slice(0, d)), b: tf.tensor1d([v[d]]) }),
    read: (p: Tree): number[] => [...vals((p as LsParams).w), ...vals((p as LsParams).b)],
  };
}

export type LeastSquares = ReturnType<typeof leastSquares>;

/** Gaussian elimination with partial pivoting (small dense systems, float64). */
export function solve(A: number[][], c: number[]): number[] {
  const n = c.length;
  const M = A.map((row, i) => [...row, c[i]]);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(M[i][k]) > Math.abs(M[p][k])) p = i;
    [M[k], M[p]] = [M[p], M[k]];
    for (let i = k + 1; i < n; i++) {
      const f = M[i][k] / M[k][k];
      for (let j = k; j <= n; j++) M[i][j] -= f * M[k][j];
    }
  }
  const x = new Array(n).fill(0);
  for (let i = n - 1; i >= 0; i--) x[i] = (M[i][n] - M[i].slice(i + 1, n).reduce((s, a, j) => s + a * x[i + 1 + j], 0)) / M[i][i];
  return x;
}

/** A float64 base step: SGD with optional heavy-ball momentum (optax's trace + scale). */
export function sgd64(lr: number, momentum = 0) {
  let m: number[] | undefined;
  return (w: number[], d: number[]): number[] => {
    m = m === undefined || momentum === 0 ? d.slice() : d.map((x, i) => x + momentum * m![i]);
    return w.map((x, i) => x - lr * m![i]);
  };
}

/**
 * Float64 SVRG (Johnson & Zhang 2013, option I): a snapshot (params and full-batch gradient) at
 * step 0 and every `m` steps after, taken at the current iterate; in between the direction is
 * g_b(w) - g_b(w~) + mu~ with b = order(t). Returns the iterates after each step.
 */
export function svrg64(P: LeastSquares, start: number[], order: (t: number) => number, steps: number, m: number, base: (w: number[], d: number[]) => number[]): number[][] {
  let w = start.slice();
  let snap = w.slice();
  let mu = P.fullGrad(w);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    let d: number[];
    if (t % m === 0) {
      snap = w.slice();
      mu = P.fullGrad(w);
      d = mu.slice();
    } else {
      const b = order(t);
      const g = P.grad(w, b);
      const gs = P.grad(snap, b);
      d = g.map((x, i) => x - gs[i] + mu[i]);
    }
    w = base(w, d);
    out.push(w);
  }
  return out;
}

/** Float64 SAG over the fixed batches: table of last gradients, mean over seen (or all) batches. */
export function sag64(P: LeastSquares, start: number[], order: (t: number) => number, steps: number, normalize: 'seen' | 'all', base: (w: number[], d: number[]) => number[]): number[][] {
  let w = start.slice();
  const table: (number[] | undefined)[] = new Array(P.batches).fill(undefined);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const b = order(t);
    table[b] = P.grad(w, b);
    const seen = table.filter((x): x is number[] => x !== undefined);
    const denom = normalize === 'seen' ? seen.length : P.batches;
    const d = new Array(w.length).fill(0).map((_, i) => seen.reduce((s, g) => s + g[i], 0) / denom);
    w = base(w, d);
    out.push(w);
  }
  return out;
}

export const dist = (a: number[], b: number[]): number => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]) ** 2, 0));
