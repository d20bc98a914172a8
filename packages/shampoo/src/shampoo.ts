import { addDecayedWeights, chain, identity, scaleByLearningRate, trace, type LabelSpec, type ScalarOrSchedule, type Transform } from '@basin/core';
import { scaleByShampoo, ScaleByShampooOptions } from './scale-by-shampoo';

export interface ShampooOptions extends ScaleByShampooOptions {
  learningRate: ScalarOrSchedule;
  /** Heavy-ball momentum on the (grafted) Shampoo update; none when omitted. */
  momentum?: number;
  /** Nesterov momentum (needs `momentum`). */
  nesterov?: boolean;
  /** Decoupled weight decay: `weightDecay * params` added after momentum, before the learning rate (as AdamW). Default 0. */
  weightDecay?: number;
  /** Which params decay. */
  weightDecayMask?: LabelSpec<boolean>;
}

/**
 * Shampoo as a named optimizer:
 * `chain(scaleByShampoo(o), trace({ decay: momentum, nesterov }), addDecayedWeights(o), scaleByLearningRate(lr))`.
 * Weight decay is decoupled from the preconditioner and the momentum (Loshchilov & Hutter 2019).
 *
 * ```ts
 * const opt = shampoo({ learningRate: 1e-3, momentum: 0.9, grafting: 'rmsprop', updateEvery: 10 });
 * let state = opt.init(params);
 * ```
 */
export function shampoo({ learningRate, momentum, nesterov = false, weightDecay = 0, weightDecayMask, ...rest }: ShampooOptions): Transform<unknown[]> {
  return chain(
    scaleByShampoo(rest),
    momentum === undefined ? identity() : trace({ decay: momentum, nesterov }),
    weightDecay === 0 ? identity() : addDecayedWeights({ weightDecay, mask: weightDecayMask }),
    scaleByLearningRate(learningRate),
  );
}
