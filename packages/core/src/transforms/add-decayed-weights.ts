import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { treeMap } from '../tree';
import { checkNumber } from '../validate';
import { masked, type MaskedState } from '../combinators/masked';
import type { LabelSpec } from '../combinators/leaf-labels';
import { checkOptions, requireParams } from './state-checks';
import type { EmptyState } from './identity';
import { publicTransform } from '../entry/public-transform';
import { withFusion } from '../fused/spec';

export interface AddDecayedWeightsOptions {
  /** Coefficient of the params added to the updates (decoupled weight decay). Default 0. */
  weightDecay?: number;
  /** Which params decay: a boolean tree shaped like the params or a function of them. */
  mask?: LabelSpec<boolean>;
}

/**
 * The state of `addDecayedWeights`: nothing (`{}`) without a mask; `{ inner: {} }` (masked's)
 * with one.
 */
export type AddDecayedWeightsState = EmptyState | MaskedState<EmptyState>;

/**
 * Adds `weightDecay * params` to the updates: decoupled weight decay (Loshchilov & Hutter
 * 2019) when placed before the learning-rate scaling, as in AdamW.
 */
export const addDecayedWeights = publicTransform('addDecayedWeights', function addDecayedWeights(options: AddDecayedWeightsOptions = {}): Transform<AddDecayedWeightsState> {
  const { weightDecay = 0, mask } = checkOptions('addDecayedWeights', options, '{ weightDecay: 1e-4 }', true);
  checkNumber('addDecayedWeights', 'weightDecay', weightDecay, { min: 0 });
  const plain: Transform<EmptyState> = {
    init: () => ({}),
    update: (updates, state, params) => {
      const p = requireParams('addDecayedWeights', params, updates);
      return [treeMap((u, w) => tf.tidy(() => tf.add(u, tf.mul(w, weightDecay))), updates, p), state];
    },
  };
  // Tagged so that aliases ending in it (adamw, lion) can fuse it into their kernel.
  const transform: Transform<AddDecayedWeightsState> = mask === undefined ? plain : masked(plain, mask);
  return withFusion(transform, { kind: 'decay', weightDecay, mask });
});
