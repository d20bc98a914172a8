import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap, treeZerosLike } from '../tree';
import { checkBoolean, checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByAdadeltaOptions {
  /**
   * Decay of both running averages, in [0, 1). Default 0.9 (optax, torch); `tf.train.adadelta`
   * defaults to 0.95.
   */
  rho?: number;
  /**
   * Added inside both roots, > 0. Default 1e-6 (optax, torch); `tf.train.adadelta` defaults to
   * the backend epsilon (1e-7 on float32 backends: `tf.backend().epsilon()`).
   */
  eps?: number;
  /**
   * Divide by the average of squared gradients from before this step instead of the one that
   * includes the current gradient. Default false: Zeiler's Algorithm 1, optax and torch. True
   * reproduces `tf.train.adadelta` (TF.js 4.x computes the update from its accumulator before
   * adding the current gradient to it, so its first step is exactly `-lr * g`).
   */
  staleGradAverage?: boolean;
}

export interface AdadeltaState {
  /** Running average of squared gradients, E[g^2]. */
  eG: Tree;
  /** Running average of squared updates, E[dx^2]. */
  eX: Tree;
}

/** Validates Adadelta's options (shared by scaleByAdadelta and adadelta). */
export function checkAdadeltaOptions(owner: string, o: ScaleByAdadeltaOptions): Required<ScaleByAdadeltaOptions> {
  return {
    rho: checkNumber(owner, 'rho', o.rho ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
    eps: checkNumber(owner, 'eps', o.eps ?? 1e-6, { min: 0, minExclusive: true }),
    staleGradAverage: checkBoolean(owner, 'staleGradAverage', o.staleGradAverage ?? false),
  };
}

/**
 * Adadelta's rescaling (Zeiler 2012, Algorithm 1): `E[g^2] = rho E[g^2] + (1-rho) g^2`,
 * `dx = sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g`, `E[dx^2] = rho E[dx^2] + (1-rho) dx^2`,
 * and the update is `dx`. As optax's `scale_by_adadelta` (optax/_src/transform.py) and
 * `torch.optim.Adadelta` (torch/optim/adadelta.py); with `staleGradAverage` as
 * `tf.train.adadelta` (tfjs-core/src/optimizers/adadelta_optimizer.ts).
 */
export const scaleByAdadelta = publicTransform('scaleByAdadelta', function scaleByAdadelta(options: ScaleByAdadeltaOptions = {}): Transform<AdadeltaState> {
  const owner = 'scaleByAdadelta';
  const { rho, eps, staleGradAverage } = checkAdadeltaOptions(owner, checkOptions(owner, options, '{ rho: 0.9, eps: 1e-6 }', true));
  return {
    init: (params) => ({ eG: treeZerosLike(params), eX: treeZerosLike(params) }),
    update: (updates, state) => {
      assertUpdatesMatch(owner, state.eG, updates, 'state.eG');
      assertUpdatesMatch(owner, state.eX, updates, 'state.eX');
      const eG = treeMap((g, a) => tf.tidy(() => tf.add(tf.mul(a, rho), tf.mul(tf.square(g), 1 - rho))), updates, state.eG);
      const out = treeMap(
        (g, a, x) => tf.tidy(() => tf.mul(tf.div(tf.sqrt(tf.add(x, eps)), tf.sqrt(tf.add(a, eps))), g)),
        updates,
        staleGradAverage ? state.eG : eG,
        state.eX,
      );
      const eX = treeMap((u, x) => tf.tidy(() => tf.add(tf.mul(x, rho), tf.mul(tf.square(u), 1 - rho))), out, state.eX);
      return [out, { eG, eX }];
    },
  };
});
