import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkAdamOptions, scaleByAdam } from '../transforms/scale-by-adam';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { checkNumber, checkScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';
import type { AdamOptions, AdamWOptions, AdamOptimizerState, AdamWOptimizerState } from './adam';

/** NAdam's options: Adam's, with the Nesterov form always on. */
export type NadamOptions = Omit<AdamOptions, 'nesterov'>;

/** NAdamW's options: AdamW's (weight decay default 1e-4), with the Nesterov form always on. */
export type NadamWOptions = Omit<AdamWOptions, 'nesterov'>;

/** The state of `nadam(...)`: Adam's (`AdamOptimizerState`). */
export type NadamOptimizerState = AdamOptimizerState;

/** The state of `nadamw(...)`: AdamW's (`AdamWOptimizerState`). */
export type NadamWOptimizerState = AdamWOptimizerState;

/**
 * NAdam (Dozat 2016, "Incorporating Nesterov Momentum into Adam"), as optax's `nadam`
 * (optax/_src/alias.py: `adam` with `nesterov=True`): `chain(scaleByAdam({ nesterov: true }),
 * scaleByLearningRate)`. The first moment estimate is `b1 mu / (1 - b1^(t+1)) + (1-b1) g / (1 - b1^t)`.
 */
export const nadam = publicTransform('nadam', function nadam(options: NadamOptions): Transform<NadamOptimizerState> {
  const { learningRate, b1, b2, eps, epsRoot } = checkOptions('nadam', options, '{ learningRate: 1e-3 }');
  const adamOptions = checkAdamOptions('nadam', { b1, b2, eps, epsRoot });
  checkScalarOrSchedule('nadam', 'learningRate', learningRate);
  return chain(scaleByAdam({ ...adamOptions, nesterov: true }), scaleByLearningRate(learningRate));
});

/**
 * NAdamW: NAdam with decoupled weight decay (Loshchilov & Hutter 2019), as optax's `nadamw`
 * (optax/_src/alias.py: `adamw` with `nesterov=True`): `chain(scaleByAdam({ nesterov: true }),
 * addDecayedWeights, scaleByLearningRate)`.
 */
export const nadamw = publicTransform('nadamw', function nadamw(options: NadamWOptions): Transform<NadamWOptimizerState> {
  const { learningRate, b1, b2, eps, epsRoot, weightDecay = 1e-4, mask } = checkOptions('nadamw', options, '{ learningRate: 1e-3 }');
  const adamOptions = checkAdamOptions('nadamw', { b1, b2, eps, epsRoot });
  checkNumber('nadamw', 'weightDecay', weightDecay, { min: 0 });
  checkScalarOrSchedule('nadamw', 'learningRate', learningRate);
  return chain(scaleByAdam({ ...adamOptions, nesterov: true }), addDecayedWeights({ weightDecay, mask }), scaleByLearningRate(learningRate));
});
