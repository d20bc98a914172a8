// The curvature that the playground's SAM pages plot along training: lambda_max of the Hessian of
// the full-batch loss by a few Lanczos HVPs and, when asked, its trace by Hutch++; fixed seeds, so
// that the runs of a page are measured with the same probes.
import { type LossFn, type Tree } from '@basin/core';
import { functionObjective, hessian, hutchPlusPlusTrace, topEigenvalues } from '@basin/hessian';

export interface Curvature {
  loss: number;
  lambdaMax: number;
}

/** The loss at `params` on all of `data` and lambda_max (Lanczos, tol 1e-2, at most 12 HVPs). */
export function measureCurvature<B>(loss: LossFn<B>, params: Tree, data: B): Curvature;
/** The same and the trace (Hutch++ with `traceMatvecs` products). */
export function measureCurvature<B>(loss: LossFn<B>, params: Tree, data: B, traceMatvecs: number): Curvature & { trace: number };
export function measureCurvature<B>(loss: LossFn<B>, params: Tree, data: B, traceMatvecs?: number): Curvature & { trace?: number } {
  const objective = functionObjective(loss, params, { batch: data });
  const H = hessian(objective);
  const lambdaMax = topEigenvalues(H, { k: 1, tol: 1e-2, maxIterations: 12, seed: 3, vectors: false }).values[0];
  const trace = traceMatvecs === undefined ? undefined : hutchPlusPlusTrace(H, { matvecs: traceMatvecs, seed: 1 }).trace;
  const l = objective.loss();
  const value = l.dataSync()[0];
  l.dispose();
  return trace === undefined ? { loss: value, lambdaMax } : { loss: value, lambdaMax, trace };
}
