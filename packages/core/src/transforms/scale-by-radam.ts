import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap, treeZerosLike } from '../tree';
import { checkBoolean, checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByRadamOptions {
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  b1?: number;
  /** Decay of the second moment, in [0, 1). Default 0.999. */
  b2?: number;
  /** Added to the root of the bias-corrected second moment. Default 1e-8. */
  eps?: number;
  /** Added inside the root of the second moment. Default 0. */
  epsRoot?: number;
  /**
   * The rectified (adaptive) step is taken once the length of the approximated simple moving
   * average, `rho_t`, reaches this; before, the update is the bias-corrected momentum alone.
   * Default 5 (optax's and torch's; the paper's Algorithm 2 uses 4). At least 4: below it the
   * rectification term is not real.
   */
  threshold?: number;
  /** Use the Nesterov form of the first moment, as optax's `nesterov`. Default false. */
  nesterov?: boolean;
}

export interface RadamState {
  count: number;
  mu: Tree;
  nu: Tree;
}

/** Validates RAdam's options (shared by scaleByRadam and radam). */
export function checkRadamOptions(owner: string, o: ScaleByRadamOptions): Required<ScaleByRadamOptions> {
  return {
    b1: checkNumber(owner, 'b1', o.b1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
    b2: checkNumber(owner, 'b2', o.b2 ?? 0.999, { min: 0, max: 1, maxExclusive: true }),
    eps: checkNumber(owner, 'eps', o.eps ?? 1e-8, { min: 0 }),
    epsRoot: checkNumber(owner, 'epsRoot', o.epsRoot ?? 0, { min: 0 }),
    threshold: checkNumber(owner, 'threshold', o.threshold ?? 5, { min: 4 }),
    nesterov: checkBoolean(owner, 'nesterov', o.nesterov ?? false),
  };
}

/**
 * Rectified Adam's rescaling (Liu et al. 2020, "On the Variance of the Adaptive Learning Rate
 * and Beyond", Algorithm 2), as optax's `scale_by_radam` (optax/_src/transform.py): Adam's
 * moments, `rho_inf = 2 / (1 - b2) - 1`, `rho_t = rho_inf - 2 t b2^t / (1 - b2^t)`; while
 * `rho_t < threshold` the update is `m_hat`, afterwards
 * `r_t m_hat / (sqrt(v_hat + epsRoot) + eps)` with
 * `r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))`.
 * `torch.optim.RAdam` (torch/optim/radam.py) takes the adaptive step when `rho_t > 5` and adds
 * eps to the root of the uncorrected second moment (an eps-sized difference).
 */
export const scaleByRadam = publicTransform('scaleByRadam', function scaleByRadam(options: ScaleByRadamOptions = {}): Transform<RadamState> {
  const owner = 'scaleByRadam';
  const { b1, b2, eps, epsRoot, threshold, nesterov } = checkRadamOptions(owner, checkOptions(owner, options, '{ b1: 0.9, b2: 0.999, threshold: 5 }', true));
  const rhoInf = 2 / (1 - b2) - 1;
  return {
    init: (params) => ({ count: 0, mu: treeZerosLike(params), nu: treeZerosLike(params) }),
    update: (updates, state) => {
      assertUpdatesMatch(owner, state.mu, updates, 'state.mu');
      assertUpdatesMatch(owner, state.nu, updates, 'state.nu');
      const count = state.count + 1;
      const mu = treeMap((g, m) => tf.tidy(() => tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1))), updates, state.mu);
      const nu = treeMap((g, v) => tf.tidy(() => tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2))), updates, state.nu);
      const b2t = Math.pow(b2, count);
      const c1 = 1 - Math.pow(b1, count);
      const c1Next = 1 - Math.pow(b1, count + 1);
      const c2 = 1 - b2t;
      const rho = rhoInf - (2 * count * b2t) / c2;
      const rectified = rho >= threshold;
      const r = rectified ? Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho)) : 1;
      const out = treeMap(
        (g, m, v) =>
          tf.tidy(() => {
            const mHat = nesterov ? tf.add(tf.mul(m, b1 / c1Next), tf.mul(g, (1 - b1) / c1)) : tf.div(m, c1);
            if (!rectified) return mHat;
            const root = tf.sqrt(tf.add(tf.div(v, c2), epsRoot));
            return tf.div(tf.mul(mHat, r), tf.add(root, eps));
          }),
        updates,
        mu,
        nu,
      );
      return [out, { count, mu, nu }];
    },
  };
});
