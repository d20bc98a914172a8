import * as tf from '@tensorflow/tfjs-core';
import { assertSameStructure, BasinError, checkNumber, Tree, treeDispose, treeFlatten, treeUnflatten } from '@basin/core';
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

function grid(owner: string, range: [number, number] | undefined, points: number, defaultPoints: number): number[] {
  const [lo, hi] = range ?? [-1, 1];
  checkNumber(owner, 'range[0]', lo);
  checkNumber(owner, 'range[1]', hi);
  if (!(hi > lo)) throw new BasinError(`${owner}: range must be [low, high] with high > low, got [${lo}, ${hi}]`);
  const n = checkNumber(owner, 'points', points ?? defaultPoints, { min: 2, integer: true });
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/** Loss at sum_k coeffs[k] * trees[k] (leaf by leaf). */
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
export function lossSlice1D(objective: Objective, direction: Tree, options: SliceOptions = {}): Slice1D {
  const owner = 'lossSlice1D';
  assertSameStructure(objective.params, direction, ['params', 'direction']);
  const alphas = grid(owner, options.range, options.points as number, 25);
  const losses = alphas.map((a, i) => {
    const l = lossAtCombination(objective, [objective.params, direction], [1, a]);
    options.onProgress?.({ task: owner, done: i + 1, total: alphas.length, estimate: l });
    return l;
  });
  return { alphas, losses };
}

/** The loss on the plane params + alpha d1 + beta d2 (Li et al. 2018, section 5). */
export function lossSlice2D(objective: Objective, d1: Tree, d2: Tree, options: SliceOptions = {}): Slice2D {
  const owner = 'lossSlice2D';
  assertSameStructure(objective.params, d1, ['params', 'd1']);
  assertSameStructure(objective.params, d2, ['params', 'd2']);
  const alphas = grid(owner, options.range, options.points as number, 21);
  const betas = alphas.slice();
  const total = alphas.length * betas.length;
  let done = 0;
  const losses = alphas.map((a) =>
    betas.map((b) => {
      const l = lossAtCombination(objective, [objective.params, d1, d2], [1, a, b]);
      options.onProgress?.({ task: owner, done: ++done, total, estimate: l });
      return l;
    }),
  );
  return { alphas, betas, losses };
}

/**
 * The loss on the line (1 - alpha) from + alpha to between two weight sets (Goodfellow, Vinyals &
 * Saxe, ICLR 2015). Default range [0, 1]; extend it to see beyond the endpoints.
 */
export function linearPath(objective: Objective, from: Tree, to: Tree, options: SliceOptions = {}): Slice1D {
  const owner = 'linearPath';
  assertSameStructure(objective.params, from, ['params', 'from']);
  assertSameStructure(objective.params, to, ['params', 'to']);
  const alphas = grid(owner, options.range ?? [0, 1], options.points as number, 25);
  const losses = alphas.map((a, i) => {
    const l = lossAtCombination(objective, [from, to], [1 - a, a]);
    options.onProgress?.({ task: owner, done: i + 1, total: alphas.length, estimate: l });
    return l;
  });
  return { alphas, losses };
}
