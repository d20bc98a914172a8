import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { treeMap } from '../tree';
import { checkNumber } from '../validate';
import type { EmptyState } from './identity';
import { checkOptions, requireParams } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByParamBlockRmsOptions {
  /** Floor of each leaf's parameter root mean square, >= 0. Default 1e-3 (optax's). */
  minScale?: number;
}

/**
 * Scales each leaf's update by the root mean square of that leaf's params, floored at
 * `minScale`, as optax's `scale_by_param_block_rms` (optax/_src/transform.py):
 * `u * max(sqrt(mean(p^2)), minScale)`. Adafactor's relative step size (Shazeer & Stern 2018,
 * section 8: `multiplyByParameterScale`). Stateless; reads the params.
 */
export const scaleByParamBlockRms = publicTransform('scaleByParamBlockRms', function scaleByParamBlockRms(
  options: ScaleByParamBlockRmsOptions = {},
): Transform<EmptyState> {
  const { minScale = 1e-3 } = checkOptions('scaleByParamBlockRms', options, '{ minScale: 1e-3 }', true);
  checkNumber('scaleByParamBlockRms', 'minScale', minScale, { min: 0 });
  return {
    init: () => ({}),
    update: (updates, state, params) => {
      const p = requireParams('scaleByParamBlockRms', params, updates);
      return [treeMap((u, w) => tf.tidy(() => tf.mul(u, tf.maximum(tf.sqrt(tf.mean(tf.square(w))), minScale))), updates, p), state];
    },
  };
});
