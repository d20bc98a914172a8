import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap } from '../tree';
import { checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByYogiOptions {
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  b1?: number;
  /** Rate of the additive second-moment update, in [0, 1). Default 0.999. */
  b2?: number;
  /** Added to the root of the second moment. Default 1e-3 (optax's and the paper's). */
  eps?: number;
  /** Added inside the root of the second moment. Default 0. */
  epsRoot?: number;
  /** Starting value of both moments, >= 0. Default 1e-6 (optax's). */
  initialAccumulatorValue?: number;
}

export interface YogiState {
  count: number;
  mu: Tree;
  nu: Tree;
}

/** Validates Yogi's options under `owner` (the function the user called). */
export function checkYogiOptions(owner: string, o: ScaleByYogiOptions): Required<ScaleByYogiOptions> {
  return {
    b1: checkNumber(owner, 'b1', o.b1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
    b2: checkNumber(owner, 'b2', o.b2 ?? 0.999, { min: 0, max: 1, maxExclusive: true }),
    eps: checkNumber(owner, 'eps', o.eps ?? 1e-3, { min: 0 }),
    epsRoot: checkNumber(owner, 'epsRoot', o.epsRoot ?? 0, { min: 0 }),
    initialAccumulatorValue: checkNumber(owner, 'initialAccumulatorValue', o.initialAccumulatorValue ?? 1e-6, { min: 0 }),
  };
}

/**
 * Yogi's rescaling (Zaheer et al. 2018, "Adaptive Methods for Nonconvex Optimization"), as
 * optax's `scale_by_yogi` (optax/_src/transform.py): Adam with an additive second moment,
 * `nu = nu - (1-b2) sign(nu - g^2) g^2`, so `nu` moves towards `g^2` by at most `(1-b2) g^2` per
 * step; both moments start at `initialAccumulatorValue` and are bias-corrected, and the update is
 * `mu_hat / (sqrt(nu_hat + epsRoot) + eps)`.
 */
export const scaleByYogi = publicTransform('scaleByYogi', function scaleByYogi(options: ScaleByYogiOptions = {}): Transform<YogiState> {
  const { b1, b2, eps, epsRoot, initialAccumulatorValue } = checkYogiOptions('scaleByYogi', checkOptions('scaleByYogi', options, '{ b1: 0.9, b2: 0.999 }', true));
  const filled = (params: Tree): Tree => treeMap((p) => tf.fill(p.shape, initialAccumulatorValue, 'float32'), params);
  return {
    init: (params) => ({ count: 0, mu: filled(params), nu: filled(params) }),
    update: (updates, state) => {
      assertUpdatesMatch('scaleByYogi', state.mu, updates, 'state.mu');
      const count = state.count + 1;
      const mu = treeMap((g, m) => tf.tidy(() => tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1))), updates, state.mu);
      const nu = treeMap(
        (g, v) =>
          tf.tidy(() => {
            const g2 = tf.square(g);
            return tf.sub(v, tf.mul(tf.mul(tf.sign(tf.sub(v, g2)), g2), 1 - b2));
          }),
        updates,
        state.nu,
      );
      const c1 = 1 - Math.pow(b1, count);
      const c2 = 1 - Math.pow(b2, count);
      const out = treeMap(
        (m, v) =>
          tf.tidy(() => {
            const vHat = tf.mul(v, 1 / c2);
            return tf.div(tf.mul(m, 1 / c1), tf.add(tf.sqrt(epsRoot === 0 ? vHat : tf.add(vHat, epsRoot)), eps));
          }),
        mu,
        nu,
      );
      return [out, { count, mu, nu }];
    },
  };
});
