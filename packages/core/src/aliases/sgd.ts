import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { identity, type EmptyState } from '../transforms/identity';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { trace, type TraceState } from '../transforms/trace';
import { checkNumber, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';
import { fuseChain } from '../fused/fuse-chain';
import { withFusion } from '../fused/spec';

export interface SgdOptions {
  learningRate: ScalarOrSchedule;
  /** Heavy-ball momentum coefficient; none when omitted. */
  momentum?: number;
  /** Nesterov momentum (needs `momentum`). */
  nesterov?: boolean;
}

/** The state of `sgd(...)`: the momentum's `{ trace }` (`{}` without momentum), then `state[1].count`, the steps taken. */
export type SgdOptimizerState = [momentum: TraceState | EmptyState, learningRate: CountState];

/** Stochastic gradient descent, with optional (Nesterov) momentum: optax's `sgd`. */
export const sgd = publicTransform('sgd', function sgd(options: SgdOptions): Transform<SgdOptimizerState> {
  const { learningRate, momentum, nesterov = false } = checkOptions('sgd', options, '{ learningRate: 0.1 }');
  if (momentum !== undefined) checkNumber('sgd', 'momentum', momentum, { min: 0, max: 1, maxExclusive: true });
  // One fused kernel per leaf where the backend has it (src/fused), else the chain's ops.
  const pieces: [Transform<TraceState | EmptyState>, Transform<CountState>] = [
    momentum === undefined ? withFusion(identity(), { kind: 'identity' }) : trace({ decay: momentum, nesterov }),
    scaleByLearningRate(learningRate),
  ];
  return fuseChain(chain(...pieces), pieces);
});
