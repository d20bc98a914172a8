import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { identity } from '../transforms/identity';
import { addDecayedWeights, type AddDecayedWeightsState } from '../transforms/add-decayed-weights';
import { checkAdadeltaOptions, scaleByAdadelta, ScaleByAdadeltaOptions, type AdadeltaState } from '../transforms/scale-by-adadelta';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import type { LabelSpec } from '../combinators/leaf-labels';
import { checkNumber, checkScalarOrSchedule, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface AdadeltaOptions extends ScaleByAdadeltaOptions {
  /**
   * A number or a schedule of the step count. Default 1: Zeiler's Adadelta has no learning rate,
   * and torch's default is 1.0 (optax's default `None` skips the scaling, sign flip included, so
   * give optax's learning rate explicitly); `tf.train.adadelta` defaults to 0.001.
   */
  learningRate?: ScalarOrSchedule;
  /**
   * Adds `weightDecay * params` to the gradient before the rescaling (coupled L2 decay, as
   * optax's `adadelta` and torch's `weight_decay`), >= 0. Default 0.
   */
  weightDecay?: number;
  /** Which params decay, as optax's `weight_decay_mask`. */
  weightDecayMask?: LabelSpec<boolean>;
}

/**
 * The state of `adadelta(...)`: the coupled weight decay's (`{}` when there is none, as with
 * weightDecay 0), `state[1].eG` and `state[1].eX` (the squared-gradient and squared-update
 * averages), and `state[2].count`, the steps taken.
 */
export type AdadeltaOptimizerState = [weightDecay: AddDecayedWeightsState, adadelta: AdadeltaState, learningRate: CountState];

/**
 * Adadelta (Zeiler 2012): `chain(addDecayedWeights, scaleByAdadelta, scaleByLearningRate)`, as
 * optax's `adadelta` (optax/_src/alias.py) and `torch.optim.Adadelta` (torch/optim/adadelta.py).
 * `tf.train.adadelta(lr, rho, eps)` (tfjs-core/src/optimizers/adadelta_optimizer.ts) is
 * `{ learningRate: lr, rho, eps, staleGradAverage: true }` (its defaults: 0.001, 0.95 and the
 * backend epsilon, 1e-7 on float32 backends).
 */
export const adadelta = publicTransform('adadelta', function adadelta(options: AdadeltaOptions = {}): Transform<AdadeltaOptimizerState> {
  const { learningRate = 1, weightDecay = 0, weightDecayMask, ...rest } = checkOptions('adadelta', options, '{ learningRate: 1, rho: 0.9 }', true);
  checkScalarOrSchedule('adadelta', 'learningRate', learningRate);
  checkNumber('adadelta', 'weightDecay', weightDecay, { min: 0 });
  const decay = weightDecay === 0 && weightDecayMask === undefined ? identity() : addDecayedWeights({ weightDecay, mask: weightDecayMask });
  return chain(decay, scaleByAdadelta(checkAdadeltaOptions('adadelta', rest)), scaleByLearningRate(learningRate));
});
