import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap, treeZerosLike } from '../tree';
import { checkBoolean, checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByAdamaxOptions {
  /** Decay of the first moment, in [0, 1). Default 0.9 (optax, torch, tf.train). */
  b1?: number;
  /** Decay of the infinity norm, in [0, 1). Default 0.999 (optax, torch, tf.train). */
  b2?: number;
  /**
   * Keeps the denominator away from zero, >= 0. Default 1e-8 (optax, torch);
   * `tf.train.adamax` defaults to the backend epsilon (1e-7 on float32 backends:
   * `tf.backend().epsilon()`).
   */
  eps?: number;
  /**
   * Where eps goes. True (default: optax and torch): inside the maximum,
   * `u = max(b2 u, |g| + eps)`, update `m_hat / u`. False (`tf.train.adamax`):
   * `u = max(b2 u, |g|)`, update `m_hat / (u + eps)`.
   */
  epsInMax?: boolean;
}

export interface AdamaxState {
  count: number;
  /** First moment. */
  mu: Tree;
  /** Exponentially weighted infinity norm. */
  nu: Tree;
}

/** Validates Adamax's options (shared by scaleByAdamax, adamax and adamaxw). */
export function checkAdamaxOptions(owner: string, o: ScaleByAdamaxOptions): Required<ScaleByAdamaxOptions> {
  return {
    b1: checkNumber(owner, 'b1', o.b1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
    b2: checkNumber(owner, 'b2', o.b2 ?? 0.999, { min: 0, max: 1, maxExclusive: true }),
    eps: checkNumber(owner, 'eps', o.eps ?? 1e-8, { min: 0 }),
    epsInMax: checkBoolean(owner, 'epsInMax', o.epsInMax ?? true),
  };
}

/**
 * Adamax's rescaling (Kingma & Ba 2015, Algorithm 2, the infinity-norm variant of Adam):
 * `m = b1 m + (1-b1) g`, `u = max(b2 u, |g| + eps)`, update `m / (1 - b1^t) / u`. As optax's
 * `scale_by_adamax` (optax/_src/transform.py) and `torch.optim.Adamax` (torch/optim/adamax.py);
 * with `epsInMax: false` as `tf.train.adamax` (tfjs-core/src/optimizers/adamax_optimizer.ts).
 */
export const scaleByAdamax = publicTransform('scaleByAdamax', function scaleByAdamax(options: ScaleByAdamaxOptions = {}): Transform<AdamaxState> {
  const owner = 'scaleByAdamax';
  const { b1, b2, eps, epsInMax } = checkAdamaxOptions(owner, checkOptions(owner, options, '{ b1: 0.9, b2: 0.999 }', true));
  return {
    init: (params) => ({ count: 0, mu: treeZerosLike(params), nu: treeZerosLike(params) }),
    update: (updates, state) => {
      assertUpdatesMatch(owner, state.mu, updates, 'state.mu');
      assertUpdatesMatch(owner, state.nu, updates, 'state.nu');
      const count = state.count + 1;
      const mu = treeMap((g, m) => tf.tidy(() => tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1))), updates, state.mu);
      const nu = treeMap(
        (g, u) => tf.tidy(() => tf.maximum(tf.mul(u, b2), epsInMax ? tf.add(tf.abs(g), eps) : tf.abs(g))),
        updates,
        state.nu,
      );
      const c1 = 1 - Math.pow(b1, count);
      const out = treeMap((m, u) => tf.tidy(() => tf.div(tf.div(m, c1), epsInMax ? u : tf.add(u, eps))), mu, nu);
      return [out, { count, mu, nu }];
    },
  };
});
