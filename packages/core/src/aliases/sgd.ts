import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { identity } from '../transforms/identity';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { trace } from '../transforms/trace';
import type { ScalarOrSchedule } from '../validate';

export interface SgdOptions {
  learningRate: ScalarOrSchedule;
  /** Heavy-ball momentum coefficient; none when omitted. */
  momentum?: number;
  /** Nesterov momentum (needs `momentum`). */
  nesterov?: boolean;
}

/** Stochastic gradient descent, with optional (Nesterov) momentum: optax's `sgd`. */
export function sgd({ learningRate, momentum, nesterov = false }: SgdOptions): Transform<unknown[]> {
  return chain(momentum === undefined ? identity() : trace({ decay: momentum, nesterov }), scaleByLearningRate(learningRate));
}
