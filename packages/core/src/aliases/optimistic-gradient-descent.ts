import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkOptimisticOptions, scaleByOptimisticGradient, ScaleByOptimisticGradientOptions, type OptimisticGradientState } from '../transforms/scale-by-optimistic-gradient';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface OptimisticGradientDescentOptions extends ScaleByOptimisticGradientOptions {
  learningRate: ScalarOrSchedule;
}

/** The state of `optimisticGradientDescent(...)`: `state[0].previousGradient` is the last step's gradient, `state[1].count` the steps taken. */
export type OptimisticGradientDescentOptimizerState = [optimistic: OptimisticGradientState, learningRate: CountState];

/**
 * Optimistic gradient descent (Mokhtari, Ozdaglar & Pattathil 2020, "A Unified Analysis of
 * Extra-gradient and Optimistic Gradient Methods for Saddle Point Problems: Proximal Point
 * Approach"): `u_t = -lr ((alpha + beta) g_t - beta g_{t-1})`, which converges in min-max games
 * where gradient descent cycles; as optax's `optimistic_gradient_descent` (optax/_src/alias.py):
 * `chain(scaleByOptimisticGradient, scaleByLearningRate)`, alpha and beta 1 by default.
 */
export const optimisticGradientDescent = publicTransform('optimisticGradientDescent', function optimisticGradientDescent(
  options: OptimisticGradientDescentOptions,
): Transform<OptimisticGradientDescentOptimizerState> {
  const owner = 'optimisticGradientDescent';
  const { learningRate, ...rest } = checkOptions(owner, options, '{ learningRate: 0.01, alpha: 1, beta: 1 }');
  const coefficients = checkOptimisticOptions(owner, rest);
  checkScalarOrSchedule(owner, 'learningRate', learningRate);
  return chain(scaleByOptimisticGradient(coefficients), scaleByLearningRate(learningRate));
});
