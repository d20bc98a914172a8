import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap } from '../tree';
import { publicTransform } from '../entry/public-transform';

export interface ZeroNansState {
  /**
   * Per leaf, a boolean scalar tensor: whether the last updates of that leaf held a NaN (read it
   * with `dataSync()`). Shaped like the params.
   */
  foundNan: Tree;
}

/**
 * Replaces NaN entries of the updates by 0, as optax's `zero_nans`
 * (optax/transforms/_constraining.py, formerly optax/_src/constrain.py); Infinity passes
 * through. The state records, per leaf, whether the last updates held a NaN; the transform does
 * not use it, it lets the caller notice. Place it first in a chain to clean the gradients.
 */
export const zeroNans = publicTransform('zeroNans', function zeroNans(): Transform<ZeroNansState> {
  return {
    init: (params) => ({ foundNan: treeMap(() => tf.scalar(false, 'bool'), params) }),
    update: (updates) => {
      const foundNan = treeMap((u) => tf.tidy(() => tf.any(tf.isNaN(u))), updates);
      const out = treeMap((u) => tf.tidy(() => tf.where(tf.isNaN(u), tf.zerosLike(u), u)), updates);
      return [out, { foundNan }];
    },
  };
});
