// Parity cases for @basin/sam: optax.contrib.sam in opaque mode with chain(normalize(), sgd(rho))
// as the ascent step, i.e. w+ = base(grad L(w + rho g / ||g||_2)).
import * as basin from '@basin/core';
import { sam } from '@basin/sam';
import type { CaseHandler, FixtureCase } from '../fixture-types';
import { replayTrajectory } from '../trajectory';

const num = (c: FixtureCase, key: string): number => {
  const v = c.hyper?.[key];
  if (v === undefined) throw new Error(`case ${c.name}: hyper.${key} is missing`);
  return Number(v);
};

export const cases: Record<string, CaseHandler> = {
  sam_sgd: (c) => replayTrajectory(c, sam(basin.sgd({ learningRate: num(c, 'learning_rate') }), { rho: num(c, 'rho') }), 1e-4),
  sam_adam: (c) => replayTrajectory(c, sam(basin.adam({ learningRate: num(c, 'learning_rate') }), { rho: num(c, 'rho') }), 1e-4),
};
