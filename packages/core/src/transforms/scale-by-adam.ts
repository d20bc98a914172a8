import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap, treeZerosLike } from '../tree';
import { checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';
import { withFusion } from '../fused/spec';
import { fusedPieceUpdate } from '../fused/fuse-chain';

export interface ScaleByAdamOptions {
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  b1?: number;
  /** Decay of the second moment, in [0, 1). Default 0.999. */
  b2?: number;
  /** Added to the root of the second moment. Default 1e-8. */
  eps?: number;
  /** Added inside the root of the second moment. Default 0. */
  epsRoot?: number;
  /** NAdam (Dozat 2016): use the Nesterov form of the first moment. Default false. */
  nesterov?: boolean;
}

export interface AdamState {
  count: number;
  mu: Tree;
  nu: Tree;
}

/** Validates Adam's options (shared by adam, adamw and the injected forms). */
export function checkAdamOptions(owner: string, o: ScaleByAdamOptions): Required<ScaleByAdamOptions> {
  return {
    b1: checkNumber(owner, 'b1', o.b1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
    b2: checkNumber(owner, 'b2', o.b2 ?? 0.999, { min: 0, max: 1, maxExclusive: true }),
    eps: checkNumber(owner, 'eps', o.eps ?? 1e-8, { min: 0 }),
    epsRoot: checkNumber(owner, 'epsRoot', o.epsRoot ?? 0, { min: 0 }),
    nesterov: o.nesterov ?? false,
  };
}

/**
 * Adam's rescaling (Kingma & Ba 2015, Algorithm 1), as optax's `scale_by_adam`:
 * `mu = b1 mu + (1-b1) g`, `nu = b2 nu + (1-b2) g^2`, update `mu_hat / (sqrt(nu_hat + epsRoot) + eps)`
 * with bias-corrected moments.
 */
export const scaleByAdam = publicTransform('scaleByAdam', function scaleByAdam(options: ScaleByAdamOptions = {}): Transform<AdamState> {
  const { b1, b2, eps, epsRoot, nesterov } = checkAdamOptions('scaleByAdam', checkOptions('scaleByAdam', options, '{ b1: 0.9, b2: 0.999 }', true));
  const spec = { kind: 'adam', b1, b2, eps, epsRoot, nesterov } as const;
  return withFusion<Transform<AdamState>>({
    init: (params) => ({ count: 0, mu: treeZerosLike(params), nu: treeZerosLike(params) }),
    update: (updates, state, params, extras) => {
      assertUpdatesMatch('scaleByAdam', state.mu, updates, 'state.mu');
      // One fused kernel per leaf where the backend has it (src/fused); the ops below are the reference.
      const fused = fusedPieceUpdate(spec, updates, state, params, extras);
      if (fused) return fused;
      const count = state.count + 1;
      const mu = treeMap((g, m) => tf.tidy(() => tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1))), updates, state.mu);
      const nu = treeMap((g, v) => tf.tidy(() => tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2))), updates, state.nu);
      const c1 = 1 - Math.pow(b1, count);
      const c2 = 1 - Math.pow(b2, count);
      const c1Next = 1 - Math.pow(b1, count + 1);
      // mu_hat / (sqrt(nu_hat + epsRoot) + eps) with both sides multiplied by sqrt(c2), so the
      // bias corrections become scalar factors: fewer ops per leaf, same value.
      const r2 = Math.sqrt(c2);
      const out = treeMap(
        (g, m, v) =>
          tf.tidy(() => {
            const numerator = nesterov ? tf.add(tf.mul(m, (b1 * r2) / c1Next), tf.mul(g, ((1 - b1) * r2) / c1)) : tf.mul(m, r2 / c1);
            const root = tf.sqrt(epsRoot === 0 ? v : tf.add(v, epsRoot * c2));
            return tf.div(numerator, tf.add(root, eps * r2));
          }),
        updates,
        mu,
        nu,
      );
      return [out, { count, mu, nu }];
    },
  }, spec);
});
