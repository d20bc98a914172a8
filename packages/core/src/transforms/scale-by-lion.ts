import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap, treeZerosLike } from '../tree';
import { checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';
import { withFusion } from '../fused/spec';
import { fusedPieceUpdate } from '../fused/fuse-chain';

export interface ScaleByLionOptions {
  /** Interpolation between momentum and gradient for the sign, in [0, 1). Default 0.9. */
  b1?: number;
  /** Momentum decay, in [0, 1). Default 0.99. */
  b2?: number;
}

/**
 * Validates Lion's options under `owner` (the function the user called). b2 = 1 never moves the
 * momentum off zero, b1 = 1 signs the momentum alone (zero on the first step, and forever with
 * b2 = 1): both are refused, as is anything outside [0, 1).
 */
export function checkLionOptions(owner: string, o: ScaleByLionOptions): Required<ScaleByLionOptions> {
  return {
    b1: checkNumber(owner, 'b1', o.b1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
    b2: checkNumber(owner, 'b2', o.b2 ?? 0.99, { min: 0, max: 1, maxExclusive: true }),
  };
}

export interface LionState {
  mu: Tree;
}

/**
 * Lion's sign update (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"):
 * `u = sign(b1 mu + (1-b1) g)`, then `mu = b2 mu + (1-b2) g`.
 */
export const scaleByLion = publicTransform('scaleByLion', function scaleByLion(options: ScaleByLionOptions = {}): Transform<LionState> {
  const { b1, b2 } = checkLionOptions('scaleByLion', checkOptions('scaleByLion', options, '{ b1: 0.9, b2: 0.99 }', true));
  const spec = { kind: 'lion', b1, b2 } as const;
  return withFusion<Transform<LionState>>({
    init: (params) => ({ mu: treeZerosLike(params) }),
    update: (updates, state, params, extras) => {
      assertUpdatesMatch('scaleByLion', state.mu, updates, 'state.mu');
      const fused = fusedPieceUpdate(spec, updates, state, params, extras);
      if (fused) return fused;
      const out = treeMap((g, m) => tf.tidy(() => tf.sign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)))), updates, state.mu);
      const mu = treeMap((g, m) => tf.tidy(() => tf.add(tf.mul(m, b2), tf.mul(g, 1 - b2))), updates, state.mu);
      return [out, { mu }];
    },
  }, spec);
});
