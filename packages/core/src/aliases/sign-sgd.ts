import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { scaleBySign } from '../transforms/scale-by-sign';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';
import type { EmptyState } from '../transforms/identity';

export interface SignSgdOptions {
  learningRate: ScalarOrSchedule;
}

/** The state of `signSgd(...)`: the sign keeps nothing (`{}`); `state[1].count` is the steps taken. */
export type SignSgdOptimizerState = [sign: EmptyState, learningRate: CountState];

/**
 * signSGD (Bernstein et al. 2018, "signSGD: Compressed Optimisation for Non-Convex Problems";
 * Balles et al. 2020): `u = -lr sign(g)`, as optax's `sign_sgd` (optax/_src/alias.py):
 * `chain(scaleBySign, scaleByLearningRate)`.
 */
export const signSgd = publicTransform('signSgd', function signSgd(options: SignSgdOptions): Transform<SignSgdOptimizerState> {
  const { learningRate } = checkOptions('signSgd', options, '{ learningRate: 0.01 }');
  checkScalarOrSchedule('signSgd', 'learningRate', learningRate);
  return chain(scaleBySign(), scaleByLearningRate(learningRate));
});
