import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { treeMap } from '../tree';
import type { EmptyState } from './identity';
import { publicTransform } from '../entry/public-transform';

/**
 * Replaces every update entry by its sign (-1, 0 or 1), as optax's `scale_by_sign`
 * (optax/_src/transform.py); signSGD's direction (Bernstein et al. 2018, "signSGD: Compressed
 * Optimisation for Non-Convex Problems").
 */
export const scaleBySign = publicTransform('scaleBySign', function scaleBySign(): Transform<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state) => [treeMap((u) => tf.sign(u), updates), state],
  };
});
