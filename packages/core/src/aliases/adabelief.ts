import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkBeliefOptions, scaleByBelief, ScaleByBeliefOptions, type BeliefState } from '../transforms/scale-by-belief';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface AdabeliefOptions extends ScaleByBeliefOptions {
  learningRate: ScalarOrSchedule;
}

/** The state of `adabelief(...)`: `state[0].mu` and `state[0].nu` are the gradient and belief (squared surprise) averages, `state[1].count` the steps taken. */
export type AdabeliefOptimizerState = [belief: BeliefState, learningRate: CountState];

/**
 * AdaBelief (Zhuang et al. 2020, "AdaBelief Optimizer: Adapting Stepsizes by the Belief in
 * Observed Gradients"), as optax's `adabelief` (optax/_src/alias.py): `chain(scaleByBelief,
 * scaleByLearningRate)`, with optax's defaults (b1 0.9, b2 0.999, eps 1e-16, epsRoot 1e-16).
 */
export const adabelief = publicTransform('adabelief', function adabelief(options: AdabeliefOptions): Transform<AdabeliefOptimizerState> {
  const { learningRate, ...rest } = checkOptions('adabelief', options, '{ learningRate: 1e-3 }');
  const checked = checkBeliefOptions('adabelief', rest);
  checkScalarOrSchedule('adabelief', 'learningRate', learningRate);
  return chain(scaleByBelief(checked), scaleByLearningRate(learningRate));
});
