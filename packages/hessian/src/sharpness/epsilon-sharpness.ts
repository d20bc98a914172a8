import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, entryPoint, mulberry32, Tree, treeDispose, treeFlatten, treeUnflatten, oneOf } from '@basin/core';
import { checkObjective, checkProgress, optionsRecord } from '../checks';
import type { Objective } from '../objective';
import type { ProgressCallback } from '../progress';
import { take } from '../linalg/vectors';
import { tidyTree } from '../tidy-tree';

export interface EpsilonSharpnessOptions {
  /** Box size: |y_i| <= epsilon (|x_i| + 1). Keskar et al. report 1e-3 and 5e-4. Default 1e-3. */
  epsilon?: number;
  /** Projected ascent steps (Keskar et al. ran 10 L-BFGS-B iterations). Default 10. */
  iterations?: number;
  /** Step per iteration as a fraction of the box half-width. Default 0.25. */
  stepSize?: number;
  /**
   * Start of the ascent: `random` (default; uniform in the box, so it also moves at an exact
   * critical point where the gradient is zero) or `center` (y = 0).
   */
  start?: 'random' | 'center';
  seed?: number;
  onProgress?: ProgressCallback;
}

export interface EpsilonSharpness {
  /** 100 (max_y f(x + y) - f(x)) / (1 + f(x)), Keskar et al. (2017), eq. (4) with A = I. */
  sharpness: number;
  loss: number;
  /** The largest loss found in the box. */
  maxLoss: number;
  /** Gradient evaluations used. */
  gradients: number;
}

/**
 * Keskar et al.'s epsilon-sharpness ("On Large-Batch Training for Deep Learning: Generalization
 * Gap and Sharp Minima", ICLR 2017, section 2.2.2) in the full parameter space: the largest
 * loss increase over the box C_eps = { y : |y_i| <= eps (|x_i| + 1) }, relative to 1 + f(x), in
 * percent. The maximisation is projected sign-gradient ascent in the box (the paper used
 * L-BFGS-B); it gives a lower bound on the true maximum, as the paper's does.
 */
export const epsilonSharpness = entryPoint('epsilonSharpness', function epsilonSharpness(objective: Objective, options: EpsilonSharpnessOptions = {}): EpsilonSharpness {
  const owner = 'epsilonSharpness';
  checkObjective(owner, objective);
  const o = optionsRecord(owner, options);
  const epsilon = checkNumber(owner, 'epsilon', o.epsilon ?? 1e-3, { min: 0, minExclusive: true });
  const iterations = checkNumber(owner, 'iterations', o.iterations ?? 10, { min: 1, integer: true });
  const stepSize = checkNumber(owner, 'stepSize', o.stepSize ?? 0.25, { min: 0, minExclusive: true, max: 2 });
  const start = oneOf(owner, 'start', o.start, ['random', 'center'] as const, 'random');
  const seed = checkNumber(owner, 'seed', o.seed ?? 0, { integer: true });
  checkProgress(owner, o.onProgress);
  // One tidy: nothing survives, also when the objective throws part way.
  return tf.tidy(() => ascend(objective, { epsilon, iterations, stepSize, start, seed, onProgress: o.onProgress }) as unknown as tf.TensorContainer) as unknown as EpsilonSharpness;
});

function ascend(
  objective: Objective,
  options: { epsilon: number; iterations: number; stepSize: number; start: 'random' | 'center'; seed: number; onProgress: EpsilonSharpnessOptions['onProgress'] },
): EpsilonSharpness {
  const { epsilon, iterations, stepSize, start, seed } = options;
  const x = treeFlatten(objective.params);
  const bounds = tf.tidy(() => x.map((p) => tf.mul(tf.add(tf.abs(p), 1), epsilon)));
  const uniform = mulberry32(seed);
  let y: tf.Tensor[] = x.map((p, i) =>
    start === 'center'
      ? tf.zerosLike(p)
      : tf.tidy(() => tf.mul(bounds[i], tf.tensor(Float32Array.from({ length: p.size }, () => 2 * uniform() - 1), p.shape, 'float32'))),
  );
  const base = take(objective.loss());
  let maxLoss = base;
  try {
    for (let t = 0; t < iterations; t++) {
      const point = tidyTree(() => treeUnflatten(objective.params, x.map((p, i) => tf.add(p, y[i]))));
      const { loss, grads } = objective.valueAndGrad(point);
      treeDispose(point);
      maxLoss = Math.max(maxLoss, take(loss));
      const g = treeFlatten(grads);
      // Sign step scaled to each coordinate's box, then projection onto the box.
      const clipped = tf.tidy(() =>
        y.map((yi, i) => tf.minimum(tf.maximum(tf.add(yi, tf.mul(tf.mul(bounds[i], stepSize), tf.sign(g[i]))), tf.neg(bounds[i])), bounds[i])),
      );
      tf.dispose(y);
      treeDispose(grads);
      y = clipped;
      options.onProgress?.({ task: 'epsilon-sharpness', done: t + 1, total: iterations, estimate: maxLoss });
    }
    const final = tidyTree(() => treeUnflatten(objective.params, x.map((p, i) => tf.add(p, y[i]))));
    maxLoss = Math.max(maxLoss, take(objective.loss(final as Tree)));
    treeDispose(final);
  } finally {
    tf.dispose([...y, ...bounds]);
  }
  return { sharpness: (100 * (maxLoss - base)) / (1 + base), loss: base, maxLoss, gradients: iterations };
}
