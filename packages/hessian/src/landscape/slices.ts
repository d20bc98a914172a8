import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, entryPoint, Tree, treeDispose, treeFlatten, treeUnflatten, checkMatches, describeArgument as describeGot } from '@basin/core';
import { checkObjective, checkProgress, optionsRecord } from '../checks';
import type { Objective } from '../objective';
import type { ProgressCallback } from '../progress';
import { take } from '../linalg/vectors';
import { tidyTree } from '../tidy-tree';

export interface SliceOptions {
  /** Range of the coefficients. Default [-1, 1]. */
  range?: [number, number];
  /** Points per axis. Default 25 (1D) and 21 (2D). */
  points?: number;
  onProgress?: ProgressCallback;
}

export interface Slice1D {
  alphas: number[];
  losses: number[];
}

export interface Slice2D {
  alphas: number[];
  betas: number[];
  /** losses[i][j] at params + alphas[i] d1 + betas[j] d2. */
  losses: number[][];
}

/** Checks the options shared by the slices and returns the grid of coefficients. */
function grid(owner: string, options: SliceOptions | undefined, defaultRange: [number, number], defaultPoints: number): { alphas: number[]; onProgress: SliceOptions['onProgress'] } {
  const o = optionsRecord(owner, options);
  const range = o.range ?? defaultRange;
  if (!Array.isArray(range) || range.length !== 2) throw new BasinError(`${owner}: range must be [low, high], got ${describeGot(range)}`);
  const [lo, hi] = range;
  checkNumber(owner, 'range[0]', lo);
  checkNumber(owner, 'range[1]', hi);
  if (!(hi > lo)) throw new BasinError(`${owner}: range must be [low, high] with high > low, got [${lo}, ${hi}]`);
  const n = checkNumber(owner, 'points', o.points ?? defaultPoints, { min: 2, integer: true });
  checkProgress(owner, o.onProgress);
  return { alphas: Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1)), onProgress: o.onProgress };
}

/** Loss at sum_k coeffs[k] * trees[k] (leaf by leaf, trees checked to match the params first). */
function lossAtCombination(objective: Objective, trees: Tree[], coeffs: number[]): number {
  const leaves = trees.map((t) => treeFlatten(t));
  const point = tidyTree(() =>
    treeUnflatten(objective.params, leaves[0].map((_, i) => tf.addN(leaves.map((ls, k) => tf.mul(ls[i], coeffs[k]))))),
  );
  try {
    return take(objective.loss(point));
  } finally {
    treeDispose(point);
  }
}

/** The loss along params + alpha d for alpha on a grid (Goodfellow et al. 2015; Li et al. 2018). */
export const lossSlice1D = entryPoint('lossSlice1D', function lossSlice1D(objective: Objective, direction: Tree, options: SliceOptions = {}): Slice1D {
  const owner = 'lossSlice1D';
  checkObjective(owner, objective);
  checkMatches(owner, objective.params, 'params', direction, 'direction');
  const { alphas, onProgress } = grid(owner, options, [-1, 1], 25);
  const losses = alphas.map((a, i) => {
    const l = lossAtCombination(objective, [objective.params, direction], [1, a]);
    onProgress?.({ task: owner, done: i + 1, total: alphas.length, estimate: l });
    return l;
  });
  return { alphas, losses };
});

/** The loss on the plane params + alpha d1 + beta d2 (Li et al. 2018, section 5). */
export const lossSlice2D = entryPoint('lossSlice2D', function lossSlice2D(objective: Objective, d1: Tree, d2: Tree, options: SliceOptions = {}): Slice2D {
  const owner = 'lossSlice2D';
  checkObjective(owner, objective);
  checkMatches(owner, objective.params, 'params', d1, 'd1');
  checkMatches(owner, objective.params, 'params', d2, 'd2');
  const { alphas, onProgress } = grid(owner, options, [-1, 1], 21);
  const betas = alphas.slice();
  const total = alphas.length * betas.length;
  let done = 0;
  const losses = alphas.map((a) =>
    betas.map((b) => {
      const l = lossAtCombination(objective, [objective.params, d1, d2], [1, a, b]);
      onProgress?.({ task: owner, done: ++done, total, estimate: l });
      return l;
    }),
  );
  return { alphas, betas, losses };
});

/**
 * The loss on the line (1 - alpha) from + alpha to between two weight sets (Goodfellow, Vinyals &
 * Saxe, ICLR 2015). Default range [0, 1]; extend it to see beyond the endpoints.
 */
export const linearPath = entryPoint('linearPath', function linearPath(objective: Objective, from: Tree, to: Tree, options: SliceOptions = {}): Slice1D {
  const owner = 'linearPath';
  checkObjective(owner, objective);
  checkMatches(owner, objective.params, 'params', from, 'from');
  checkMatches(owner, objective.params, 'params', to, 'to');
  const { alphas, onProgress } = grid(owner, options, [0, 1], 25);
  const losses = alphas.map((a, i) => {
    const l = lossAtCombination(objective, [from, to], [1 - a, a]);
    onProgress?.({ task: owner, done: i + 1, total: alphas.length, estimate: l });
    return l;
  });
  return { alphas, losses };
});
