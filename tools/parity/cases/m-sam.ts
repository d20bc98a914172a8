// Parity case for @basin/m-sam: 3 consecutive chunks of 4 rows, each perturbed with its own
// normalised gradient; the chunk gradients at their perturbed points are averaged, then SGD.
import * as basin from '@basin/core';
import { mSam } from '@basin/m-sam';
import type { CaseHandler, FixtureCase } from '../fixture-types';
import { replayTrajectory } from '../trajectory';

const num = (c: FixtureCase, key: string): number => {
  const v = c.hyper?.[key];
  if (v === undefined) throw new Error(`case ${c.name}: hyper.${key} is missing`);
  return Number(v);
};

export const cases: Record<string, CaseHandler> = {
  msam_sgd: (c) =>
    replayTrajectory(c, mSam(basin.sgd({ learningRate: num(c, 'learning_rate') }), { rho: num(c, 'rho'), microbatches: num(c, 'microbatches') }), 1e-4),
};
