// The three sharpness measures at several radii with @basin/hessian's directionalSharpness, and
// @basin/sam's ascentSharpness beside it (the same ascent-direction quantity, computed by SAM's
// own ascent step), plus the curvature they are compared with: lambda_max, lambda_min (Lanczos),
// tr(H) (Hutch++), |g| and g^T H g / |g|^2 (one HVP).
import * as tf from '@tensorflow/tfjs';
import { treeDispose, treeFlatten, type Tree } from '@basin/core';
import { directionalSharpness, hessian, hutchPlusPlusTrace, topEigenvalues, type Objective } from '@basin/hessian';
import { ascentSharpness } from '@basin/sam';

export interface AtRadius {
  rho: number;
  worst: number;
  ascent: number;
  /** @basin/sam's ascentSharpness at the same rho. */
  samAscent: number;
  average: number;
  averageStandardError: number;
}

export interface Curvature {
  loss: number;
  lambdaMax: number;
  lambdaMin: number;
  trace: number;
  traceStandardError: number;
  size: number;
  gradNorm: number;
  /** g^T H g / |g|^2: the curvature along the ascent direction. */
  gradCurvature: number;
  hvps: number;
}

export interface MeasureOptions {
  samples: number;
  iterations: number;
  traceMatvecs: number;
  lanczosSteps: number;
}

const scalar = (t: tf.Scalar): number => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

export function curvature(objective: Objective, o: MeasureOptions): Curvature {
  const H = hessian(objective);
  const top = topEigenvalues(H, { k: 1, which: 'largest', tol: 1e-4, maxIterations: o.lanczosSteps, vectors: false });
  const bottom = topEigenvalues(H, { k: 1, which: 'smallest', tol: 1e-3, maxIterations: o.lanczosSteps, vectors: false, seed: 1 });
  const trace = hutchPlusPlusTrace(H, { matvecs: o.traceMatvecs, seed: 2 });
  const { loss, grads } = objective.valueAndGrad();
  const hg = H.hvp(grads);
  const [gg, ghg] = tf.tidy(() => {
    const g = treeFlatten(grads);
    const h = treeFlatten(hg);
    return [tf.addN(g.map((x) => tf.sum(tf.square(x)))).dataSync()[0], tf.addN(g.map((x, i) => tf.sum(tf.mul(x, h[i])))).dataSync()[0]];
  });
  treeDispose([grads, hg]);
  return {
    loss: scalar(loss),
    lambdaMax: top.values[0],
    lambdaMin: bottom.values[0],
    trace: trace.trace,
    traceStandardError: trace.standardError,
    size: objective.size,
    gradNorm: Math.sqrt(gg),
    gradCurvature: gg > 0 ? ghg / gg : NaN,
    hvps: H.hvpCount,
  };
}

export function sharpnessAt(objective: Objective, rhos: number[], o: MeasureOptions, seed = 3): AtRadius[] {
  const gradFn = (p: Tree) => objective.valueAndGrad(p);
  return rhos.map((rho) => {
    const d = directionalSharpness(objective, { rho, samples: o.samples, iterations: o.iterations, seed });
    const a = ascentSharpness(gradFn, objective.params, { rho });
    return { rho, worst: d.worst, ascent: d.ascent, samAscent: a.sharpness, average: d.average, averageStandardError: d.averageStandardError };
  });
}
