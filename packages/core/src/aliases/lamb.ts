import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import type { LabelSpec } from '../combinators/leaf-labels';
import { checkAdamOptions, scaleByAdam, type AdamState } from '../transforms/scale-by-adam';
import { addDecayedWeights, type AddDecayedWeightsState } from '../transforms/add-decayed-weights';
import { scaleByTrustRatio } from '../transforms/scale-by-trust-ratio';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkNumber, checkScalarOrSchedule, ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';
import type { EmptyState } from '../transforms/identity';

export interface LambOptions {
  learningRate: ScalarOrSchedule;
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  b1?: number;
  /** Decay of the second moment, in [0, 1). Default 0.999. */
  b2?: number;
  /** Added to the root of the second moment. Default 1e-6 (optax's LAMB default). */
  eps?: number;
  /** Added inside the root of the second moment. Default 0. */
  epsRoot?: number;
  /** Decoupled weight decay added before the trust ratio, >= 0. Default 0. */
  weightDecay?: number;
  /** Which params decay: a boolean tree shaped like the params or a function of them. */
  mask?: LabelSpec<boolean>;
}

/**
 * The state of `lamb(...)`: `state[0]` is Adam's `{ count, mu, nu }`, then the weight decay's
 * (`{}`, or `{ inner: {} }` with a mask), the trust ratio's (`{}`) and the learning rate's count.
 */
export type LambOptimizerState = [adam: AdamState, weightDecay: AddDecayedWeightsState, trustRatio: EmptyState, learningRate: CountState];

/**
 * LAMB (You et al. 2020, "Large Batch Optimization for Deep Learning: Training BERT in 76
 * minutes"), as optax's `lamb` (optax/_src/alias.py): `chain(scaleByAdam, addDecayedWeights,
 * scaleByTrustRatio, scaleByLearningRate)`: each leaf's Adam step (plus weight decay) is rescaled
 * by `||p|| / ||step||` before the learning rate.
 */
export const lamb = publicTransform('lamb', function lamb(options: LambOptions): Transform<LambOptimizerState> {
  const { learningRate, b1, b2, eps = 1e-6, epsRoot, weightDecay = 0, mask } = checkOptions('lamb', options, '{ learningRate: 1e-3 }');
  const adamOptions = checkAdamOptions('lamb', { b1, b2, eps, epsRoot });
  checkNumber('lamb', 'weightDecay', weightDecay, { min: 0 });
  checkScalarOrSchedule('lamb', 'learningRate', learningRate);
  return chain(
    scaleByAdam({ b1: adamOptions.b1, b2: adamOptions.b2, eps: adamOptions.eps, epsRoot: adamOptions.epsRoot }),
    addDecayedWeights({ weightDecay, mask }),
    scaleByTrustRatio(),
    scaleByLearningRate(learningRate),
  );
});
