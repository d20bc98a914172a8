import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap, treeZerosLike } from '../tree';
import { checkBoolean, checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions } from '../transforms/state-checks';
import { publicTransform } from '../entry/public-transform';

export interface EmaOptions {
  /** Decay of the average, in [0, 1). */
  decay: number;
  /** Divide by `1 - decay^t` so early averages are not pulled towards zero. Default true (optax's). */
  debias?: boolean;
}

export interface EmaState {
  count: number;
  ema: Tree;
}

/**
 * Exponential moving average of the updates, as optax's `ema`
 * (optax/transforms/_accumulation.py, formerly optax/_src/transform.py):
 * `ema = decay ema + (1 - decay) u`, and the update is `ema`, or `ema / (1 - decay^t)` with
 * `debias`. Unlike `trace` (`t = u + decay t`) the incoming update is weighted by `1 - decay`.
 * To average the params themselves (Polyak averaging, an EMA of the weights for evaluation),
 * wrap the optimizer in `averageParams` instead.
 */
export const ema = publicTransform('ema', function ema(options: EmaOptions): Transform<EmaState> {
  const { decay, debias = true } = checkOptions('ema', options, '{ decay: 0.9 }');
  checkNumber('ema', 'decay', decay, { min: 0, max: 1, maxExclusive: true });
  checkBoolean('ema', 'debias', debias);
  return {
    init: (params) => ({ count: 0, ema: treeZerosLike(params) }),
    update: (updates, state) => {
      assertUpdatesMatch('ema', state.ema, updates, 'state.ema');
      const count = state.count + 1;
      const next = treeMap((u, m) => tf.tidy(() => tf.add(tf.mul(u, 1 - decay), tf.mul(m, decay))), updates, state.ema);
      const correction = debias ? 1 - Math.pow(decay, count) : 1;
      const out = treeMap((m) => (correction === 1 ? tf.clone(m) : tf.div(m, correction)), next);
      return [out, { count, ema: next }];
    },
  };
});
