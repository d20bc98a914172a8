import * as tf from '@tensorflow/tfjs-core';
import type { StateOf, Transform } from '../transform';
import { Tree, treeFlatten, treeZerosLike } from '../tree';
import { checkNumber, checkTransform } from '../validate';
import { checkOptions } from '../transforms/state-checks';
import { publicTransform } from '../entry/public-transform';
import { cloneState } from './clone-state';

export interface ApplyIfFiniteOptions {
  /**
   * Consecutive non-finite updates to skip (an integer >= 0); the next one is passed to the
   * inner transform anyway, as optax does, so a run that stays broken does not stall silently.
   */
  maxConsecutiveErrors: number;
}

export interface ApplyIfFiniteState<S = unknown> {
  /** Consecutive non-finite updates so far (0 after a finite one). */
  notfiniteCount: number;
  /** Whether the last incoming updates were all finite. */
  lastFinite: boolean;
  /** Non-finite updates since init (never reset). */
  totalNotfinite: number;
  /** The wrapped transform's state (typed: `applyIfFinite(adam(...), o)`'s is an `AdamOptimizerState`). */
  innerState: S;
}

/** True when every entry of every leaf is finite; one small read from the backend. */
function allFinite(tree: Tree): boolean {
  const leaves = treeFlatten(tree);
  if (leaves.length === 0) return true;
  const flag = tf.tidy(() => tf.all(tf.stack(leaves.map((x) => tf.all(tf.isFinite(x))))));
  const ok = flag.dataSync()[0] === 1;
  flag.dispose();
  return ok;
}

/**
 * Skips steps whose incoming updates (gradients) hold NaN or Infinity, as optax's
 * `apply_if_finite` (optax/transforms/_conditionality.py): the updates are zeros and the inner
 * state is kept as it was, and the state counts the skipped steps. After more than
 * `maxConsecutiveErrors` in a row the inner transform is applied anyway. Mixed-precision
 * training with loss scaling relies on this.
 *
 * Basin's `step`, `Trainer` and `ModelTrainer` refuse non-finite gradients before the transform
 * runs unless built with `checkFinite: false`: pass that to let this wrapper decide.
 */
// Generic over the wrapped transform (not its state) so that a union of transforms is accepted.
export const applyIfFinite = publicTransform('applyIfFinite', function applyIfFinite<T extends Transform<any>>(inner: T, options: ApplyIfFiniteOptions): Transform<ApplyIfFiniteState<StateOf<T>>> {
  checkTransform('applyIfFinite', 'inner', inner);
  const { maxConsecutiveErrors } = checkOptions('applyIfFinite', options, '{ maxConsecutiveErrors: 5 }');
  checkNumber('applyIfFinite', 'maxConsecutiveErrors', maxConsecutiveErrors, { min: 0, integer: true });
  return {
    computesOwnGradients: inner.computesOwnGradients,
    init: (params) => ({ notfiniteCount: 0, lastFinite: true, totalNotfinite: 0, innerState: inner.init(params) }),
    update: (updates, state, params, extras) => {
      const finite = allFinite(updates);
      const notfiniteCount = finite ? 0 : state.notfiniteCount + 1;
      const totalNotfinite = finite ? state.totalNotfinite : state.totalNotfinite + 1;
      const apply = finite || notfiniteCount > maxConsecutiveErrors;
      const [out, innerState] = apply ? inner.update(updates, state.innerState, params, extras) : [treeZerosLike(updates), cloneState(state.innerState)];
      return [out, { notfiniteCount, lastFinite: finite, totalNotfinite, innerState }];
    },
  };
});
