import * as tf from '@tensorflow/tfjs-core';
import type { Extras, Transform } from '../transform';
import { BasinError } from '../errors';
import { treeMap } from '../tree';
import { checkNumber } from '../validate';
import { checkOptions } from '../transforms/state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ReduceOnPlateauOptions {
  /** Multiplies the scale at each plateau, in (0, 1). Default 0.1. */
  factor?: number;
  /** Evaluations without improvement before the scale is reduced (an integer >= 0). Default 10. */
  patience?: number;
  /** Relative improvement needed: a new best is `< (1 - rtol) best - atol`, in [0, 1]. Default 1e-4. */
  rtol?: number;
  /** Absolute improvement needed (>= 0; rtol and atol may not both be 0). Default 0. */
  atol?: number;
  /** Evaluations to wait after a reduction before counting again (an integer >= 0). Default 0. */
  cooldown?: number;
  /**
   * Losses averaged into one evaluation (an integer >= 1). Default 1: every step is an
   * evaluation; with minibatch losses, average over more steps (an epoch, say).
   */
  accumulationSize?: number;
  /** The scale never goes below this (>= 0). Default 0. */
  minScale?: number;
}

export interface ReduceOnPlateauState {
  /** The factor the updates are multiplied by. */
  scale: number;
  /** Best evaluation so far (Infinity before the first). */
  bestValue: number;
  /** Evaluations since the last improvement. */
  plateauCount: number;
  /** Evaluations left in the cooldown. */
  cooldownCount: number;
  /** Losses accumulated into the current evaluation. */
  count: number;
  /** Their mean. */
  avgValue: number;
}

/** The loss of this step as a number (one read from the backend), or a BasinError. */
function lossOf(extras: Extras | undefined): number {
  const loss = extras?.loss as unknown;
  if (typeof loss === 'number') return loss;
  if (loss instanceof tf.Tensor && loss.size === 1 && !loss.isDisposed) return loss.dataSync()[0];
  const got = loss === undefined ? 'no extras.loss' : loss instanceof tf.Tensor ? (loss.isDisposed ? 'a disposed tensor' : `a tensor of shape [${loss.shape.join(', ')}]`) : `extras.loss = ${String(loss)}`;
  throw new BasinError(
    `reduceOnPlateau: needs the loss of each step as extras.loss (a scalar), got ${got}; Basin's step, Trainer and ModelTrainer pass it, or call update(updates, state, params, { loss })`,
  );
}

/**
 * Scales the updates down when the loss stops improving, as optax's `reduce_on_plateau`
 * (optax/contrib/_reduce_on_plateau.py; Keras' and PyTorch's ReduceLROnPlateau as a transform):
 * the loss is read from `extras.loss`, averaged over `accumulationSize` steps into one
 * evaluation; an evaluation below `(1 - rtol) best - atol` is an improvement; after `patience`
 * evaluations without one the scale is multiplied by `factor` (not below `minScale`) and a
 * `cooldown` starts. Place it after the optimizer in a chain:
 *
 *     chain(adam({ learningRate: 1e-3 }), reduceOnPlateau({ patience: 5, accumulationSize: 100 }))
 *
 * With `patience: 0` the scale is reduced at every evaluation that does not improve, never at
 * one that does (optax's `_reduce_on_plateau_zero_patience_test.py`). A NaN loss never improves.
 */
export const reduceOnPlateau = publicTransform('reduceOnPlateau', function reduceOnPlateau(options: ReduceOnPlateauOptions = {}): Transform<ReduceOnPlateauState> {
  const o = checkOptions('reduceOnPlateau', options, '{ factor: 0.5, patience: 10 }', true);
  const factor = checkNumber('reduceOnPlateau', 'factor', o.factor ?? 0.1, { min: 0, max: 1, minExclusive: true, maxExclusive: true });
  const patience = checkNumber('reduceOnPlateau', 'patience', o.patience ?? 10, { min: 0, integer: true });
  const rtol = checkNumber('reduceOnPlateau', 'rtol', o.rtol ?? 1e-4, { min: 0, max: 1 });
  const atol = checkNumber('reduceOnPlateau', 'atol', o.atol ?? 0, { min: 0 });
  if (rtol === 0 && atol === 0) throw new BasinError('reduceOnPlateau: rtol and atol are both 0; at least one must be positive');
  const cooldown = checkNumber('reduceOnPlateau', 'cooldown', o.cooldown ?? 0, { min: 0, integer: true });
  const accumulationSize = checkNumber('reduceOnPlateau', 'accumulationSize', o.accumulationSize ?? 1, { min: 1, integer: true });
  const minScale = checkNumber('reduceOnPlateau', 'minScale', o.minScale ?? 0, { min: 0 });

  const evaluate = (s: ReduceOnPlateauState): ReduceOnPlateauState => {
    const improved = s.avgValue < (1 - rtol) * s.bestValue - atol;
    const bestValue = improved ? s.avgValue : s.bestValue;
    const plateau = improved ? 0 : s.plateauCount + 1;
    const base = { bestValue, count: 0, avgValue: 0 };
    if (s.cooldownCount > 0) return { ...base, scale: s.scale, plateauCount: 0, cooldownCount: s.cooldownCount - 1 };
    const reduce = !improved && plateau >= patience;
    return reduce
      ? { ...base, scale: Math.max(s.scale * factor, minScale), plateauCount: 0, cooldownCount: cooldown }
      : { ...base, scale: Math.max(s.scale, minScale), plateauCount: plateau, cooldownCount: 0 };
  };

  return {
    init: () => ({ scale: 1, bestValue: Infinity, plateauCount: 0, cooldownCount: 0, count: 0, avgValue: 0 }),
    update: (updates, state, _params, extras) => {
      const value = lossOf(extras);
      const count = state.count + 1;
      let next: ReduceOnPlateauState = { ...state, count, avgValue: (state.count * state.avgValue + value) / count };
      if (count >= accumulationSize) next = evaluate(next);
      const scale = next.scale;
      return [treeMap((u) => tf.mul(u, scale), updates), next];
    },
  };
});
