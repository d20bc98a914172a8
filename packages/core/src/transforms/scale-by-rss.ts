import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap } from '../tree';
import { checkBoolean, checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByRssOptions {
  /**
   * Starting value of the sum of squared gradients, >= 0. Default 0.1: optax's `adagrad` and
   * `tf.train.adagrad` (its `initialAccumulatorValue`). `torch.optim.Adagrad` starts at 0.
   */
  initialAccumulatorValue?: number;
  /**
   * Keeps the denominator away from zero, >= 0. Default 1e-7: optax's default, and the backend
   * epsilon `tf.train.adagrad` adds (1e-7 on float32 backends, 1e-4 on float16 WebGL: read it
   * with `tf.backend().epsilon()`). `torch.optim.Adagrad` uses 1e-10, outside the root.
   */
  eps?: number;
  /**
   * `g / sqrt(sum + eps)` when true (default: optax and tf.train), `g / (sqrt(sum) + eps)` when
   * false (torch).
   */
  epsInSqrt?: boolean;
}

export interface RssState {
  /** The initial value plus every squared gradient so far, per leaf. */
  sumOfSquares: Tree;
}

/** Validates Adagrad's rescaling options (shared by scaleByRss and adagrad). */
export function checkRssOptions(owner: string, o: ScaleByRssOptions): Required<ScaleByRssOptions> {
  return {
    initialAccumulatorValue: checkNumber(owner, 'initialAccumulatorValue', o.initialAccumulatorValue ?? 0.1, { min: 0 }),
    eps: checkNumber(owner, 'eps', o.eps ?? 1e-7, { min: 0 }),
    epsInSqrt: checkBoolean(owner, 'epsInSqrt', o.epsInSqrt ?? true),
  };
}

/**
 * Adagrad's rescaling (Duchi, Hazan & Singer 2011): divide each gradient entry by the root of
 * the sum of its squares so far, `s = s + g^2`, update `g / sqrt(s + eps)` (or
 * `g / (sqrt(s) + eps)` with `epsInSqrt: false`), and 0 where `s` is 0. As optax's
 * `scale_by_rss` (optax/_src/transform.py); with `epsInSqrt: false` as `torch.optim.Adagrad`
 * (torch/optim/adagrad.py); with the defaults as `tf.train.adagrad`
 * (tfjs-core/src/optimizers/adagrad_optimizer.ts).
 */
export const scaleByRss = publicTransform('scaleByRss', function scaleByRss(options: ScaleByRssOptions = {}): Transform<RssState> {
  const owner = 'scaleByRss';
  const { initialAccumulatorValue, eps, epsInSqrt } = checkRssOptions(owner, checkOptions(owner, options, '{ initialAccumulatorValue: 0.1 }', true));
  return {
    init: (params) => ({ sumOfSquares: treeMap((p) => tf.fill(p.shape, initialAccumulatorValue, 'float32'), params) }),
    update: (updates, state) => {
      assertUpdatesMatch(owner, state.sumOfSquares, updates, 'state.sumOfSquares');
      const sumOfSquares = treeMap((g, s) => tf.tidy(() => tf.add(s, tf.square(g))), updates, state.sumOfSquares);
      const out = treeMap(
        (g, s) =>
          tf.tidy(() => {
            const denom = epsInSqrt ? tf.sqrt(tf.add(s, eps)) : tf.add(tf.sqrt(s), eps);
            const scaled = tf.div(g, denom);
            // s = 0 forces g = 0: the update is 0 (optax's guard), which only needs spelling out
            // when eps = 0 would make it 0 / 0.
            return eps > 0 ? scaled : tf.where(tf.greater(s, 0), scaled, tf.zerosLike(g));
          }),
        updates,
        sumOfSquares,
      );
      return [out, { sumOfSquares }];
    },
  };
});
