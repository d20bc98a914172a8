import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { treeMap } from '../tree';
import { checkNumber, checkScalarOrSchedule, resolveHyper, type ScalarOrSchedule } from '../validate';
import type { CountState } from '../transforms/scale-by-schedule';
import { scaleByTrustRatio } from '../transforms/scale-by-trust-ratio';
import { publicTransform } from '../entry/public-transform';
import { checkOptions, requireParams } from '../transforms/state-checks';
import type { EmptyState } from '../transforms/identity';

export interface FromageOptions {
  /** A number or a schedule of the step count. */
  learningRate: ScalarOrSchedule;
  /** Lower bound on the parameter and update norms in the trust ratio, >= 0. Default 1e-6. */
  minNorm?: number;
}

/**
 * Fromage's step after the trust ratio: `-lr m u + (m - 1) p` with `m = 1 / sqrt(1 + lr^2)`, so
 * the new params are `m (p - lr u)`. optax writes it as `scale_by_learning_rate(lr m)` and
 * `add_decayed_weights(m - 1)`; this evaluates `lr` at the step count, so schedules work too.
 */
function fromageStep(owner: string, learningRate: ScalarOrSchedule): Transform<CountState> {
  return {
    init: () => ({ count: 0 }),
    update: (updates, state, params) => {
      const p = requireParams(owner, params, updates);
      const lr = resolveHyper(owner, 'learningRate', learningRate, state.count);
      const mult = 1 / Math.sqrt(1 + lr * lr);
      const out = treeMap((u, w) => tf.tidy(() => tf.add(tf.mul(u, -lr * mult), tf.mul(w, mult - 1))), updates, p);
      return [out, { count: state.count + 1 }];
    },
  };
}

/** The state of `fromage(...)`: the trust ratio keeps nothing (`{}`); `state[1].count` is the steps taken. */
export type FromageOptimizerState = [trustRatio: EmptyState, step: CountState];

/**
 * Fromage, Frobenius matched gradient descent (Bernstein, Vahdat, Yue & Liu 2020, "On the
 * Distance between Two Neural Networks and the Stability of Learning", Algorithm 1): each leaf
 * moves by `lr ||p|| / ||g||` times `g` and is then shrunk by `1 / sqrt(1 + lr^2)`, as optax's
 * `fromage` (optax/_src/alias.py: `chain(scale_by_trust_ratio(min_norm),
 * scale_by_learning_rate(lr m), add_decayed_weights(m - 1))`): `scaleByTrustRatio({ minNorm })`
 * (norms floored at minNorm, trust coefficient 1, eps 0), then that step. Reads the params.
 */
export const fromage = publicTransform('fromage', function fromage(options: FromageOptions): Transform<FromageOptimizerState> {
  const { learningRate, minNorm = 1e-6 } = checkOptions('fromage', options, '{ learningRate: 0.01 }');
  checkScalarOrSchedule('fromage', 'learningRate', learningRate);
  checkNumber('fromage', 'minNorm', minNorm, { min: 0 });
  return chain(scaleByTrustRatio({ minNorm }), fromageStep('fromage', learningRate));
});
