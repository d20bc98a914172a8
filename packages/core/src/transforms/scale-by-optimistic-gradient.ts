import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap, treeZerosLike } from '../tree';
import { checkScalarOrSchedule, resolveHyper, ScalarOrSchedule } from '../validate';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByOptimisticGradientOptions {
  /** Weight of the current gradient, >= 0 (a number or a schedule of the step count). Default 1. */
  alpha?: ScalarOrSchedule;
  /** Weight of the gradient change (negative momentum), >= 0 (a number or a schedule). Default 1. */
  beta?: ScalarOrSchedule;
}

export interface OptimisticGradientState {
  /** Updates done so far (0: no previous gradient yet). */
  count: number;
  /** The incoming updates of the previous step (zeros before the first). */
  previousGradient: Tree;
}

/** Validates the optimistic-gradient coefficients (shared by optimisticGradientDescent). */
export function checkOptimisticOptions(owner: string, o: ScaleByOptimisticGradientOptions): Required<ScaleByOptimisticGradientOptions> {
  return {
    alpha: checkScalarOrSchedule(owner, 'alpha', o.alpha ?? 1, { min: 0 }),
    beta: checkScalarOrSchedule(owner, 'beta', o.beta ?? 1, { min: 0 }),
  };
}

/**
 * Generalised optimistic gradient (Mokhtari, Ozdaglar & Pattathil 2020, "A Unified Analysis of
 * Extra-gradient and Optimistic Gradient Methods for Saddle Point Problems: Proximal Point
 * Approach", eq. (8)), as optax's `scale_by_optimistic_gradient` (optax/_src/transform.py):
 * `u_t = (alpha + beta) g_t - beta g_{t-1}`, with `g_0 = g_1` at the first step (so the first
 * update is `alpha g_1`).
 */
export const scaleByOptimisticGradient = publicTransform('scaleByOptimisticGradient', function scaleByOptimisticGradient(
  options: ScaleByOptimisticGradientOptions = {},
): Transform<OptimisticGradientState> {
  const owner = 'scaleByOptimisticGradient';
  const { alpha, beta } = checkOptimisticOptions(owner, checkOptions(owner, options, '{ alpha: 1, beta: 1 }', true));
  return {
    init: (params) => ({ count: 0, previousGradient: treeZerosLike(params) }),
    update: (updates, state) => {
      assertUpdatesMatch(owner, state.previousGradient, updates, 'state.previousGradient');
      const a = resolveHyper(owner, 'alpha', alpha, state.count);
      const b = resolveHyper(owner, 'beta', beta, state.count);
      const first = state.count === 0;
      const out = treeMap(
        (g, prev) => tf.tidy(() => (first ? tf.mul(g, a) : tf.sub(tf.mul(g, a + b), tf.mul(prev, b)))),
        updates,
        state.previousGradient,
      );
      return [out, { count: state.count + 1, previousGradient: treeMap((g) => tf.clone(g), updates) }];
    },
  };
});
