import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkSm3Options, scaleBySm3 } from '../transforms/scale-by-sm3';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface Sm3Options {
  learningRate: ScalarOrSchedule;
  /** Momentum on the rescaled updates, in [0, 1). Default 0.9 (optax's). */
  momentum?: number;
}

/**
 * SM3 (Anil, Gupta, Koren & Singer 2019, "Memory-Efficient Adaptive Optimization"): an
 * Adagrad-like method whose accumulator for a `[m, n]` matrix is `m + n` numbers, as optax's
 * `sm3` (optax/_src/alias.py): `chain(scaleBySm3({ b1: momentum }), scaleByLearningRate)`.
 */
export const sm3 = publicTransform('sm3', function sm3(options: Sm3Options): Transform<unknown[]> {
  const { learningRate, momentum = 0.9 } = checkOptions('sm3', options, '{ learningRate: 1 }');
  const { b1 } = checkSm3Options('sm3', { b1: momentum }, 'momentum');
  checkScalarOrSchedule('sm3', 'learningRate', learningRate);
  return chain(scaleBySm3({ b1 }), scaleByLearningRate(learningRate));
});
