import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { identity } from '../transforms/identity';
import { scaleByRms, ScaleByRmsOptions } from '../transforms/scale-by-rms';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { trace } from '../transforms/trace';
import { checkNumber, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';

export interface RmspropOptions extends ScaleByRmsOptions {
  learningRate: ScalarOrSchedule;
  /** Momentum applied after the learning rate, as in optax; none when omitted. */
  momentum?: number;
  nesterov?: boolean;
}

/** RMSProp (Tieleman & Hinton 2012), optionally centered and with momentum: optax's `rmsprop`. */
export const rmsprop = publicTransform('rmsprop', function rmsprop({ learningRate, momentum, nesterov = false, ...rest }: RmspropOptions): Transform<unknown[]> {
  if (momentum !== undefined) checkNumber('rmsprop', 'momentum', momentum, { min: 0, max: 1, maxExclusive: true });
  return chain(
    scaleByRms(rest),
    scaleByLearningRate(learningRate),
    momentum === undefined ? identity() : trace({ decay: momentum, nesterov }),
  );
});
