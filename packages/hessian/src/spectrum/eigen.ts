import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, entryPoint, oneOf } from '@basin/core';
import { checkBoolean, checkedMatvec, checkOperator, checkProgress, optionsRecord } from '../checks';
import type { LinearOperator } from '../hessian';
import { tridiagonalEigen } from '../linalg/tridiagonal';
import { combine, dot, norm, orthogonalize } from '../linalg/vectors';
import type { ProgressCallback } from '../progress';
import { VectorRandom } from '../random';
import { lanczos } from './lanczos';

/** Which end of the spectrum: largest by value, smallest (most negative) by value, largest by magnitude. */
export type Which = 'largest' | 'smallest' | 'magnitude';

export interface EigenOptions {
  /** Number of eigenpairs. Default 1. */
  k?: number;
  which?: Which;
  /** `lanczos` (default; full reorthogonalisation) or `power` (power iteration with deflation). */
  method?: 'lanczos' | 'power';
  /**
   * Relative tolerance. Lanczos: Ritz residual |beta_m s_m| <= tol |theta| (a bound on the
   * eigenvalue error). Power: |lambda_t - lambda_{t-1}| <= tol |lambda_t|. Default 1e-3.
   */
  tol?: number;
  /** Lanczos: most steps (HVPs). Power: most iterations per eigenpair. Default 100. */
  maxIterations?: number;
  /** Seed of the random start vector. Default 0. */
  seed?: number;
  /** Return eigenvectors (flat, in the params' `treeToVector` order). Default true. */
  vectors?: boolean;
  onProgress?: ProgressCallback;
}

export interface EigenResult {
  /** Eigenvalues in the order asked for (largest first for `largest`, most negative first for `smallest`). */
  values: number[];
  /** Unit eigenvectors, as flat vectors the caller owns (`treeFromVector(v, params)` gives trees). */
  vectors: tf.Tensor1D[];
  /** Operator applications (HVPs) used. */
  matvecs: number;
  converged: boolean;
}

function rank(values: ArrayLike<number>, which: Which): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  if (which === 'largest') return idx.sort((a, b) => values[b] - values[a]);
  if (which === 'smallest') return idx.sort((a, b) => values[a] - values[b]);
  return idx.sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]));
}

function checkOptions(op: LinearOperator, options: EigenOptions | undefined) {
  const owner = 'topEigenvalues';
  checkOperator(owner, op);
  const o = optionsRecord(owner, options);
  const k = checkNumber(owner, 'k', o.k ?? 1, { min: 1, max: op.size, integer: true });
  const which = oneOf(owner, 'which', o.which, ['largest', 'smallest', 'magnitude'] as const, 'largest');
  const method = oneOf(owner, 'method', o.method, ['lanczos', 'power'] as const, 'lanczos');
  const tol = checkNumber(owner, 'tol', o.tol ?? 1e-3, { min: 0, minExclusive: true });
  const maxIterations = checkNumber(owner, 'maxIterations', o.maxIterations ?? 100, { min: 1, integer: true });
  const seed = checkNumber(owner, 'seed', o.seed ?? 0, { integer: true });
  const wantVectors = checkBoolean(owner, 'vectors', o.vectors, true);
  checkProgress(owner, o.onProgress);
  return { k, which: which as Which, method, tol, maxIterations, seed, wantVectors, onProgress: o.onProgress };
}

/**
 * The k extreme eigenvalues (and eigenvectors) of a symmetric operator such as
 * `hessian(objective)`: by Lanczos with full reorthogonalisation (default) or by power iteration
 * with deflation (as PyHessian, Yao et al. 2020). The small tridiagonal eigenproblem is solved in
 * float64 JS. Runs in one `tf.tidy`: only the returned vectors survive, also when it throws.
 *
 *     const { values } = topEigenvalues(hessian(objective), { k: 3 });
 */
export const topEigenvalues = entryPoint('topEigenvalues', function topEigenvalues(op: LinearOperator, options: EigenOptions = {}): EigenResult {
  const o = checkOptions(op, options);
  const checked: LinearOperator = { size: op.size, matvec: checkedMatvec(op) };
  return tf.tidy(() => (o.method === 'lanczos' ? lanczosEigen(checked, o) : powerEigen(checked, o)) as unknown as tf.TensorContainer) as unknown as EigenResult;
});

function lanczosEigen(op: LinearOperator, o: ReturnType<typeof checkOptions>): EigenResult {
  const random = new VectorRandom(o.seed);
  const start = random.unit(op.size);
  const steps = Math.min(op.size, Math.max(o.maxIterations, o.k));
  let converged = false;
  const run = lanczos(op, start, steps, (r) => {
    if (r.alpha.length < o.k) return false;
    const { values, vectors } = tridiagonalEigen(r.alpha, r.beta);
    const m = r.alpha.length;
    const wanted = rank(values, o.which).slice(0, o.k);
    converged = wanted.every((i) => Math.abs(r.lastBeta * vectors[i][m - 1]) <= o.tol * Math.max(Math.abs(values[i]), 1e-12));
    o.onProgress?.({ task: 'lanczos', done: m, total: steps, estimate: values[wanted[0]] });
    return converged;
  });
  start.dispose();
  const { values, vectors } = tridiagonalEigen(run.alpha, run.beta);
  const m = run.alpha.length;
  const wanted = rank(values, o.which).slice(0, o.k);
  if (run.invariant || m >= op.size) converged = true;
  else converged = wanted.every((i) => Math.abs(run.lastBeta * vectors[i][m - 1]) <= o.tol * Math.max(Math.abs(values[i]), 1e-12));
  const basis = run.basis.slice(0, m);
  const out = o.wantVectors ? wanted.map((i) => combine(basis, vectors[i])) : [];
  tf.dispose(run.basis);
  return { values: wanted.map((i) => values[i]), vectors: out, matvecs: run.matvecs, converged };
}

/**
 * Power iteration with deflation. For `largest`/`smallest` it first finds the eigenvalue of
 * largest magnitude and, unless that already answers a k = 1 query, iterates on
 * s H + |lambda| I (s = +1 or -1), whose spectrum is nonnegative with the wanted end on top.
 */
function powerEigen(op: LinearOperator, o: ReturnType<typeof checkOptions>): EigenResult {
  const random = new VectorRandom(o.seed);
  let matvecs = 0;
  let allConverged = true;
  const apply = (sign: number, shift: number, found: { mu: number; u: tf.Tensor1D }[], v: tf.Tensor1D): tf.Tensor1D => {
    const hv = op.matvec(v);
    matvecs += 1;
    return tf.tidy(() => {
      let w: tf.Tensor = tf.add(tf.mul(hv, sign), tf.mul(v, shift));
      hv.dispose();
      for (const { mu, u } of found) w = tf.sub(w, tf.mul(u, mu * dot(u, v)));
      return w as tf.Tensor1D;
    });
  };
  const iterate = (sign: number, shift: number, found: { mu: number; u: tf.Tensor1D }[], task: string): { mu: number; u: tf.Tensor1D } => {
    const unitAfter = (x: tf.Tensor1D): tf.Tensor1D =>
      tf.tidy(() => {
        const r = orthogonalize(x, found.map((f) => f.u));
        return tf.div(r, tf.norm(r)) as tf.Tensor1D;
      });
    const fresh = random.unit(op.size);
    let v = unitAfter(fresh);
    fresh.dispose();
    let mu = NaN;
    let converged = false;
    for (let t = 0; t < o.maxIterations; t++) {
      const w = apply(sign, shift, found, v);
      const next = dot(v, w);
      const wn = norm(w);
      v.dispose();
      if (wn === 0) {
        // v is in the null space of the (deflated) operator.
        v = w;
        mu = 0;
        converged = true;
        break;
      }
      v = unitAfter(w);
      w.dispose();
      const done = Math.abs(next - mu) <= o.tol * Math.abs(next);
      mu = next;
      o.onProgress?.({ task, done: t + 1, total: o.maxIterations, estimate: sign * (mu - shift) });
      if (done) {
        converged = true;
        break;
      }
    }
    allConverged = allConverged && converged;
    return { mu, u: v };
  };
  const deflated = (sign: number, shift: number, count: number): { mu: number; u: tf.Tensor1D }[] => {
    const found: { mu: number; u: tf.Tensor1D }[] = [];
    for (let i = 0; i < count; i++) found.push(iterate(sign, shift, found, `power ${i + 1}/${count}`));
    return found;
  };
  let pairs: { value: number; u: tf.Tensor1D }[];
  if (o.which === 'magnitude') {
    pairs = deflated(1, 0, o.k).map(({ mu, u }) => ({ value: mu, u }));
  } else {
    const [first] = deflated(1, 0, 1);
    const sign = o.which === 'largest' ? 1 : -1;
    if (o.k === 1 && sign * first.mu >= 0) {
      pairs = [{ value: first.mu, u: first.u }];
    } else {
      const shift = Math.abs(first.mu);
      first.u.dispose();
      pairs = deflated(sign, shift, o.k).map(({ mu, u }) => ({ value: sign * (mu - shift), u }));
    }
  }
  const order = rank(pairs.map((p) => p.value), o.which);
  const sorted = order.map((i) => pairs[i]);
  if (!o.wantVectors) tf.dispose(sorted.map((p) => p.u));
  return { values: sorted.map((p) => p.value), vectors: o.wantVectors ? sorted.map((p) => p.u) : [], matvecs, converged: allConverged };
}
