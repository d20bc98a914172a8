import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import type { LabelSpec } from '../combinators/leaf-labels';
import { checkBoolean, checkNumber, checkScalarOrSchedule, type ScalarOrSchedule } from '../validate';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { clipByBlockRms } from '../transforms/clip-by-block-rms';
import { scale } from '../transforms/scale';
import { checkFactoredRmsOptions, scaleByFactoredRms } from '../transforms/scale-by-factored-rms';
import { scaleByParamBlockRms } from '../transforms/scale-by-param-block-rms';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { checkOptions } from '../transforms/state-checks';
import { ema, type EmaState } from '../wrappers/ema';
import { publicTransform } from '../entry/public-transform';

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
export const adafactor = publicTransform('adafactor', function adafactor(options: AdafactorOptions = {}): Transform<unknown[]> {
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
  const pieces: Transform<any>[] = [scaleByFactoredRms(rms, 'decayOffset')];
  if (clippingThreshold !== null) pieces.push(clipByBlockRms(clippingThreshold));
  if (learningRate !== null) pieces.push(scaleByLearningRate(learningRate, { flipSign: false }));
  if (multiplyByParameterScale) pieces.push(scaleByParamBlockRms({ minScale: 1e-3 }));
  if (momentum !== null) pieces.push(ema({ decay: momentum, debias: false }));
  if (weightDecayRate !== null) pieces.push(addDecayedWeights({ weightDecay: weightDecayRate, mask: o.weightDecayMask }));
  pieces.push(scale(-1));
  return chain(...pieces);
});
