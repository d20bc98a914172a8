import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap, treeZerosLike } from '../tree';
import { checkBoolean } from '../validate';
import { checkAdamOptions } from './scale-by-adam';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByAmsgradOptions {
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  b1?: number;
  /** Decay of the second moment, in [0, 1). Default 0.999. */
  b2?: number;
  /** Added to the root of the running maximum. Default 1e-8. */
  eps?: number;
  /** Added inside the root of the running maximum. Default 0. */
  epsRoot?: number;
  /** Divide the first moment by `1 - b1^t`. Default true (false is the paper's Algorithm 2). */
  biasCorrectionMu?: boolean;
  /** Divide the second moment by `1 - b2^t` before taking the maximum. Default true. */
  biasCorrectionNu?: boolean;
}

export interface AmsgradState {
  count: number;
  mu: Tree;
  nu: Tree;
  /** Running elementwise maximum of the (bias-corrected) second moment. */
  nuMax: Tree;
}

/** Validates AMSGrad's options under `owner` (the function the user called). */
export function checkAmsgradOptions(owner: string, o: ScaleByAmsgradOptions): Required<ScaleByAmsgradOptions> {
  const { b1, b2, eps, epsRoot } = checkAdamOptions(owner, { b1: o.b1, b2: o.b2, eps: o.eps, epsRoot: o.epsRoot });
  return {
    b1,
    b2,
    eps,
    epsRoot,
    biasCorrectionMu: checkBoolean(owner, 'biasCorrectionMu', o.biasCorrectionMu ?? true),
    biasCorrectionNu: checkBoolean(owner, 'biasCorrectionNu', o.biasCorrectionNu ?? true),
  };
}

/**
 * AMSGrad's rescaling (Reddi et al. 2018, "On the Convergence of Adam and Beyond"), as optax's
 * `scale_by_amsgrad` (optax/_src/transform.py): Adam's moments `mu`, `nu`, and a running maximum
 * `nuMax = max(nuMax, nu_hat)` of the bias-corrected second moment, so the effective step size
 * never grows; the update is `mu_hat / (sqrt(nuMax + epsRoot) + eps)`.
 */
export const scaleByAmsgrad = publicTransform('scaleByAmsgrad', function scaleByAmsgrad(options: ScaleByAmsgradOptions = {}): Transform<AmsgradState> {
  const { b1, b2, eps, epsRoot, biasCorrectionMu, biasCorrectionNu } = checkAmsgradOptions(
    'scaleByAmsgrad',
    checkOptions('scaleByAmsgrad', options, '{ b1: 0.9, b2: 0.999 }', true),
  );
  return {
    init: (params) => ({ count: 0, mu: treeZerosLike(params), nu: treeZerosLike(params), nuMax: treeZerosLike(params) }),
    update: (updates, state) => {
      assertUpdatesMatch('scaleByAmsgrad', state.mu, updates, 'state.mu');
      const count = state.count + 1;
      const muScale = biasCorrectionMu ? 1 / (1 - Math.pow(b1, count)) : 1;
      const nuScale = biasCorrectionNu ? 1 / (1 - Math.pow(b2, count)) : 1;
      const mu = treeMap((g, m) => tf.tidy(() => tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1))), updates, state.mu);
      const nu = treeMap((g, v) => tf.tidy(() => tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2))), updates, state.nu);
      const nuMax = treeMap((v, vMax) => tf.tidy(() => tf.maximum(vMax, tf.mul(v, nuScale))), nu, state.nuMax);
      const out = treeMap(
        (m, vMax) => tf.tidy(() => tf.div(tf.mul(m, muScale), tf.add(tf.sqrt(epsRoot === 0 ? vMax : tf.add(vMax, epsRoot)), eps))),
        mu,
        nuMax,
      );
      return [out, { count, mu, nu, nuMax }];
    },
  };
});
