import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { scaleByAdam, ScaleByAdamOptions } from '../transforms/scale-by-adam';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import type { LabelSpec } from '../combinators/leaf-labels';
import type { ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';
import { fuseChain } from '../fused/fuse-chain';

export interface AdamOptions extends ScaleByAdamOptions {
  learningRate: ScalarOrSchedule;
}

/** Adam (Kingma & Ba 2015): `chain(scaleByAdam, scaleByLearningRate)`, as optax's `adam`. */
export const adam = publicTransform('adam', function adam(options: AdamOptions): Transform<unknown[]> {
  const { learningRate, ...rest } = checkOptions('adam', options, '{ learningRate: 1e-3 }');
  // One fused kernel per leaf where the backend has it (src/fused), else the chain's ops.
  const pieces = [scaleByAdam(rest), scaleByLearningRate(learningRate)];
  return fuseChain(chain(...pieces), pieces);
});

export interface AdamWOptions extends AdamOptions {
  /** Decoupled weight decay coefficient. Default 1e-4 (optax's). */
  weightDecay?: number;
  /** Which params decay (biases and norms are often left out). */
  mask?: LabelSpec<boolean>;
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay,
 * `chain(scaleByAdam, addDecayedWeights, scaleByLearningRate)`, as optax's `adamw`.
 */
export const adamw = publicTransform('adamw', function adamw(options: AdamWOptions): Transform<unknown[]> {
  const { learningRate, weightDecay = 1e-4, mask, ...rest } = checkOptions('adamw', options, '{ learningRate: 1e-3 }');
  const pieces = [scaleByAdam(rest), addDecayedWeights({ weightDecay, mask }), scaleByLearningRate(learningRate)];
  return fuseChain(chain(...pieces), pieces);
});
