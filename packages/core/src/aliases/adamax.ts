import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { addDecayedWeights, type AddDecayedWeightsState } from '../transforms/add-decayed-weights';
import { checkAdamaxOptions, scaleByAdamax, ScaleByAdamaxOptions, type AdamaxState } from '../transforms/scale-by-adamax';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import type { LabelSpec } from '../combinators/leaf-labels';
import { checkNumber, checkScalarOrSchedule, resolveHyper, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface AdamaxOptions extends ScaleByAdamaxOptions {
  /** A number or a schedule of the step count. */
  learningRate: ScalarOrSchedule;
  /**
   * `tf.train.adamax`'s inverse-time decay: step t (counting from 0) uses
   * `learningRate(t) / (1 + decay * t)`, >= 0. Default 0 (none, as optax and torch).
   */
  decay?: number;
}

/** The learning rate with tf.train.adamax's inverse-time decay folded in. */
function decayed(owner: string, learningRate: ScalarOrSchedule, decay: number): ScalarOrSchedule {
  checkScalarOrSchedule(owner, 'learningRate', learningRate);
  checkNumber(owner, 'decay', decay, { min: 0 });
  if (decay === 0) return learningRate;
  return (t: number) => resolveHyper(owner, 'learningRate', learningRate, t) / (1 + decay * t);
}

/** The state of `adamax(...)`: `state[0].mu` and `state[0].nu` (the infinity norm), `state[1].count` the steps taken. */
export type AdamaxOptimizerState = [adamax: AdamaxState, learningRate: CountState];

/**
 * Adamax (Kingma & Ba 2015, Algorithm 2): `chain(scaleByAdamax, scaleByLearningRate)`, as optax's
 * `adamax` (optax/_src/alias.py) and `torch.optim.Adamax` (torch/optim/adamax.py).
 * `tf.train.adamax(lr, beta1, beta2, epsilon, decay)`
 * (tfjs-core/src/optimizers/adamax_optimizer.ts) is
 * `{ learningRate: lr, b1: beta1, b2: beta2, eps: epsilon, decay, epsInMax: false }` (its
 * defaults: 0.002, 0.9, 0.999, the backend epsilon (1e-7 on float32 backends) and 0).
 */
export const adamax = publicTransform('adamax', function adamax(options: AdamaxOptions): Transform<AdamaxOptimizerState> {
  const { learningRate, decay = 0, ...rest } = checkOptions('adamax', options, '{ learningRate: 0.002 }');
  const lr = decayed('adamax', learningRate, decay);
  return chain(scaleByAdamax(checkAdamaxOptions('adamax', rest)), scaleByLearningRate(lr));
});

export interface AdamaxWOptions extends AdamaxOptions {
  /** Decoupled weight decay coefficient, >= 0. Default 1e-4 (optax's). */
  weightDecay?: number;
  /** Which params decay (biases and norms are often left out). */
  mask?: LabelSpec<boolean>;
}

/** The state of `adamaxw(...)`: Adamax's, with the weight decay's (`{}`, or `{ inner: {} }` with a mask) in between. */
export type AdamaxWOptimizerState = [adamax: AdamaxState, weightDecay: AddDecayedWeightsState, learningRate: CountState];

/**
 * AdamaxW: Adamax with decoupled weight decay (Loshchilov & Hutter 2019),
 * `chain(scaleByAdamax, addDecayedWeights, scaleByLearningRate)`, as optax's `adamaxw`
 * (optax/_src/alias.py).
 */
export const adamaxw = publicTransform('adamaxw', function adamaxw(options: AdamaxWOptions): Transform<AdamaxWOptimizerState> {
  const { learningRate, decay = 0, weightDecay = 1e-4, mask, ...rest } = checkOptions('adamaxw', options, '{ learningRate: 0.002 }');
  const lr = decayed('adamaxw', learningRate, decay);
  checkNumber('adamaxw', 'weightDecay', weightDecay, { min: 0 });
  return chain(scaleByAdamax(checkAdamaxOptions('adamaxw', rest)), addDecayedWeights({ weightDecay, mask }), scaleByLearningRate(lr));
});
