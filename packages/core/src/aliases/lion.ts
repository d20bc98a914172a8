import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import type { LabelSpec } from '../combinators/leaf-labels';
import { addDecayedWeights, type AddDecayedWeightsState } from '../transforms/add-decayed-weights';
import { checkLionOptions, scaleByLion, ScaleByLionOptions, type LionState } from '../transforms/scale-by-lion';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkNumber, checkScalarOrSchedule, ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';
import { fuseChain } from '../fused/fuse-chain';

export interface LionOptions extends ScaleByLionOptions {
  learningRate: ScalarOrSchedule;
  /** Decoupled weight decay, >= 0. Default 1e-3 (optax's). */
  weightDecay?: number;
  mask?: LabelSpec<boolean>;
}

/**
 * The state of `lion(...)`: `state[0].mu` is Lion's momentum, then the weight decay's (`{}`, or
 * `{ inner: {} }` with a mask) and `state[2].count`, the steps taken.
 */
export type LionOptimizerState = [lion: LionState, weightDecay: AddDecayedWeightsState, learningRate: CountState];

/**
 * Lion (Chen et al. 2023): sign updates with decoupled weight decay, as optax's `lion`:
 * `chain(scaleByLion, addDecayedWeights, scaleByLearningRate)`. Its options are checked first,
 * under the name `lion`, so an error names the function the user called.
 */
export const lion = publicTransform('lion', function lion(options: LionOptions): Transform<LionOptimizerState> {
  const { learningRate, weightDecay = 1e-3, mask, ...rest } = checkOptions('lion', options, '{ learningRate: 1e-4 }');
  const betas = checkLionOptions('lion', rest);
  checkNumber('lion', 'weightDecay', weightDecay, { min: 0 });
  checkScalarOrSchedule('lion', 'learningRate', learningRate);
  // One fused kernel per leaf where the backend has it (src/fused), else the chain's ops.
  const pieces = [scaleByLion(betas), addDecayedWeights({ weightDecay, mask }), scaleByLearningRate(learningRate)] as const;
  return fuseChain(chain(...pieces), pieces);
});
