// The two curvature numbers of Wen, Ma & Li (ICLR 2023) at a point: the largest eigenvalue of the
// training-loss Hessian (which full-batch SAM minimises) and its trace (which batch-size-1 SAM
// minimises), both of the full-batch loss, from @basin/hessian's exact Hessian-vector products.
import * as tf from '@tensorflow/tfjs';
import type { LossFn, Tree } from '@basin/core';
import { functionObjective, hessian, hutchPlusPlusTrace, topEigenvalues } from '@basin/hessian';

export interface Curvature {
  loss: number;
  lambdaMax: number;
  trace: number;
  /** Hutch++'s standard error of the trace. */
  traceError: number;
  hvps: number;
}

/**
 * lambda_max by Lanczos (stops when the Ritz residual bounds the error by 1e-3 relative) and the
 * trace by Hutch++ (Meyer, Musco, Musco & Woodruff 2021) with `traceMatvecs` products and a fixed
 * seed, so every point is measured with the same probe vectors.
 */
export function measureCurvature<B>(loss: LossFn<B>, params: Tree, batch: B, traceMatvecs: number): Curvature {
  const objective = functionObjective(loss, params, { batch });
  const H = hessian(objective);
  const top = topEigenvalues(H, { k: 1, tol: 1e-3, maxIterations: 60, seed: 3, vectors: false });
  const trace = hutchPlusPlusTrace(H, { matvecs: traceMatvecs, seed: 1 });
  const l = objective.loss();
  const value = l.dataSync()[0];
  tf.dispose(l);
  return { loss: value, lambdaMax: top.values[0], trace: trace.trace, traceError: trace.standardError, hvps: H.hvpCount };
}
