import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { treeMap } from '../tree';
import { checkNumber } from '../validate';
import { checkOptions, requireParams } from './state-checks';
import type { EmptyState } from './identity';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByTrustRatioOptions {
  /** Floor for the param and update norms (`max(norm, minNorm)`), >= 0. Default 0 (no floor). */
  minNorm?: number;
  /** Multiplier of the trust ratio, >= 0. Default 1 (LARS uses 0.001). */
  trustCoefficient?: number;
  /** Added to the update norm in the ratio's denominator, >= 0. Default 0. */
  eps?: number;
}

/** Validates the trust ratio's options under `owner` (the function the user called). */
export function checkTrustRatioOptions(owner: string, o: ScaleByTrustRatioOptions): Required<ScaleByTrustRatioOptions> {
  return {
    minNorm: checkNumber(owner, 'minNorm', o.minNorm ?? 0, { min: 0 }),
    trustCoefficient: checkNumber(owner, 'trustCoefficient', o.trustCoefficient ?? 1, { min: 0 }),
    eps: checkNumber(owner, 'eps', o.eps ?? 0, { min: 0 }),
  };
}

/** Euclidean norm of all a leaf's entries, floored at `minNorm` (optax's `safe_norm`). */
function flooredNorm(x: tf.Tensor, minNorm: number): tf.Scalar {
  const norm = tf.sqrt(tf.sum(tf.square(x)));
  return (minNorm > 0 ? tf.maximum(norm, minNorm) : norm) as tf.Scalar;
}

/**
 * Layer-wise trust ratio (You et al. 2017, "Large Batch Training of Convolutional Networks";
 * You et al. 2020, LAMB), as optax's `scale_by_trust_ratio` (optax/_src/transform.py): each leaf's
 * update is multiplied by `trustCoefficient * ||p|| / (||u|| + eps)`, with both norms floored at
 * `minNorm`, and by 1 where either norm is zero (a zero param or update is passed through).
 * Stateless; reads the params.
 */
export const scaleByTrustRatio = publicTransform('scaleByTrustRatio', function scaleByTrustRatio(options: ScaleByTrustRatioOptions = {}): Transform<EmptyState> {
  const { minNorm, trustCoefficient, eps } = checkTrustRatioOptions(
    'scaleByTrustRatio',
    checkOptions('scaleByTrustRatio', options, '{ trustCoefficient: 0.001 }', true),
  );
  return {
    init: () => ({}),
    update: (updates, state, params) => {
      const p = requireParams('scaleByTrustRatio', params, updates);
      const out = treeMap(
        (u, w) =>
          tf.tidy(() => {
            const paramNorm = flooredNorm(w, minNorm);
            const updateNorm = flooredNorm(u, minNorm);
            // Multiplying by 1 and adding 0 change no bit: skipped, as is the zero-norm test
            // when both norms are floored at minNorm > 0 (they are never 0 then).
            const ratio = tf.div(trustCoefficient === 1 ? paramNorm : tf.mul(paramNorm, trustCoefficient), eps === 0 ? updateNorm : tf.add(updateNorm, eps));
            if (minNorm > 0) return tf.mul(u, ratio);
            const zeroNorm = tf.logicalOr(tf.equal(paramNorm, 0), tf.equal(updateNorm, 0));
            return tf.mul(u, tf.where(zeroNorm, tf.onesLike(ratio), ratio));
          }),
        updates,
        p,
      );
      return [out, state];
    },
  };
});
