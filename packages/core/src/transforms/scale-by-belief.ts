import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap, treeZerosLike } from '../tree';
import { checkBoolean, checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByBeliefOptions {
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  b1?: number;
  /** Decay of the second moment of the prediction error `g - mu`, in [0, 1). Default 0.999. */
  b2?: number;
  /** Added to the root of the second moment. Default 1e-16 (optax's; the paper uses 1e-8). */
  eps?: number;
  /** Added to the second moment at every step. Default 1e-16 (optax's; the paper uses 0). */
  epsRoot?: number;
  /** Nesterov form of the first moment, as in NAdam (Dozat 2016). Default false. */
  nesterov?: boolean;
}

export interface BeliefState {
  count: number;
  mu: Tree;
  /** Running average of the squared prediction error `(g - mu)^2`, epsRoot included. */
  nu: Tree;
}

/** Validates AdaBelief's options under `owner` (the function the user called). */
export function checkBeliefOptions(owner: string, o: ScaleByBeliefOptions): Required<ScaleByBeliefOptions> {
  return {
    b1: checkNumber(owner, 'b1', o.b1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
    b2: checkNumber(owner, 'b2', o.b2 ?? 0.999, { min: 0, max: 1, maxExclusive: true }),
    eps: checkNumber(owner, 'eps', o.eps ?? 1e-16, { min: 0 }),
    epsRoot: checkNumber(owner, 'epsRoot', o.epsRoot ?? 1e-16, { min: 0 }),
    nesterov: checkBoolean(owner, 'nesterov', o.nesterov ?? false),
  };
}

/**
 * AdaBelief's rescaling (Zhuang et al. 2020, "AdaBelief Optimizer: Adapting Stepsizes by the
 * Belief in Observed Gradients"), as optax's `scale_by_belief` (optax/_src/transform.py):
 * `mu = b1 mu + (1-b1) g`, `s = b2 s + (1-b2) (g - mu)^2 + epsRoot`, update
 * `mu_hat / (sqrt(s_hat) + eps)` with bias-corrected moments. With `nesterov`, `mu_hat` is
 * `b1 mu / (1 - b1^(t+1)) + (1-b1) g / (1 - b1^t)`, as in Adam's `nesterov`.
 */
export const scaleByBelief = publicTransform('scaleByBelief', function scaleByBelief(options: ScaleByBeliefOptions = {}): Transform<BeliefState> {
  const { b1, b2, eps, epsRoot, nesterov } = checkBeliefOptions('scaleByBelief', checkOptions('scaleByBelief', options, '{ b1: 0.9, b2: 0.999 }', true));
  return {
    init: (params) => ({ count: 0, mu: treeZerosLike(params), nu: treeZerosLike(params) }),
    update: (updates, state) => {
      assertUpdatesMatch('scaleByBelief', state.mu, updates, 'state.mu');
      const count = state.count + 1;
      const mu = treeMap((g, m) => tf.tidy(() => tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1))), updates, state.mu);
      const nu = treeMap(
        (g, m, s) => tf.tidy(() => tf.add(tf.add(tf.mul(s, b2), tf.mul(tf.square(tf.sub(g, m)), 1 - b2)), epsRoot)),
        updates,
        mu,
        state.nu,
      );
      const c1 = 1 - Math.pow(b1, count);
      const c1Next = 1 - Math.pow(b1, count + 1);
      const c2 = 1 - Math.pow(b2, count);
      const out = treeMap(
        (g, m, s) =>
          tf.tidy(() => {
            const muHat = nesterov ? tf.add(tf.mul(m, b1 / c1Next), tf.mul(g, (1 - b1) / c1)) : tf.mul(m, 1 / c1);
            return tf.div(muHat, tf.add(tf.sqrt(tf.mul(s, 1 / c2)), eps));
          }),
        updates,
        mu,
        nu,
      );
      return [out, { count, mu, nu }];
    },
  };
});
