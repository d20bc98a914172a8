import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { scaleByAdam, ScaleByAdamOptions, type AdamState } from '../transforms/scale-by-adam';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { addDecayedWeights, type AddDecayedWeightsState } from '../transforms/add-decayed-weights';
import type { LabelSpec } from '../combinators/leaf-labels';
import type { ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';
import { fuseChain } from '../fused/fuse-chain';

export interface AdamOptions extends ScaleByAdamOptions {
  learningRate: ScalarOrSchedule;
}

/**
 * The state of `adam(...)` (and `nadam(...)`): its chain's, one entry per piece.
 * `state[0].mu` and `state[0].nu` are the moment estimates, `state[0].count` the steps taken.
 */
export type AdamOptimizerState = [adam: AdamState, learningRate: CountState];

/** Adam (Kingma & Ba 2015): `chain(scaleByAdam, scaleByLearningRate)`, as optax's `adam`. */
export const adam = publicTransform('adam', function adam(options: AdamOptions): Transform<AdamOptimizerState> {
  const { learningRate, ...rest } = checkOptions('adam', options, '{ learningRate: 1e-3 }');
  // One fused kernel per leaf where the backend has it (src/fused), else the chain's ops.
  const pieces = [scaleByAdam(rest), scaleByLearningRate(learningRate)] as const;
  return fuseChain(chain(...pieces), pieces);
});

export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay coefficient. Default 1e-4 (optax's). */
  weightDecay?: number;
  /** Which params decay (biases and norms are often left out). */
  mask?: LabelSpec<boolean>;
}

/**
 * The state of `adamw(...)` (and `nadamw(...)`): Adam's moments, the weight decay's (empty, or
 * `{ inner: {} }` with a mask) and the learning rate's step count.
 */
export type AdamWOptimizerState = [adam: AdamState, weightDecay: AddDecayedWeightsState, learningRate: CountState];

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay,
 * `chain(scaleByAdam, addDecayedWeights, scaleByLearningRate)`, as optax's `adamw`.
 */
export const adamw = publicTransform('adamw', function adamw(options: AdamWOptions): Transform<AdamWOptimizerState> {
  const { learningRate, weightDecay = 1e-4, mask, ...rest } = checkOptions('adamw', options, '{ learningRate: 1e-3 }');
  const pieces = [scaleByAdam(rest), addDecayedWeights({ weightDecay, mask }), scaleByLearningRate(learningRate)] as const;
  return fuseChain(chain(...pieces), pieces);
});
