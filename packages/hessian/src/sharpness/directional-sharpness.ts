import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, entryPoint, Tree, treeDispose, treeFlatten, treeUnflatten } from '@basin/core';
import { checkObjective, checkProgress, optionsRecord } from '../checks';
import type { Objective } from '../objective';
import type { ProgressCallback } from '../progress';
import { take } from '../linalg/vectors';
import { VectorRandom } from '../random';
import { tidyTree } from '../tidy-tree';
import { gaussianTree, treeNormValue } from '../tree-math';

export interface DirectionalSharpnessOptions {
  /** Radius of the perturbation (l2, over the whole params tree). Default 0.05. */
  rho?: number;
  /** Random directions averaged for the average-direction sharpness, each evaluated at +u and -u. Default 20. */
  samples?: number;
  /** Ascent steps on the sphere for the worst-direction sharpness. Default 20. */
  iterations?: number;
  seed?: number;
  onProgress?: ProgressCallback;
}

export interface DirectionalSharpness {
  loss: number;
  /** max_{||v|| <= rho} L(x + v) - L(x) (a lower bound: the best point found). About rho^2 lambda_max / 2. */
  worst: number;
  /** L(x + rho g / ||g||) - L(x), g the gradient at x. */
  ascent: number;
  /** E_u L(x + rho u) - L(x) over unit u uniform on the sphere. About rho^2 tr(H) / (2 d). */
  average: number;
  /** Standard error of `average` over the `samples` antithetic pairs. */
  averageStandardError: number;
}

/**
 * The three sharpness notions of Wen, Ma & Li, "How Does Sharpness-Aware Minimization Minimize
 * Sharpness?" (ICLR 2023), section 3: worst-direction (what SAM's min-max targets), ascent-direction
 * (what 1-SAM with normalised gradients evaluates) and average-direction (random perturbations).
 * The worst direction is found by normalised gradient ascent on the sphere of radius rho, started
 * from the ascent direction, or from a random direction where the gradient is exactly zero (at a
 * critical point the gradient direction is undefined, and ascent from x itself never moves).
 * The average direction pairs each random u with -u: the first-order term rho g.u cancels in
 * each pair, so at a point with a gradient the estimate's noise is that of the curvature term
 * alone rather than rho |g| / sqrt(d), which swamps rho^2 tr(H) / 2d at small rho.
 */
export const directionalSharpness = entryPoint('directionalSharpness', function directionalSharpness(objective: Objective, options: DirectionalSharpnessOptions = {}): DirectionalSharpness {
  const owner = 'directionalSharpness';
  checkObjective(owner, objective);
  const o = optionsRecord(owner, options);
  const rho = checkNumber(owner, 'rho', o.rho ?? 0.05, { min: 0, minExclusive: true });
  const samples = checkNumber(owner, 'samples', o.samples ?? 20, { min: 1, integer: true });
  const iterations = checkNumber(owner, 'iterations', o.iterations ?? 20, { min: 0, integer: true });
  const random = new VectorRandom(checkNumber(owner, 'seed', o.seed ?? 0, { integer: true }));
  checkProgress(owner, o.onProgress);
  // One tidy: nothing survives, also when the objective throws part way.
  return tf.tidy(() => sharpness(objective, rho, samples, iterations, random, o.onProgress) as unknown as tf.TensorContainer) as unknown as DirectionalSharpness;
});

function sharpness(
  objective: Objective,
  rho: number,
  samples: number,
  iterations: number,
  random: VectorRandom,
  onProgress: DirectionalSharpnessOptions['onProgress'],
): DirectionalSharpness {
  const params = objective.params;
  const x = treeFlatten(params);
  const total = 1 + iterations + samples;
  let done = 0;
  const report = (task: string): void => onProgress?.({ task, done: ++done, total });
  /** x + rho * d / ||d|| for a tree d. */
  const onSphere = (d: Tree): Tree => {
    const n = treeNormValue(d);
    const ds = treeFlatten(d);
    return tidyTree(() => treeUnflatten(params, x.map((p, i) => tf.add(p, tf.mul(ds[i], n > 0 ? rho / n : 0)))));
  };
  const lossAt = (p: Tree): number => take(objective.loss(p));

  const { loss: l0, grads: g0 } = objective.valueAndGrad();
  const base = take(l0);
  report('ascent');
  // Ascent direction; at an exact critical point, a random start for the worst-direction search.
  const start = treeNormValue(g0) > 0 ? g0 : gaussianTree(params, random);
  let point = onSphere(start);
  if (start !== g0) treeDispose(start);
  treeDispose(g0);
  let best = -Infinity;
  let ascent = NaN;
  // Worst direction: v <- rho normalize(v / rho + g / ||g||), keeping the best loss seen.
  for (let t = 0; t <= iterations; t++) {
    const { loss, grads } = objective.valueAndGrad(point);
    const value = take(loss);
    if (t === 0) ascent = start === g0 ? value - base : 0;
    best = Math.max(best, value);
    if (t === iterations) {
      treeDispose(grads);
      break;
    }
    const gn = treeNormValue(grads);
    const gl = treeFlatten(grads);
    const pl = treeFlatten(point);
    const dir = tidyTree(() => treeUnflatten(params, x.map((p, i) => tf.add(tf.div(tf.sub(pl[i], p), rho), tf.mul(gl[i], gn > 0 ? 1 / gn : 0)))));
    treeDispose(grads);
    treeDispose(point);
    point = onSphere(dir);
    treeDispose(dir);
    report('worst');
  }
  treeDispose(point);
  // Average direction, in antithetic pairs (u, -u).
  const values: number[] = [];
  for (let s = 0; s < samples; s++) {
    const d = gaussianTree(params, random);
    const opposite = tidyTree(() => treeUnflatten(params, treeFlatten(d).map((leaf) => tf.neg(leaf))));
    const [plus, minus] = [onSphere(d), onSphere(opposite)];
    treeDispose([d, opposite]);
    values.push((lossAt(plus) + lossAt(minus)) / 2 - base);
    treeDispose([plus, minus]);
    report('average');
  }
  const mean = values.reduce((a, b) => a + b, 0) / samples;
  const std = samples > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (samples - 1)) : NaN;
  return { loss: base, worst: best - base, ascent, average: mean, averageStandardError: std / Math.sqrt(samples) };
}
