import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkRadamOptions, scaleByRadam, ScaleByRadamOptions, type RadamState } from '../transforms/scale-by-radam';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface RadamOptions extends ScaleByRadamOptions {
  /** A number or a schedule of the step count. */
  learningRate: ScalarOrSchedule;
}

/** The state of `radam(...)`: `state[0].mu` and `state[0].nu` are the moments, `state[1].count` the steps taken. */
export type RadamOptimizerState = [radam: RadamState, learningRate: CountState];

/**
 * Rectified Adam (Liu et al. 2020): `chain(scaleByRadam, scaleByLearningRate)`, as optax's
 * `radam` (optax/_src/alias.py). `torch.optim.RAdam` (torch/optim/radam.py) has the same
 * threshold (5) and defaults; it adds eps to the root of the uncorrected second moment, which
 * differs from Basin's and optax's by eps-sized amounts only.
 */
export const radam = publicTransform('radam', function radam(options: RadamOptions): Transform<RadamOptimizerState> {
  const { learningRate, ...rest } = checkOptions('radam', options, '{ learningRate: 1e-3 }');
  checkScalarOrSchedule('radam', 'learningRate', learningRate);
  return chain(scaleByRadam(checkRadamOptions('radam', rest)), scaleByLearningRate(learningRate));
});
