import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, entryPoint } from '@basin/core';
import { checkedMatvec, checkOperator, checkProgress, optionsRecord } from '../checks';
import type { LinearOperator } from '../hessian';
import { dot, norm } from '../linalg/vectors';
import type { ProgressCallback } from '../progress';
import { VectorRandom } from '../random';

export interface TraceOptions {
  /** Seed of the random probes. Default 0. */
  seed?: number;
  onProgress?: ProgressCallback;
}

export interface TraceEstimate {
  /** The trace estimate. */
  trace: number;
  /** Standard error of the estimate (from the sample spread of the stochastic part). */
  standardError: number;
  /** Operator applications (HVPs) used. */
  matvecs: number;
  /** Hutchinson only: the per-probe values z^T A z. */
  samples?: number[];
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sampleStd = (xs: number[]): number => {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

/**
 * Hutchinson's trace estimator with Rademacher probes, tr(A) ~ mean_i z_i^T A z_i
 * (Hutchinson 1990; Avron & Toledo 2011). Unbiased; variance 2(||A||_F^2 - sum_i A_ii^2) / samples.
 */
export const hutchinsonTrace = entryPoint('hutchinsonTrace', function hutchinsonTrace(op: LinearOperator, options: TraceOptions & { samples?: number } = {}): TraceEstimate {
  const owner = 'hutchinsonTrace';
  checkOperator(owner, op);
  const o = optionsRecord(owner, options);
  const samples = checkNumber(owner, 'samples', o.samples ?? 100, { min: 1, integer: true });
  const seed = checkNumber(owner, 'seed', o.seed ?? 0, { integer: true });
  checkProgress(owner, o.onProgress);
  const matvec = checkedMatvec(op);
  const random = new VectorRandom(seed);
  const values: number[] = [];
  tf.tidy(() => {
    for (let i = 0; i < samples; i++) {
      const z = random.rademacher(op.size);
      const az = matvec(z);
      values.push(dot(z, az));
      tf.dispose([z, az]);
      o.onProgress?.({ task: 'hutchinson', done: i + 1, total: samples, estimate: mean(values) });
    }
  });
  return { trace: mean(values), standardError: sampleStd(values) / Math.sqrt(samples), matvecs: samples, samples: values };
});

/** Orthonormal basis of the span of `vectors` (modified Gram-Schmidt, twice), dropping near-dependent ones. */
function orthonormalBasis(vectors: tf.Tensor1D[]): tf.Tensor1D[] {
  const basis: tf.Tensor1D[] = [];
  for (const v of vectors) {
    const scale = norm(v);
    let w = tf.clone(v);
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) {
        const c = dot(q, w);
        const next = tf.tidy(() => tf.sub(w, tf.mul(q, c)) as tf.Tensor1D);
        w.dispose();
        w = next;
      }
    }
    const n = norm(w);
    if (n > 1e-6 * Math.max(scale, 1e-30)) basis.push(tf.tidy(() => tf.div(w, n) as tf.Tensor1D));
    w.dispose();
  }
  return basis;
}

/**
 * Hutch++ (Meyer, Musco, Musco & Woodruff 2021, Algorithm 1) with `matvecs` operator
 * applications (rounded down to a multiple of 3): with S, G Rademacher (n x m/3), Q = orth(A S),
 * tr(A) ~ tr(Q^T A Q) + (3/m) tr(G^T (I - QQ^T) A (I - QQ^T) G). Exact on the top of the spectrum,
 * Hutchinson on the rest: error O(1/m) instead of O(1/sqrt(m)) when the spectrum decays.
 */
export const hutchPlusPlusTrace = entryPoint('hutchPlusPlusTrace', function hutchPlusPlusTrace(op: LinearOperator, options: TraceOptions & { matvecs?: number } = {}): TraceEstimate {
  const owner = 'hutchPlusPlusTrace';
  checkOperator(owner, op);
  const o = optionsRecord(owner, options);
  const matvecs = checkNumber(owner, 'matvecs', o.matvecs ?? 99, { min: 3, integer: true });
  const seed = checkNumber(owner, 'seed', o.seed ?? 0, { integer: true });
  checkProgress(owner, o.onProgress);
  const matvec = checkedMatvec(op);
  // One tidy: nothing survives, also when the operator throws part way.
  return tf.tidy(() => hutchPlusPlus(op.size, matvec, matvecs, seed, o.onProgress) as unknown as tf.TensorContainer) as unknown as TraceEstimate;
});

function hutchPlusPlus(size: number, matvec: (v: tf.Tensor1D) => tf.Tensor1D, matvecs: number, seed: number, onProgress: TraceOptions['onProgress']): TraceEstimate {
  const third = Math.floor(matvecs / 3);
  const random = new VectorRandom(seed);
  let used = 0;
  const apply = (v: tf.Tensor1D): tf.Tensor1D => {
    const out = matvec(v);
    used += 1;
    onProgress?.({ task: 'hutch++', done: used, total: 3 * third });
    return out;
  };
  // Sketch the top of the spectrum.
  const sketch: tf.Tensor1D[] = [];
  for (let i = 0; i < third; i++) {
    const s = random.rademacher(size);
    sketch.push(apply(s));
    s.dispose();
  }
  const Q = orthonormalBasis(sketch);
  tf.dispose(sketch);
  let exactPart = 0;
  for (const q of Q) {
    const aq = apply(q);
    exactPart += dot(q, aq);
    aq.dispose();
  }
  const project = (g: tf.Tensor1D): tf.Tensor1D =>
    tf.tidy(() => {
      let w: tf.Tensor = g;
      for (const q of Q) w = tf.sub(w, tf.mul(q, tf.sum(tf.mul(q, w))));
      return w as tf.Tensor1D;
    });
  const residual: number[] = [];
  for (let i = 0; i < third; i++) {
    const g = random.rademacher(size);
    const pg = project(g);
    const apg = apply(pg);
    // (I - QQ^T) is symmetric, so g^T P A P g = (P g)^T A (P g).
    residual.push(dot(pg, apg));
    tf.dispose([g, pg, apg]);
  }
  tf.dispose(Q);
  const stochastic = residual.length > 0 ? mean(residual) : 0;
  return {
    trace: exactPart + stochastic,
    standardError: residual.length > 1 ? sampleStd(residual) / Math.sqrt(residual.length) : NaN,
    matvecs: used,
  };
}
