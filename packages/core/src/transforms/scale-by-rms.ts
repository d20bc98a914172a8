import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap } from '../tree';
import { checkNumber } from '../validate';
import { BasinError } from '../errors';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';
import { withFusion } from '../fused/spec';
import { fusedPieceUpdate } from '../fused/fuse-chain';

export interface ScaleByRmsOptions {
  /** Decay of the squared-gradient average, in [0, 1). Default 0.9. */
  decay?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Initial value of the average (TF1/Keras used 1). Default 0. */
  initialScale?: number;
  /** `g / sqrt(nu + eps)` when true (optax's default), `g / (sqrt(nu) + eps)` when false. */
  epsInSqrt?: boolean;
  /** Divide the averages by `1 - decay^t`. Default false. */
  biasCorrection?: boolean;
  /** Centered RMSProp (Graves 2013): subtract the squared mean gradient. Default false. */
  centered?: boolean;
}

export interface RmsState {
  count: number;
  nu: Tree;
  /** Mean gradient, kept only when centered. */
  mu?: Tree;
}

/**
 * RMSProp's rescaling (Tieleman & Hinton 2012) as optax's `scale_by_rms` and, when centered,
 * `scale_by_stddev`.
 */
export const scaleByRms = publicTransform('scaleByRms', function scaleByRms(given: ScaleByRmsOptions = {}): Transform<RmsState> {
  const owner = 'scaleByRms';
  const options = checkOptions(owner, given, '{ decay: 0.9 }', true);
  const decay = checkNumber(owner, 'decay', options.decay ?? 0.9, { min: 0, max: 1, maxExclusive: true });
  const eps = checkNumber(owner, 'eps', options.eps ?? 1e-8, { min: 0 });
  const initialScale = checkNumber(owner, 'initialScale', options.initialScale ?? 0, { min: 0 });
  const epsInSqrt = options.epsInSqrt ?? true;
  const biasCorrection = options.biasCorrection ?? false;
  const centered = options.centered ?? false;
  const spec = { kind: 'rms', decay, eps, epsInSqrt, biasCorrection, centered } as const;
  return withFusion<Transform<RmsState>>({
    init: (params) => {
      const nu = treeMap((p) => tf.fill(p.shape, initialScale, 'float32'), params);
      return centered ? { count: 0, nu, mu: treeMap((p) => tf.zerosLike(p), params) } : { count: 0, nu };
    },
    update: (updates, state, params, extras) => {
      assertUpdatesMatch(owner, state.nu, updates, 'state.nu');
      if (centered) {
        if (!state.mu) throw new BasinError(`${owner}: centered RMSProp needs state.mu (was the state made by an uncentered scaleByRms?)`);
        assertUpdatesMatch(owner, state.mu, updates, 'state.mu');
      }
      const fused = fusedPieceUpdate(spec, updates, state, params, extras);
      if (fused) return fused;
      const count = state.count + 1;
      const ema = (g: tf.Tensor, a: tf.Tensor, square: boolean) =>
        tf.tidy(() => tf.add(tf.mul(a, decay), tf.mul(square ? tf.square(g) : g, 1 - decay)));
      const nu = treeMap((g, v) => ema(g, v, true), updates, state.nu);
      const mu = centered && state.mu ? treeMap((g, m) => ema(g, m, false), updates, state.mu) : undefined;
      const correction = biasCorrection ? 1 - Math.pow(decay, count) : 1;
      const out = treeMap(
        (g, v, m) =>
          tf.tidy(() => {
            let variance = tf.div(v, correction);
            if (m) variance = tf.sub(variance, tf.square(tf.div(m, correction)));
            const denom = epsInSqrt ? tf.sqrt(tf.add(variance, eps)) : tf.add(tf.sqrt(variance), eps);
            return tf.div(g, denom);
          }),
        updates,
        nu,
        ...(mu ? [mu] : []),
      );
      return [out, mu ? { count, nu, mu } : { count, nu }];
    },
  }, spec);
});
