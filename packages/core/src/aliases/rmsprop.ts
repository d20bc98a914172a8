import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { identity, type EmptyState } from '../transforms/identity';
import { scaleByRms, ScaleByRmsOptions, type RmsState } from '../transforms/scale-by-rms';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { trace, type TraceState } from '../transforms/trace';
import { checkNumber, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';
import { fuseChain } from '../fused/fuse-chain';
import { withFusion } from '../fused/spec';

export interface RmspropOptions extends ScaleByRmsOptions {
  learningRate: ScalarOrSchedule;
  /** Momentum applied after the learning rate, as in optax; none when omitted. */
  momentum?: number;
  nesterov?: boolean;
}

/**
 * The state of `rmsprop(...)`: `state[0].nu` (and `state[0].mu` when centered), the learning
 * rate's count, and the momentum's `{ trace }` (`{}` without momentum).
 */
export type RmspropOptimizerState = [rms: RmsState, learningRate: CountState, momentum: TraceState | EmptyState];

/** RMSProp (Tieleman & Hinton 2012), optionally centered and with momentum: optax's `rmsprop`. */
export const rmsprop = publicTransform('rmsprop', function rmsprop(options: RmspropOptions): Transform<RmspropOptimizerState> {
  const { learningRate, momentum, nesterov = false, ...rest } = checkOptions('rmsprop', options, '{ learningRate: 1e-3 }');
  if (momentum !== undefined) checkNumber('rmsprop', 'momentum', momentum, { min: 0, max: 1, maxExclusive: true });
  // One fused kernel per leaf where the backend has it (src/fused), else the chain's ops.
  const pieces: [Transform<RmsState>, Transform<CountState>, Transform<TraceState | EmptyState>] = [
    scaleByRms(rest),
    scaleByLearningRate(learningRate),
    momentum === undefined ? withFusion(identity(), { kind: 'identity' }) : trace({ decay: momentum, nesterov }),
  ];
  return fuseChain(chain(...pieces), pieces);
});
