import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkSm3Options, scaleBySm3, type Sm3State } from '../transforms/scale-by-sm3';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface Sm3Options {
  learningRate: ScalarOrSchedule;
  /** Momentum on the rescaled updates, in [0, 1). Default 0.9 (optax's). */
  momentum?: number;
}

/** The state of `sm3(...)`: `state[0].mu` holds the per-axis accumulators, `state[0].nu` the momentum, `state[1].count` the steps taken. */
export type Sm3OptimizerState = [sm3: Sm3State, learningRate: CountState];

/**
 * SM3 (Anil, Gupta, Koren & Singer 2019, "Memory-Efficient Adaptive Optimization"): an
 * Adagrad-like method whose accumulator for a `[m, n]` matrix is `m + n` numbers, as optax's
 * `sm3` (optax/_src/alias.py): `chain(scaleBySm3({ b1: momentum }), scaleByLearningRate)`.
 */
export const sm3 = publicTransform('sm3', function sm3(options: Sm3Options): Transform<Sm3OptimizerState> {
  const { learningRate, momentum = 0.9 } = checkOptions('sm3', options, '{ learningRate: 1 }');
  const { b1 } = checkSm3Options('sm3', { b1: momentum }, 'momentum');
  checkScalarOrSchedule('sm3', 'learningRate', learningRate);
  return chain(scaleBySm3({ b1 }), scaleByLearningRate(learningRate));
});
