import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, entryPoint, checkBoolean, checkFloatTensor, checkKnownOptions as checkOptions } from '@basin/core';

export interface InversePthRootOptions {
  /** Added to the diagonal before the root is taken: the root is of `A + ridgeEpsilon I`. Default 0. */
  ridgeEpsilon?: number;
  /** Most coupled-Newton iterations. Default 100. */
  maxIterations?: number;
  /** Stop once `||M - I||_F` is below this. Default 1e-6 (float32 rarely gets there; the growth test stops it). */
  errorTolerance?: number;
  /**
   * Stop when an iteration makes the error grow by more than this factor, and return the
   * iterate before it (rounding has taken over). Default 1.2, as in Anil et al.'s code.
   */
  growthLimit?: number;
  /** Re-symmetrise the iterate each step, which keeps float32 rounding from drifting. Default true. */
  symmetrize?: boolean;
}

export interface InversePthRootResult {
  /** `(A + ridgeEpsilon I)^(-1/p)`; the caller owns it. */
  root: tf.Tensor2D;
  /**
   * `||M - I||_F` at the returned root, where `M` tracks `root^p (A + ridge I)`: a bound on the
   * largest eigenvalue error. NaN if the input was not finite.
   */
  error: number;
  /** Iterations run. */
  iterations: number;
}

const OWNER = 'inversePthRoot';
const KNOWN_OPTIONS = ['ridgeEpsilon', 'maxIterations', 'errorTolerance', 'growthLimit', 'symmetrize'];
const QUADRATIC_PHASE = 0.1;

/** Checks the exponent: the coupled iteration needs a positive integer power. */
export function checkRootExponent(owner: string, p: unknown): number {
  return checkNumber(owner, 'p', p, { min: 1, integer: true });
}

/** `x^n` for a square matrix by repeated squaring (n >= 1). */
function matrixPower(x: tf.Tensor2D, n: number): tf.Tensor2D {
  let result: tf.Tensor2D | undefined;
  let base: tf.Tensor2D = x;
  let k = n;
  while (k > 0) {
    if (k & 1) result = result === undefined ? base : (tf.matMul(result, base) as tf.Tensor2D);
    k >>= 1;
    if (k > 0) base = tf.matMul(base, base) as tf.Tensor2D;
  }
  return result as tf.Tensor2D;
}

/**
 * `(A + eps I)^(-1/p)` for a symmetric positive (semi)definite matrix `A`, by the coupled
 * Newton iteration (Guo & Higham 2006, "A Schur-Newton method for the matrix p-th root and
 * its inverse"; as used for Shampoo by Anil et al. 2020, "Scalable second order optimization
 * for deep learning"). Only matmuls, so it runs on every TF.js backend.
 *
 * With `z = (p + 1) / (2 ||A||_F)` (the Frobenius norm bounds the spectrum, which puts every
 * eigenvalue of `M0 = z A` in (0, (p+1)/2] where the iteration converges):
 *
 *   M0 = z A,  H0 = z^(1/p) I
 *   T  = ((p + 1) I - M) / p,  M <- T^p M,  H <- H T
 *
 * `M` tends to `I` and `H` to `A^(-1/p)`. It stops at `errorTolerance`, after `maxIterations`,
 * when the error `||M - I||_F` grows by more than `growthLimit` (then it returns the
 * previous `H`), or when it stalls at the float32 floor (below 0.1 an iteration that does not
 * halve the error). One scalar is read back per iteration.
 *
 * The error is the Frobenius norm, not Anil et al.'s largest entry: in exact arithmetic every
 * eigenvalue of `M` moves monotonically towards 1 after the first step, so the Frobenius error
 * never grows and growth really means rounding. The largest entry can grow for a step or two
 * on nearly singular statistics (a rank-deficient `G G^T` plus a small ridge), which stopped
 * the iteration at step 0 in our tests.
 */
export const inversePthRoot = entryPoint('inversePthRoot', function inversePthRoot(
  matrix: tf.Tensor,
  p: number,
  options: InversePthRootOptions = {},
): InversePthRootResult {
  checkRootExponent(OWNER, p);
  const o = checkOptions(OWNER, options, KNOWN_OPTIONS) as InversePthRootOptions;
  checkNumber(OWNER, 'ridgeEpsilon', o.ridgeEpsilon ?? 0, { min: 0 });
  checkNumber(OWNER, 'maxIterations', o.maxIterations ?? 100, { min: 0, integer: true });
  checkNumber(OWNER, 'errorTolerance', o.errorTolerance ?? 1e-6, { min: 0 });
  checkNumber(OWNER, 'growthLimit', o.growthLimit ?? 1.2, { min: 1 });
  if (o.symmetrize !== undefined) checkBoolean(OWNER, 'symmetrize', o.symmetrize);
  checkFloatTensor(OWNER, 'matrix', matrix);
  if (matrix.rank !== 2 || matrix.shape[0] !== matrix.shape[1]) {
    throw new BasinError(`${OWNER}: matrix must be a square 2-D tensor, got shape [${matrix.shape.join(', ')}]`);
  }
  return coupledNewtonRoot(matrix, p, o);
});

/** `inversePthRoot` without the checks, for callers whose options are already validated. */
export function coupledNewtonRoot(matrix: tf.Tensor, p: number, options: InversePthRootOptions = {}): InversePthRootResult {
  const ridge = options.ridgeEpsilon ?? 0;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.errorTolerance ?? 1e-6;
  const growthLimit = options.growthLimit ?? 1.2;
  const symmetrize = options.symmetrize ?? true;
  const n = matrix.shape[0];
  if (n === 0) return { root: tf.zeros([0, 0]) as tf.Tensor2D, error: 0, iterations: 0 };
  const alpha = -1 / p;

  if (n === 1) {
    const root = tf.tidy(() => tf.pow(tf.add(tf.cast(matrix, 'float32'), ridge), alpha)) as tf.Tensor2D;
    const v = root.dataSync()[0];
    return { root, error: Number.isFinite(v) ? 0 : NaN, iterations: 0 };
  }

  const identity = tf.eye(n);
  let m: tf.Tensor2D;
  let h: tf.Tensor2D;
  let error: number;
  {
    const [m0, h0, e0] = tf.tidy(() => {
      const damped = tf.add(tf.cast(matrix, 'float32'), tf.mul(identity, ridge));
      const z = tf.div(tf.scalar((1 + p) / 2), tf.norm(damped));
      const mInit = tf.mul(damped, z) as tf.Tensor2D;
      const hInit = tf.mul(identity, tf.pow(z, 1 / p)) as tf.Tensor2D;
      return [mInit, hInit, tf.norm(tf.sub(mInit, identity))];
    });
    m = m0;
    h = h0;
    error = (e0.dataSync() as Float32Array)[0];
    e0.dispose();
  }
  let iterations = 0;
  try {
    while (iterations < maxIterations && error > tolerance && Number.isFinite(error)) {
      const [mNext, hNext, eNext] = tf.tidy(() => {
        const t = tf.add(tf.mul(identity, 1 - alpha), tf.mul(m, alpha)) as tf.Tensor2D;
        let mn = tf.matMul(matrixPower(t, p), m);
        if (symmetrize) mn = tf.mul(tf.add(mn, tf.transpose(mn)), 0.5);
        const hn = tf.matMul(h, t);
        return [mn, hn, tf.norm(tf.sub(mn, identity))];
      });
      const eValue = (eNext.dataSync() as Float32Array)[0];
      eNext.dispose();
      if (!(eValue <= error * growthLimit)) {
        // Rounding has taken over (or the input was not finite): keep the iterate before.
        tf.dispose([mNext, hNext]);
        break;
      }
      tf.dispose([m, h]);
      m = mNext as tf.Tensor2D;
      h = hNext as tf.Tensor2D;
      const previous = error;
      error = eValue;
      iterations++;
      // Below 0.1 the convergence is quadratic (each eigenvalue error e becomes about
      // (p+1)/(2p) e^2), so an iteration that does not halve the error has hit the float32
      // floor: more iterations would only repeat the same iterate.
      if (previous < QUADRATIC_PHASE && error > 0.5 * previous) break;
    }
  } finally {
    m.dispose();
    identity.dispose();
  }
  return { root: h, error, iterations };
}
