import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { treeFlatten, treeGlobalNorm, treeMap } from '../tree';
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
      // One kernel for the whole tree where the backend has it (src/fused).
      const fused = fusedPieceUpdate(spec, updates, state, params, extras);
      if (fused) return fused;
      // Empty leaves add nothing to the norm, and tf.sum of one fails on WebGL: leave them out.
      const factor = tf.tidy(() => tf.div(maxNorm, tf.maximum(treeGlobalNorm(treeFlatten(updates).filter((u) => u.size > 0)), maxNorm)));
      const out = treeMap((u) => tf.mul(u, factor), updates);
      factor.dispose();
      return [out, state];
    },
  }, spec);
});
