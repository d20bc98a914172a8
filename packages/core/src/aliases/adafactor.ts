import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import type { LabelSpec } from '../combinators/leaf-labels';
import { checkBoolean, checkNumber, checkScalarOrSchedule, type ScalarOrSchedule } from '../validate';
import { addDecayedWeights, type AddDecayedWeightsState } from '../transforms/add-decayed-weights';
import { clipByBlockRms } from '../transforms/clip-by-block-rms';
import { scale } from '../transforms/scale';
import { checkFactoredRmsOptions, scaleByFactoredRms, type FactoredRmsState } from '../transforms/scale-by-factored-rms';
import { scaleByParamBlockRms } from '../transforms/scale-by-param-block-rms';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkOptions } from '../transforms/state-checks';
import { ema, type EmaState } from '../wrappers/ema';
import { publicTransform } from '../entry/public-transform';
import type { EmptyState } from '../transforms/identity';

export interface AdafactorOptions {
  /** A number or a schedule of the step count; none (the relative step alone) when omitted, as optax. */
  learningRate?: ScalarOrSchedule | null;
  /** Factor a leaf's second moment when its two largest dimensions are both at least this. Default 128. */
  minDimSizeToFactor?: number;
  /** Exponent of the second-moment decay `1 - t^(-decayRate)`. Default 0.8. */
  decayRate?: number;
  /** Step the decay schedule starts from (fine-tuning from a restored state). Default 0. */
  decayOffset?: number;
  /** Scale each leaf's step by the root mean square of its params (at least 1e-3). Default true. */
  multiplyByParameterScale?: boolean;
  /** Clip each leaf's update to this root mean square, > 0; `null` turns clipping off. Default 1. */
  clippingThreshold?: number | null;
  /** Momentum (an exponential average of the updates, not debiased), in [0, 1); none when omitted. */
  momentum?: number | null;
  /** Decoupled weight decay rate, >= 0 (not scaled by the learning rate, as in optax); none when omitted. */
  weightDecayRate?: number | null;
  /** Which params decay. */
  weightDecayMask?: LabelSpec<boolean>;
  /** Added to the squared gradient. Default 1e-30. */
  eps?: number;
  /** Factored second moments; false keeps a full one per leaf. Default true. */
  factored?: boolean;
}

/** The momentum state of `adafactor({ momentum })`: the `ema` wrapper's (optax's `EmaState`). */
export type AdafactorMomentumState = EmaState;

/** The state of one of adafactor's optional pieces (see `AdafactorOptimizerState`). */
export type AdafactorOptionalState = EmptyState | CountState | AdafactorMomentumState | AddDecayedWeightsState;

/**
 * The state of `adafactor(...)`: `state[0]` is the factored second moment (`vRow`, `vCol`, `v`
 * and `count`) and the last entry the sign flip's `{}`. In between, in this order, one entry per
 * piece the options enable: clipping (`{}`), the learning rate (`{ count }`), the parameter
 * scale (`{}`), momentum (`{ count, ema }`) and weight decay (`{}`, or `{ inner: {} }` with a
 * mask). With the defaults that is `[rms, clip, paramScale, flipSign]`.
 */
export type AdafactorOptimizerState = [factoredRms: FactoredRmsState, ...optional: AdafactorOptionalState[], flipSign: EmptyState];

/**
 * Adafactor (Shazeer & Stern 2018, "Adafactor: Adaptive Learning Rates with Sublinear Memory
 * Cost"), as optax's `adafactor` (optax/_src/alias.py, optax/_src/factorized.py): the
 * factored second-moment rescaling `scaleByFactoredRms` (a `[256, 512]` matrix keeps 256 + 512
 * numbers instead of Adam's 2 x 256 x 512), then, each when enabled, clipping of each leaf's
 * update to root mean square `clippingThreshold` (`clipByBlockRms`), the learning rate, the
 * relative step (`scaleByParamBlockRms`: times the root mean square of each leaf's params, at
 * least 1e-3), momentum (`ema` without debiasing), decoupled weight decay (`addDecayedWeights`),
 * and the sign flip of descent. Its options are checked first, under the name `adafactor`.
 */
export const adafactor = publicTransform('adafactor', function adafactor(options: AdafactorOptions = {}): Transform<AdafactorOptimizerState> {
  const owner = 'adafactor';
  const o = checkOptions(owner, options, '{ learningRate: 1e-2 }', true);
  const rms = checkFactoredRmsOptions(
    owner,
    { factored: o.factored, decayRate: o.decayRate, stepOffset: o.decayOffset, minDimSizeToFactor: o.minDimSizeToFactor, eps: o.eps },
    'decayOffset',
  );
  const multiplyByParameterScale = checkBoolean(owner, 'multiplyByParameterScale', o.multiplyByParameterScale ?? true);
  const clippingThreshold = o.clippingThreshold === undefined ? 1 : o.clippingThreshold;
  if (clippingThreshold !== null) checkNumber(owner, 'clippingThreshold', clippingThreshold, { min: 0, minExclusive: true });
  const learningRate = o.learningRate ?? null;
  if (learningRate !== null) checkScalarOrSchedule(owner, 'learningRate', learningRate);
  const momentum = o.momentum ?? null;
  if (momentum !== null) checkNumber(owner, 'momentum', momentum, { min: 0, max: 1, maxExclusive: true });
  const weightDecayRate = o.weightDecayRate ?? null;
  if (weightDecayRate !== null) checkNumber(owner, 'weightDecayRate', weightDecayRate, { min: 0 });
  const optional: Transform<AdafactorOptionalState>[] = [];
  if (clippingThreshold !== null) optional.push(clipByBlockRms(clippingThreshold));
  if (learningRate !== null) optional.push(scaleByLearningRate(learningRate, { flipSign: false }));
  if (multiplyByParameterScale) optional.push(scaleByParamBlockRms({ minScale: 1e-3 }));
  if (momentum !== null) optional.push(ema({ decay: momentum, debias: false }));
  if (weightDecayRate !== null) optional.push(addDecayedWeights({ weightDecay: weightDecayRate, mask: o.weightDecayMask }));
  return chain(scaleByFactoredRms(rms, 'decayOffset'), ...optional, scale(-1));
});
