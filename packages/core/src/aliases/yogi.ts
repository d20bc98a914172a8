import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkYogiOptions, scaleByYogi, ScaleByYogiOptions, type YogiState } from '../transforms/scale-by-yogi';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

/** Yogi's options, as optax's `yogi` alias takes them (scaleByYogi has epsRoot and the initial value too). */
export interface YogiOptions extends Pick<ScaleByYogiOptions, 'b1' | 'b2' | 'eps'> {
  learningRate: ScalarOrSchedule;
}

/** The state of `yogi(...)`: `state[0].mu` and `state[0].nu` are the moments, `state[1].count` the steps taken. */
export type YogiOptimizerState = [yogi: YogiState, learningRate: CountState];

/**
 * Yogi (Zaheer et al. 2018, "Adaptive Methods for Nonconvex Optimization"), as optax's `yogi`
 * (optax/_src/alias.py): `chain(scaleByYogi, scaleByLearningRate)`, with optax's defaults
 * (b1 0.9, b2 0.999, eps 1e-3; moments start at 1e-6).
 */
export const yogi = publicTransform('yogi', function yogi(options: YogiOptions): Transform<YogiOptimizerState> {
  const { learningRate, b1, b2, eps } = checkOptions('yogi', options, '{ learningRate: 1e-2 }');
  const checked = checkYogiOptions('yogi', { b1, b2, eps });
  checkScalarOrSchedule('yogi', 'learningRate', learningRate);
  return chain(scaleByYogi({ b1: checked.b1, b2: checked.b2, eps: checked.eps }), scaleByLearningRate(learningRate));
});
