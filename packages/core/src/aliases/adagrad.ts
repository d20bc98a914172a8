import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkRssOptions, scaleByRss, ScaleByRssOptions, type RssState } from '../transforms/scale-by-rss';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface AdagradOptions extends ScaleByRssOptions {
  /** A number or a schedule of the step count. */
  learningRate: ScalarOrSchedule;
}

/** The state of `adagrad(...)`: `state[0].sumOfSquares` holds the accumulated squared gradients, `state[1].count` the steps taken. */
export type AdagradOptimizerState = [rss: RssState, learningRate: CountState];

/**
 * Adagrad (Duchi, Hazan & Singer 2011): `chain(scaleByRss, scaleByLearningRate)`, as optax's
 * `adagrad` (optax/_src/alias.py). The defaults (initialAccumulatorValue 0.1, eps 1e-7 inside
 * the root) reproduce both optax and `tf.train.adagrad(learningRate)` on float32 backends
 * (tfjs-core/src/optimizers/adagrad_optimizer.ts). `torch.optim.Adagrad` (torch/optim/adagrad.py)
 * is `{ initialAccumulatorValue: 0, eps: 1e-10, epsInSqrt: false }`; its `lr_decay` is the
 * schedule `(t) => lr / (1 + lrDecay * t)`.
 */
export const adagrad = publicTransform('adagrad', function adagrad(options: AdagradOptions): Transform<AdagradOptimizerState> {
  const { learningRate, ...rest } = checkOptions('adagrad', options, '{ learningRate: 0.01 }');
  checkScalarOrSchedule('adagrad', 'learningRate', learningRate);
  return chain(scaleByRss(checkRssOptions('adagrad', rest)), scaleByLearningRate(learningRate));
});
