// Parity cases for @basin/core's aliases: fixture hyperparameters use optax's names.
import * as basin from '@basin/core';
import type { CaseHandler } from '../fixture-types';
import { replayTrajectory } from '../trajectory';

const num = (h: Record<string, unknown>, key: string): number | undefined => (h[key] === undefined ? undefined : Number(h[key]));

export const coreCases: Record<string, CaseHandler> = {
  sgd: (c) => replayTrajectory(c, basin.sgd({ learningRate: num(c.hyper!, 'learning_rate')! }), 1e-4),
  momentum_nesterov: (c) =>
    replayTrajectory(
      c,
      basin.sgd({ learningRate: num(c.hyper!, 'learning_rate')!, momentum: num(c.hyper!, 'momentum'), nesterov: Boolean(c.hyper!.nesterov) }),
      1e-4,
    ),
  adam: (c) =>
    replayTrajectory(
      c,
      basin.adam({ learningRate: num(c.hyper!, 'learning_rate')!, b1: num(c.hyper!, 'b1'), b2: num(c.hyper!, 'b2'), eps: num(c.hyper!, 'eps') }),
      1e-4,
    ),
  adamw: (c) =>
    replayTrajectory(
      c,
      basin.adamw({
        learningRate: num(c.hyper!, 'learning_rate')!,
        b1: num(c.hyper!, 'b1'),
        b2: num(c.hyper!, 'b2'),
        eps: num(c.hyper!, 'eps'),
        weightDecay: num(c.hyper!, 'weight_decay'),
      }),
      1e-4,
    ),
  clip_then_adam: (c) =>
    replayTrajectory(c, basin.chain(basin.clipByGlobalNorm(num(c.hyper!, 'max_norm')!), basin.adam({ learningRate: num(c.hyper!, 'learning_rate')! })), 1e-4),
  rmsprop: (c) =>
    replayTrajectory(c, basin.rmsprop({ learningRate: num(c.hyper!, 'learning_rate')!, decay: num(c.hyper!, 'decay'), eps: num(c.hyper!, 'eps') }), 1e-4),
};
