import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap, treeZerosLike } from '../tree';
import { checkNumber } from '../validate';
import { assertUpdatesMatch } from './state-checks';

export interface ScaleByLionOptions {
  /** Interpolation between momentum and gradient for the sign. Default 0.9. */
  b1?: number;
  /** Momentum decay. Default 0.99. */
  b2?: number;
}

export interface LionState {
  mu: Tree;
}

/**
 * Lion's sign update (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"):
 * `u = sign(b1 mu + (1-b1) g)`, then `mu = b2 mu + (1-b2) g`.
 */
export function scaleByLion(options: ScaleByLionOptions = {}): Transform<LionState> {
  const b1 = checkNumber('scaleByLion', 'b1', options.b1 ?? 0.9, { min: 0, max: 1 });
  const b2 = checkNumber('scaleByLion', 'b2', options.b2 ?? 0.99, { min: 0, max: 1 });
  return {
    init: (params) => ({ mu: treeZerosLike(params) }),
    update: (updates, state) => {
      assertUpdatesMatch('scaleByLion', state.mu, updates, 'state.mu');
      const out = treeMap((g, m) => tf.tidy(() => tf.sign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)))), updates, state.mu);
      const mu = treeMap((g, m) => tf.tidy(() => tf.add(tf.mul(m, b2), tf.mul(g, 1 - b2))), updates, state.mu);
      return [out, { mu }];
    },
  };
}
