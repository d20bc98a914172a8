import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkAmsgradOptions, scaleByAmsgrad, ScaleByAmsgradOptions, type AmsgradState } from '../transforms/scale-by-amsgrad';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface AmsgradOptions extends ScaleByAmsgradOptions {
  learningRate: ScalarOrSchedule;
}

/** The state of `amsgrad(...)`: `state[0].mu` and `state[0].nu` are the moments, `state[0].nuMax` the running maximum of the second one, `state[1].count` the steps taken. */
export type AmsgradOptimizerState = [amsgrad: AmsgradState, learningRate: CountState];

/**
 * AMSGrad (Reddi et al. 2018, "On the Convergence of Adam and Beyond"), as optax's `amsgrad`
 * (optax/_src/alias.py): `chain(scaleByAmsgrad, scaleByLearningRate)`, with optax's defaults
 * (b1 0.9, b2 0.999, eps 1e-8, epsRoot 0, both bias corrections on).
 */
export const amsgrad = publicTransform('amsgrad', function amsgrad(options: AmsgradOptions): Transform<AmsgradOptimizerState> {
  const { learningRate, ...rest } = checkOptions('amsgrad', options, '{ learningRate: 1e-3 }');
  const checked = checkAmsgradOptions('amsgrad', rest);
  checkScalarOrSchedule('amsgrad', 'learningRate', learningRate);
  return chain(scaleByAmsgrad(checked), scaleByLearningRate(learningRate));
});
