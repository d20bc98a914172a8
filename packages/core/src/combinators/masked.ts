import * as tf from '@tensorflow/tfjs-core';
import type { StateOf, Transform } from '../transform';
import { checkTransform } from '../validate';
import { treeUnflatten } from '../tree';
import { LabelSpec, labelsForLeaves, selectLeaves } from './leaf-labels';
import { assertUpdatesMatch } from '../transforms/state-checks';
import { publicTransform } from '../entry/public-transform';

/** The state of `masked(inner, mask)`: `inner`'s state, kept for the masked leaves only. */
export interface MaskedState<S = unknown> {
  inner: S;
}

/**
 * Applies `inner` only to the leaves whose mask is true; the other updates pass through
 * unchanged (optax's `masked`). The mask is a tree of booleans shaped like the params, or a
 * function of the params returning one. `inner` sees a flat record `{ path: leaf }`.
 */
// Generic over the wrapped transform (not its state) so that a union of transforms is accepted.
export const masked = publicTransform('masked', function masked<T extends Transform<any>>(inner: T, mask: LabelSpec<boolean>): Transform<MaskedState<StateOf<T>>> {
  checkTransform('masked', 'inner', inner);
  const resolve = (tree: Parameters<Transform['init']>[0]) =>
    labelsForLeaves('masked', 'mask', mask, tree, (x) => typeof x === 'boolean');
  return {
    init: (params) => {
      const { leaves, labels } = resolve(params);
      return { inner: inner.init(selectLeaves(leaves, labels, true)) };
    },
    update: (updates, state, params, extras) => {
      // Leaves outside the mask are never read, so check params against updates here.
      if (params !== undefined) assertUpdatesMatch('masked', params, updates, 'params');
      const { labels } = resolve(params ?? updates);
      const updateLeaves = resolve(updates).leaves;
      const sub = selectLeaves(updateLeaves, labels, true);
      const subParams = params ? selectLeaves(resolve(params).leaves, labels, true) : undefined;
      const [out, innerState] = inner.update(sub, state.inner, subParams, extras);
      const result = updateLeaves.map((e, i) => (labels[i] ? (out as Record<string, tf.Tensor>)[e.path] : tf.clone(e.leaf)));
      return [treeUnflatten(updates, result), { inner: innerState }];
    },
  };
});
