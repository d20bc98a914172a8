import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, describeValue, entryPoint, checkFloatTensor, checkKnownOptions as checkOptions } from '@basin/core';

/** One quintic step's coefficients `(a, b, c)`: `X <- a X + b (X X^T) X + c (X X^T)^2 X`. */
export type NewtonSchulzCoefficients = readonly [number, number, number];

/**
 * Jordan's quintic coefficients (modded-nanogpt, 2024): chosen to maximise the slope at zero,
 * so 5 steps push every singular value into roughly [0.7, 1.2] instead of exactly 1.
 */
export const QUINTIC_COEFFICIENTS: NewtonSchulzCoefficients = [3.4445, -4.775, 2.0315];

/**
 * The classic cubic Newton-Schulz step `X <- 1.5 X - 0.5 (X X^T) X` (Higham 2008, ch. 8):
 * slower, but it converges to the exact polar factor `U V^T`.
 */
export const CUBIC_COEFFICIENTS: NewtonSchulzCoefficients = [1.5, -0.5, 0];

export interface NewtonSchulzOptions {
  /**
   * Number of iterations. Default 5, or the length of `coefficients` when that is a per-step
   * table (giving both with different counts is an error).
   */
  steps?: number;
  /**
   * `(a, b, c)` used at every step, or a table with one triple per step. Default
   * `QUINTIC_COEFFICIENTS`.
   */
  coefficients?: NewtonSchulzCoefficients | readonly NewtonSchulzCoefficients[];
  /** Added to the Frobenius norm before dividing by it, so a zero matrix stays zero. Default 1e-8. */
  eps?: number;
}

/** Validated options: one coefficient triple per step. */
export interface NewtonSchulzPlan {
  table: NewtonSchulzCoefficients[];
  eps: number;
}

function isTriple(x: unknown): x is NewtonSchulzCoefficients {
  return Array.isArray(x) && x.length === 3 && x.every((v) => typeof v === 'number');
}

/** The option names of `newtonSchulz`. */
export const NEWTON_SCHULZ_OPTIONS: readonly string[] = ['steps', 'coefficients', 'eps'];

/**
 * Checks Newton-Schulz options once (at construction) and expands them to a per-step table.
 * Errors name `planNewtonSchulz` when you call it; `owner` is kept for compatibility.
 */
export const planNewtonSchulz = entryPoint('planNewtonSchulz', function planNewtonSchulz(owner: string, options: NewtonSchulzOptions = {}): NewtonSchulzPlan {
  return makePlan(typeof owner === 'string' ? owner : 'planNewtonSchulz', checkOptions('planNewtonSchulz', options, NEWTON_SCHULZ_OPTIONS));
});

/** `planNewtonSchulz` for Muon's own options (which carry other keys too), errors under `owner`. */
export function makePlan(owner: string, options: NewtonSchulzOptions): NewtonSchulzPlan {
  const { steps, coefficients = QUINTIC_COEFFICIENTS, eps = 1e-8 } = options;
  checkNumber(owner, 'eps', eps, { min: 0 });
  if (steps !== undefined) checkNumber(owner, 'steps', steps, { min: 0, integer: true });
  let table: NewtonSchulzCoefficients[];
  if (isTriple(coefficients)) {
    table = Array.from({ length: steps ?? 5 }, () => coefficients);
  } else if (Array.isArray(coefficients) && coefficients.length > 0 && coefficients.every(isTriple)) {
    table = coefficients.map((t) => t as NewtonSchulzCoefficients);
    if (steps !== undefined && steps !== table.length) {
      throw new BasinError(`${owner}: steps is ${steps} but coefficients has ${table.length} rows; give one or make them agree`);
    }
  } else {
    throw new BasinError(
      `${owner}: coefficients must be a triple [a, b, c] or a non-empty table of triples, got ${JSON.stringify(coefficients)}`,
    );
  }
  const perStep = !isTriple(coefficients);
  table.forEach((t, i) => t.forEach((v, j) => checkNumber(owner, `coefficients${perStep ? `[${i}]` : ''}[${j}]`, v)));
  return { table, eps };
}

/** Checks a plan given by the caller (what `planNewtonSchulz` returns). */
function checkPlan(owner: string, plan: unknown): NewtonSchulzPlan {
  const p = plan as Partial<NewtonSchulzPlan> | null | undefined;
  if (p === null || typeof p !== 'object' || !Array.isArray(p.table) || !p.table.every(isTriple)) {
    throw new BasinError(`${owner}: plan must be { table: [[a, b, c], ...], eps } as planNewtonSchulz returns, got ${describeValue(plan)}`);
  }
  p.table.forEach((t, i) => t.forEach((v, j) => checkNumber(owner, `plan.table[${i}][${j}]`, v)));
  checkNumber(owner, 'plan.eps', p.eps, { min: 0 });
  return p as NewtonSchulzPlan;
}

/** A matrix argument: a live, non-empty, float32 2-D tensor. */
function checkMatrix(owner: string, G: unknown): tf.Tensor2D {
  const g = checkFloatTensor(owner, 'G', G);
  if (g.rank !== 2) {
    throw new BasinError(`${owner}: G must be a matrix (rank 2), got shape [${g.shape.join(', ')}]; reshape conv kernels to [kh*kw*in, out] first`);
  }
  if (g.size === 0) throw new BasinError(`${owner}: G has shape [${g.shape.join(', ')}] with no entries; expected a non-empty matrix`);
  return g as tf.Tensor2D;
}

/**
 * Runs a planned iteration on a matrix. The Gram matrix `A` is always the small one: for a tall
 * matrix (rows > cols) the iteration works on `X^T`, the reference's "transpose while iterating".
 *
 * Each step is written as `X <- (a I + A (c A + b I)) X`: the same three matmuls as
 * `a X + (b A + c A^2) X`, with the elementwise work on the small square only. Transposes go
 * through matMul's transpose flags (free on CPU, WebGL, WebGPU), except on the WASM backend,
 * which runs flagged matmuls about ten times slower than plain ones (measured in TF.js 4.22):
 * there explicit transposes are cheaper. Only matmuls, transposes and elementwise ops: it runs
 * on every backend.
 */
export const runNewtonSchulz = entryPoint('runNewtonSchulz', function runNewtonSchulz(G: tf.Tensor2D, plan: NewtonSchulzPlan): tf.Tensor2D {
  const owner = 'runNewtonSchulz';
  return orthogonalize(checkMatrix(owner, G), checkPlan(owner, plan));
});

/** `runNewtonSchulz` without the checks, for Muon's own validated matrices and plans. */
export function orthogonalize(G: tf.Tensor2D, { table, eps }: NewtonSchulzPlan): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, cols] = G.shape;
    const tall = rows > cols;
    const flags = tf.getBackend() !== 'wasm';
    const g = (G.dtype === 'float32' ? G : tf.cast(G, 'float32')) as tf.Tensor2D;
    // With flags a tall X stays tall and every product is taken from the other side.
    const right = flags && tall;
    const start = tall && !flags ? (tf.transpose(g) as tf.Tensor2D) : g;
    const eye = tf.eye(Math.min(rows, cols));
    // Scalars and scaled identities, made once per distinct coefficient rather than per step.
    const scalars = new Map<number, tf.Scalar>();
    const scalar = (v: number): tf.Scalar => {
      if (!scalars.has(v)) scalars.set(v, tf.scalar(v));
      return scalars.get(v) as tf.Scalar;
    };
    const scaledEye = new Map<number, tf.Tensor>();
    const eyeTimes = (v: number): tf.Tensor => {
      if (!scaledEye.has(v)) scaledEye.set(v, tf.mul(eye, scalar(v)));
      return scaledEye.get(v) as tf.Tensor;
    };
    const gramOf = (x: tf.Tensor2D): tf.Tensor2D => {
      if (right) return tf.matMul(x, x, true, false);
      if (flags) return tf.matMul(x, x, false, true);
      const xt = tf.transpose(x);
      const gram = tf.matMul(x, xt) as tf.Tensor2D;
      xt.dispose();
      return gram;
    };
    let x = tf.div(start, tf.add(tf.sqrt(tf.sum(tf.square(start))), scalar(eps))) as tf.Tensor2D;
    for (const [a, b, c] of table) {
      const gram = gramOf(x);
      const inner = tf.add(tf.mul(gram, scalar(c)), eyeTimes(b));
      const poly = tf.add(tf.matMul(gram, inner), eyeTimes(a)) as tf.Tensor2D;
      const next = (right ? tf.matMul(x, poly) : tf.matMul(poly, x)) as tf.Tensor2D;
      tf.dispose([gram, inner, poly, x]);
      x = next;
    }
    return tall && !flags ? tf.transpose(x) : x;
  });
}

/**
 * Approximate orthogonalisation of a matrix by the quintic Newton-Schulz iteration (Jordan
 * 2024; as optax's `orthogonalize_via_newton_schulz`): `X_0 = G / (||G||_F + eps)`, then
 * `X <- a X + b (X X^T) X + c (X X^T)^2 X` for each step. The result is about `U S' V^T` where
 * `G = U S V^T` and `S'` is near the identity (exactly `U V^T` in the limit for the cubic
 * coefficients). Returns a new tensor; `G` is left alone.
 */
export const newtonSchulz = entryPoint('newtonSchulz', function newtonSchulz(G: tf.Tensor, options: NewtonSchulzOptions = {}): tf.Tensor2D {
  const owner = 'newtonSchulz';
  const plan = makePlan(owner, checkOptions(owner, options, NEWTON_SCHULZ_OPTIONS));
  return orthogonalize(checkMatrix(owner, G), plan);
});
