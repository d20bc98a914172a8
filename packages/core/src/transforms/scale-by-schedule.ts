import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { treeMap } from '../tree';
import { checkScalarOrSchedule, resolveHyper, ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from './state-checks';
import { withFusion } from '../fused/spec';

/** Step counter: the number of updates done so far. */
export interface CountState {
  count: number;
}

/** Multiplies updates by `schedule(count)`, where count is the number of steps taken so far. */
export const scaleBySchedule = publicTransform('scaleBySchedule', function scaleBySchedule(schedule: ScalarOrSchedule, owner = 'scaleBySchedule', name = 'schedule'): Transform<CountState> {
  checkScalarOrSchedule(owner, name, schedule);
  // Tagged so that aliases ending in it (adam, sgd, ...) can fuse the scaling into their kernel.
  return withFusion<Transform<CountState>>({
    init: () => ({ count: 0 }),
    update: (updates, state) => {
      const factor = resolveHyper(owner, name, schedule, state.count);
      return [treeMap((u) => tf.mul(u, factor), updates), { count: state.count + 1 }];
    },
  }, { kind: 'schedule', schedule, owner, name });
});

export interface ScaleByLearningRateOptions {
  /** Multiply by `-learningRate` (gradient descent), true by default. */
  flipSign?: boolean;
}

/**
 * Multiplies updates by `-learningRate` (a number or a schedule of the step count), turning
 * a descent direction into the step that `applyUpdates` adds to the params.
 */
export const scaleByLearningRate = publicTransform('scaleByLearningRate', function scaleByLearningRate(
  learningRate: ScalarOrSchedule,
  options: ScaleByLearningRateOptions = {},
): Transform<CountState> {
  const { flipSign = true } = checkOptions('scaleByLearningRate', options, '{ flipSign: true }', true);
  checkScalarOrSchedule('scaleByLearningRate', 'learningRate', learningRate);
  const sign = flipSign ? -1 : 1;
  const schedule = typeof learningRate === 'number' ? () => sign * learningRate : (step: number) => sign * learningRate(step);
  return scaleBySchedule(schedule, 'scaleByLearningRate', 'learningRate');
});
