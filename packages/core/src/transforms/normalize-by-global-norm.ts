import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { treeGlobalNorm, treeMap } from '../tree';
import { checkNumber } from '../validate';
import type { EmptyState } from './identity';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from './state-checks';

/**
 * Divides updates by their global l2 norm (optax.contrib's `normalize`), giving a unit-norm
 * direction. A zero update stays zero instead of becoming NaN; `eps` is added to the norm.
 */
export const normalizeByGlobalNorm = publicTransform('normalizeByGlobalNorm', function normalizeByGlobalNorm(options: { eps?: number } = {}): Transform<EmptyState> {
  const { eps = 0 } = checkOptions('normalizeByGlobalNorm', options, '{ eps: 0 }', true);
  checkNumber('normalizeByGlobalNorm', 'eps', eps, { min: 0 });
  return {
    init: () => ({}),
    update: (updates, state) => {
      const norm = tf.tidy(() => tf.add(treeGlobalNorm(updates), eps));
      const out = treeMap((u) => tf.divNoNan(u, norm), updates);
      norm.dispose();
      return [out, state];
    },
  };
});
