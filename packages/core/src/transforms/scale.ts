import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { treeMap } from '../tree';
import { checkNumber } from '../validate';
import type { EmptyState } from './identity';
import { publicTransform } from '../entry/public-transform';

/** Multiplies updates by a constant factor. */
export const scale = publicTransform('scale', function scale(factor: number): Transform<EmptyState> {
  checkNumber('scale', 'factor', factor);
  return {
    init: () => ({}),
    update: (updates, state) => [treeMap((u) => tf.mul(u, factor), updates), state],
  };
});
