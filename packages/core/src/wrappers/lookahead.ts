import * as tf from '@tensorflow/tfjs-core';
import type { StateOf, Transform } from '../transform';
import { disposeReplaced, Tree, treeClone, treeMap } from '../tree';
import { checkBoolean, checkNumber, checkTransform } from '../validate';
import { assertUpdatesMatch, checkOptions, requireParams } from '../transforms/state-checks';
import { publicTransform } from '../entry/public-transform';

export interface LookaheadOptions {
  /** Fast steps between synchronisations, `k` in the paper (an integer >= 1). */
  syncPeriod: number;
  /** How far the slow weights move towards the fast ones at a synchronisation, `alpha` in [0, 1]. */
  slowStepSize: number;
  /** Re-initialise the fast optimizer's state at each synchronisation. Default false. */
  resetState?: boolean;
}

export interface LookaheadState<S = unknown> {
  /** The fast optimizer's state (typed: `lookahead(adam(...), o)`'s is an `AdamOptimizerState`). */
  fastState: S;
  /** Fast steps since the last synchronisation, in `[0, syncPeriod)`. */
  stepsSinceSync: number;
  /**
   * The slow weights, shaped like the params: evaluate with these (`state.slow`; clone them to
   * keep them past the next step). Right after a synchronisation they equal the params.
   */
  slow: Tree;
}

/**
 * Lookahead (Zhang, Lucas, Hinton & Ba 2019, "Lookahead Optimizer: k steps forward, 1 step
 * back"), as optax's `lookahead` (optax/_src/lookahead.py): the fast optimizer takes
 * `syncPeriod` steps, then the slow weights move `slowStepSize` of the way to the fast ones,
 * `slow += alpha (fast - slow)`, and the fast weights restart from there. optax keeps the slow
 * weights in a `LookaheadParams` pair; Basin keeps them in the state, so the params stay the
 * fast weights that gradients are taken at and any trainer works unchanged.
 *
 * At a synchronisation the update is `u - (1 - alpha) (params + u - slow)`, which takes the
 * params to the new slow weights; elsewhere it is the fast update `u`. The params must move by
 * exactly these updates: put lookahead last (outermost) in a chain. Needs `params`.
 */
// Generic over the wrapped transform (not its state) so that a union of transforms is accepted.
export const lookahead = publicTransform('lookahead', function lookahead<T extends Transform<any>>(fast: T, options: LookaheadOptions): Transform<LookaheadState<StateOf<T>>> {
  checkTransform('lookahead', 'fast', fast);
  const { syncPeriod, slowStepSize, resetState = false } = checkOptions('lookahead', options, '{ syncPeriod: 5, slowStepSize: 0.5 }');
  checkNumber('lookahead', 'syncPeriod', syncPeriod, { min: 1, integer: true });
  checkNumber('lookahead', 'slowStepSize', slowStepSize, { min: 0, max: 1 });
  checkBoolean('lookahead', 'resetState', resetState);
  return {
    computesOwnGradients: fast.computesOwnGradients,
    init: (params) => ({ fastState: fast.init(params), stepsSinceSync: 0, slow: treeClone(params) }),
    update: (updates, state, params, extras) => {
      const p = requireParams('lookahead', params, updates);
      assertUpdatesMatch('lookahead', state.slow, updates, 'state.slow');
      const [u, fastState] = fast.update(updates, state.fastState, p, extras);
      const stepsSinceSync = (state.stepsSinceSync + 1) % syncPeriod;
      if (state.stepsSinceSync < syncPeriod - 1) return [u, { fastState, stepsSinceSync, slow: treeClone(state.slow) }];
      let out: Tree | undefined;
      let slow: Tree | undefined;
      let nextFastState = fastState;
      try {
        // last_difference = fast + u - slow (optax's name); slow += alpha * diff; the update
        // lands the params on the new slow weights.
        slow = treeMap((w, d, s) => tf.tidy(() => tf.add(s, tf.mul(tf.sub(tf.add(w, d), s), slowStepSize))), p, u, state.slow);
        out = treeMap((w, d, s) => tf.tidy(() => tf.sub(d, tf.mul(tf.sub(tf.add(w, d), s), 1 - slowStepSize))), p, u, state.slow);
        if (resetState) nextFastState = fast.init(p);
      } catch (e) {
        disposeReplaced([u, fastState, slow, out], updates, state, params);
        throw e;
      }
      disposeReplaced(u, out);
      if (nextFastState !== fastState) disposeReplaced(fastState, nextFastState);
      return [out, { fastState: nextFastState, stepsSinceSync, slow }];
    },
  };
});
