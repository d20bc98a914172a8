import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { treeMap } from '../tree';
import { checkNumber } from '../validate';
import type { EmptyState } from './identity';
import { publicTransform } from '../entry/public-transform';

/**
 * Clips each leaf's update to root mean square `threshold`, as optax's `clip_by_block_rms`
 * (optax/_src/clipping.py): every leaf is divided by `max(1, rms(u) / threshold)`, with
 * `rms(u) = sqrt(mean(u^2))` over all of the leaf's entries, so a leaf whose update is within the
 * bound passes unchanged. Adafactor's update clipping (Shazeer & Stern 2018, section 6).
 * Stateless; `threshold` must be > 0.
 */
export const clipByBlockRms = publicTransform('clipByBlockRms', function clipByBlockRms(threshold: number): Transform<EmptyState> {
  checkNumber('clipByBlockRms', 'threshold', threshold, { min: 0, minExclusive: true });
  return {
    init: () => ({}),
    update: (updates, state) => [
      treeMap((u) => tf.tidy(() => tf.div(u, tf.maximum(1, tf.div(tf.sqrt(tf.mean(tf.square(u))), threshold)))), updates),
      state,
    ],
  };
});
