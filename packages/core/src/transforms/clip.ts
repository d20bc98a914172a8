import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { treeGlobalNorm, treeMap, treeScale } from '../tree';
import { checkNumber } from '../validate';
import type { EmptyState } from './identity';
import { publicTransform } from '../entry/public-transform';
import { withFusion } from '../fused/spec';
import { fusedPieceUpdate } from '../fused/fuse-chain';

/** Clips every update entry to `[-maxDelta, maxDelta]`. */
export const clip = publicTransform('clip', function clip(maxDelta: number): Transform<EmptyState> {
  checkNumber('clip', 'maxDelta', maxDelta, { min: 0 });
  return {
    init: () => ({}),
    update: (updates, state) => [treeMap((u) => tf.clipByValue(u, -maxDelta, maxDelta), updates), state],
  };
});

/**
 * Rescales all updates together so that their global l2 norm is at most `maxNorm`
 * (Pascanu et al. 2013); updates already within the bound pass unchanged.
 */
export const clipByGlobalNorm = publicTransform('clipByGlobalNorm', function clipByGlobalNorm(maxNorm: number): Transform<EmptyState> {
  checkNumber('clipByGlobalNorm', 'maxNorm', maxNorm, { min: 0, minExclusive: true });
  const spec = { kind: 'clipByGlobalNorm', maxNorm } as const;
  return withFusion<Transform<EmptyState>>({
    init: () => ({}),
    update: (updates, state, params, extras) => {
      // One kernel for the whole tree where the backend has it (cpu; src/fused).
      const fused = fusedPieceUpdate(spec, updates, state, params, extras);
      if (fused) return fused;
      // Elsewhere the norm (one fused reduction, or a square and a sum per leaf) and the scaling
      // (one fused kernel per leaf where the backend has it, as on webgl and webgpu).
      const factor = tf.tidy(() => tf.div(maxNorm, tf.maximum(treeGlobalNorm(updates), maxNorm))) as tf.Scalar;
      try {
        return [treeScale(updates, factor), state];
      } finally {
        factor.dispose();
      }
    },
  }, spec);
});
