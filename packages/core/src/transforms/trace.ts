import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeMap, treeZerosLike } from '../tree';
import { checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';
import { withFusion } from '../fused/spec';
import { fusedPieceUpdate } from '../fused/fuse-chain';

export interface TraceOptions {
  /** Momentum coefficient, in [0, 1). */
  decay: number;
  /** Nesterov momentum: apply the momentum once more to the current update. */
  nesterov?: boolean;
}

export interface TraceState {
  trace: Tree;
}

/**
 * Heavy-ball momentum as in optax's `trace`: `t = g + decay * t`, and the update is `t`
 * (or `g + decay * t` with Nesterov).
 */
export const trace = publicTransform('trace', function trace(options: TraceOptions): Transform<TraceState> {
  const { decay, nesterov = false } = checkOptions('trace', options, '{ decay: 0.9 }');
  checkNumber('trace', 'decay', decay, { min: 0, max: 1, maxExclusive: true });
  const spec = { kind: 'trace', decay, nesterov } as const;
  return withFusion<Transform<TraceState>>({
    init: (params) => ({ trace: treeZerosLike(params) }),
    update: (updates, state, params, extras) => {
      assertUpdatesMatch('trace', state.trace, updates, 'state.trace');
      const fused = fusedPieceUpdate(spec, updates, state, params, extras);
      if (fused) return fused;
      const next = treeMap((g, t) => tf.tidy(() => tf.add(g, tf.mul(t, decay))), updates, state.trace);
      const out = nesterov
        ? treeMap((g, t) => tf.tidy(() => tf.add(g, tf.mul(t, decay))), updates, next)
        : treeMap((t) => tf.clone(t), next);
      return [out, { trace: next }];
    },
  }, spec);
});
