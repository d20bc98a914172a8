import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkRadamOptions, scaleByRadam, ScaleByRadamOptions } from '../transforms/scale-by-radam';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface RadamOptions extends ScaleByRadamOptions {
  /** A number or a schedule of the step count. */
  learningRate: ScalarOrSchedule;
}

/**
 * Rectified Adam (Liu et al. 2020): `chain(scaleByRadam, scaleByLearningRate)`, as optax's
 * `radam` (optax/_src/alias.py). `torch.optim.RAdam` (torch/optim/radam.py) has the same
 * threshold (5) and defaults; it adds eps to the root of the uncorrected second moment, which
 * differs from Basin's and optax's by eps-sized amounts only.
 */
export const radam = publicTransform('radam', function radam(options: RadamOptions): Transform<unknown[]> {
  const { learningRate, ...rest } = checkOptions('radam', options, '{ learningRate: 1e-3 }');
  checkScalarOrSchedule('radam', 'learningRate', learningRate);
  return chain(scaleByRadam(checkRadamOptions('radam', rest)), scaleByLearningRate(learningRate));
});
