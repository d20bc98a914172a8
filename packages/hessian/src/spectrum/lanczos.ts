import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, entryPoint, isTensor, checkFn, describeArgument as describeGot } from '@basin/core';
import type { LinearOperator } from '../hessian';
import { checkedMatvec, checkOperator } from '../checks';
import { dot, norm, orthogonalize } from '../linalg/vectors';

/** The Lanczos tridiagonal T (diagonal `alpha`, off-diagonal `beta`) and its orthonormal basis. */
export interface LanczosRun {
  alpha: number[];
  beta: number[];
  /** q_0 ... q_{m-1}; the caller disposes them. */
  basis: tf.Tensor1D[];
  /** The norm of the residual after the last step: T's last off-diagonal had it continued. */
  lastBeta: number;
  matvecs: number;
  /** True when the Krylov space became invariant (the Ritz values are then exact). */
  invariant: boolean;
}

/**
 * Lanczos iteration with full reorthogonalisation (Golub & Van Loan, Matrix Computations, 4th ed.,
 * section 10.1 and 10.3.1) from the unit vector `start` (cloned). After each step `shouldStop`
 * sees the run so far and may end it.
 */
export const lanczos = entryPoint('lanczos', function lanczos(op: LinearOperator, start: tf.Tensor1D, maxSteps: number, shouldStop?: (run: LanczosRun) => boolean): LanczosRun {
  const owner = 'lanczos';
  checkOperator(owner, op);
  if (!isTensor(start) || start.isDisposed || start.rank !== 1 || start.size !== op.size || start.dtype !== 'float32') {
    const got = isTensor(start) ? (start.isDisposed ? 'a disposed tensor' : `a ${start.dtype} tensor of shape [${start.shape.join(', ')}]`) : describeGot(start);
    throw new BasinError(`${owner}: start must be a float32 unit vector of length ${op.size}, got ${got}`);
  }
  checkNumber(owner, 'maxSteps', maxSteps, { min: 1, integer: true });
  checkFn(owner, 'shouldStop', shouldStop, 'a function (run) => boolean', true);
  const matvec = checkedMatvec(op);
  // One tidy: only the basis survives, also when the operator throws part way.
  return tf.tidy(() => lanczosSteps(matvec, op.size, start, maxSteps, shouldStop) as unknown as tf.TensorContainer) as unknown as LanczosRun;
});

function lanczosSteps(matvec: (v: tf.Tensor1D) => tf.Tensor1D, size: number, start: tf.Tensor1D, maxSteps: number, shouldStop?: (run: LanczosRun) => boolean): LanczosRun {
  const run: LanczosRun = { alpha: [], beta: [], basis: [tf.clone(start)], lastBeta: 0, matvecs: 0, invariant: false };
  // Largest ||A q|| seen: the scale against which a residual counts as zero in float32.
  let scale = 0;
  for (let j = 0; j < maxSteps; j++) {
    const q = run.basis[j];
    const w = matvec(q);
    run.matvecs += 1;
    const a = dot(q, w);
    const wNorm = norm(w);
    run.alpha.push(a);
    // Against every basis vector (this also removes the alpha q_j and beta q_{j-1} terms).
    const r = orthogonalize(w, run.basis);
    w.dispose();
    const b = norm(r);
    run.lastBeta = b;
    scale = Math.max(scale, wNorm, Math.abs(a));
    run.invariant = b <= 1e-5 * Math.max(scale, 1e-30);
    const stop = run.invariant || j === maxSteps - 1 || j + 1 >= size || (shouldStop?.(run) ?? false);
    if (stop) {
      r.dispose();
      break;
    }
    run.beta.push(b);
    run.basis.push(tf.tidy(() => tf.div(r, b) as tf.Tensor1D));
    r.dispose();
  }
  return run;
}
