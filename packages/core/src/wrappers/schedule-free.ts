import * as tf from '@tensorflow/tfjs-core';
import type { StateOf, Transform } from '../transform';
import type { Schedule } from '../schedule-types';
import { BasinError } from '../errors';
import { assertSameStructure, disposeReplaced, isTensor, Tree, treeClone, treeLeaves, treeMap } from '../tree';
import { checkNumber, checkScalarOrSchedule, checkTransform, resolveHyper, ScalarOrSchedule } from '../validate';
import { assertUpdatesMatch, checkOptions, requireParams } from '../transforms/state-checks';
import { publicTransform } from '../entry/public-transform';
import { entryPoint } from '../entry/entry-point';
import { chain } from '../combinators/chain';
import { sgd } from '../aliases/sgd';
import { scaleByRms } from '../transforms/scale-by-rms';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';

export interface ScheduleFreeOptions {
  /**
   * The base optimizer's learning rate (a number, or a schedule with warmup but no decay): it
   * weighs each iterate in the average (`weight = max lr so far ^ weightLrPower`). Evaluated at
   * the step count starting from 1, as optax.
   */
  learningRate: ScalarOrSchedule;
  /** Interpolation between the average x and the base iterate z where gradients are taken, in (0, 1]. Default 0.9. */
  b1?: number;
  /** Exponent of the learning rate in the averaging weights (>= 0). Default 2. */
  weightLrPower?: number;
}

export interface ScheduleFreeState<S = unknown> {
  b1: number;
  /** Sum of the averaging weights so far. */
  weightSum: number;
  /** Steps taken plus one (the learning-rate schedule is read at this count). */
  stepCount: number;
  /** Largest learning rate so far. */
  maxLr: number;
  /** The base optimizer's state. */
  baseOptimizerState: S;
  /** The base optimizer's iterate `z`, shaped like the params. */
  z: Tree;
}

/**
 * Schedule-Free learning (Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky 2024, "The Road
 * Less Scheduled"), as optax's `schedule_free` (optax/contrib/_schedule_free.py): the base
 * optimizer (without momentum) moves a sequence `z`; `x` is a weighted running average of the
 * `z`s; gradients are taken at `y = b1 x + (1 - b1) z`, which are the params this transform's
 * updates produce. No decaying schedule is needed. Evaluate at `x`:
 * `scheduleFreeEvalParams(state, params)`. Only `z` is stored (x is recovered from y and z, as
 * optax does), so memory is the base optimizer's plus one params tree. Needs `params`; the params
 * must move by exactly these updates, so put it last (outermost) in a chain.
 *
 * Turn off the base optimizer's momentum: `scheduleFree(adam({ learningRate: lr, b1: 0 }), { learningRate: lr })`,
 * or use the aliases `scheduleFreeSgd` and `scheduleFreeAdamw`.
 */
// Generic over the wrapped transform (not its state) so that a union of transforms is accepted.
export const scheduleFree = publicTransform('scheduleFree', function scheduleFree<T extends Transform<any>>(base: T, options: ScheduleFreeOptions): Transform<ScheduleFreeState<StateOf<T>>> {
  checkTransform('scheduleFree', 'base', base);
  const { learningRate, b1 = 0.9, weightLrPower = 2 } = checkOptions('scheduleFree', options, '{ learningRate: 1e-3 }');
  checkScalarOrSchedule('scheduleFree', 'learningRate', learningRate);
  checkNumber('scheduleFree', 'b1', b1, { min: 0, max: 1, minExclusive: true });
  checkNumber('scheduleFree', 'weightLrPower', weightLrPower, { min: 0 });
  return {
    computesOwnGradients: base.computesOwnGradients,
    init: (params) => ({ b1, weightSum: 0, stepCount: 1, maxLr: 0, baseOptimizerState: base.init(params), z: treeClone(params) }),
    update: (updates, state, params, extras) => {
      const y = requireParams('scheduleFree', params, updates);
      assertUpdatesMatch('scheduleFree', state.z, updates, 'state.z');
      const lr = resolveHyper('scheduleFree', 'learningRate', learningRate, state.stepCount);
      const maxLr = Math.max(state.maxLr, lr);
      const weight = Math.pow(maxLr, weightLrPower);
      const weightSum = state.weightSum + weight;
      // optax: NaN when either is NaN, else nan_to_num(weight / sum) (0/0 at a zero rate is 0).
      let ck = weight / weightSum;
      if (Number.isNaN(weight) || Number.isNaN(weightSum)) ck = NaN;
      else if (Number.isNaN(ck)) ck = 0;
      const sb1 = state.b1;
      const [baseUpdates, baseOptimizerState] = base.update(updates, state.baseOptimizerState, y, extras);
      let z: Tree | undefined;
      let out: Tree | undefined;
      try {
        z = treeMap((zi, ui) => tf.add(zi, ui), state.z, baseUpdates);
        out = treeMap(
          (yi, zi, zNext) =>
            tf.tidy(() => {
              const prevX = tf.div(tf.sub(yi, tf.mul(zi, 1 - sb1)), sb1);
              const x = tf.add(tf.mul(prevX, 1 - ck), tf.mul(zNext, ck));
              const yNext = tf.add(tf.mul(x, sb1), tf.mul(zNext, 1 - sb1));
              return tf.sub(yNext, yi);
            }),
          y,
          state.z,
          z,
        );
      } catch (e) {
        disposeReplaced([baseUpdates, baseOptimizerState, z, out], updates, state, params);
        throw e;
      }
      disposeReplaced(baseUpdates, z, out);
      return [out, { b1: sb1, weightSum, stepCount: state.stepCount + 1, maxLr, baseOptimizerState, z }];
    },
  };
});

/**
 * The params to evaluate a Schedule-Free run at, `x = (y - (1 - b1) z) / b1`, as optax's
 * `schedule_free_eval_params`: new tensors the caller owns. `state` is the `scheduleFree` (or
 * alias) state, `params` the current params `y`.
 */
export const scheduleFreeEvalParams = entryPoint('scheduleFreeEvalParams', function scheduleFreeEvalParams(state: ScheduleFreeState, params: Tree): Tree {
  const s = state as Partial<ScheduleFreeState> | null | undefined;
  if (typeof s !== 'object' || s === null || typeof s.b1 !== 'number' || s.z === undefined) {
    throw new BasinError('scheduleFreeEvalParams: state must be the state of a scheduleFree transform (scheduleFree, scheduleFreeSgd or scheduleFreeAdamw), with b1 and z');
  }
  if (params === undefined || params === null) throw new BasinError(`scheduleFreeEvalParams: params must be the current params tree, got ${params}`);
  for (const [name, tree] of [['params', params], ['state.z', s.z]] as const) {
    for (const { path, leaf } of treeLeaves(tree, isTensor, name)) {
      if (leaf.isDisposed) throw new BasinError(`scheduleFreeEvalParams: ${name} at '${path}' is a disposed tensor`);
    }
  }
  assertSameStructure(s.z, params, ['state.z', 'params']);
  const b1 = s.b1;
  return treeMap((yi, zi) => tf.tidy(() => tf.div(tf.sub(yi, tf.mul(zi, 1 - b1)), b1)), params, s.z);
});

/** optax's warmup_constant_schedule: linear from 0 to `peak` over `warmupSteps`, then `peak`. */
function warmupConstant(peak: number, warmupSteps: number | undefined): ScalarOrSchedule {
  if (warmupSteps === undefined) return peak;
  const schedule: Schedule = (step) => (step < warmupSteps ? (peak * Math.max(step, 0)) / warmupSteps : peak);
  return schedule;
}

export interface ScheduleFreeSgdOptions {
  /** SGD learning rate. Default 1 (optax's). */
  learningRate?: number;
  /** Steps of linear warmup from 0 (a positive integer); none when omitted. */
  warmupSteps?: number;
  /** Default 0.9. */
  b1?: number;
  /** Weight decay added to the gradients (`g + wd * params`, then scaled by the learning rate); none when omitted. */
  weightDecay?: number;
  /** Default 2. */
  weightLrPower?: number;
}

/**
 * Schedule-Free SGD (Defazio et al. 2024), as optax's `schedule_free_sgd`
 * (optax/contrib/_schedule_free.py): `scheduleFree(sgd(lr))` with an optional linear warmup
 * and weight decay. Evaluate with `scheduleFreeEvalParams(state, params)`.
 */
export const scheduleFreeSgd = publicTransform('scheduleFreeSgd', function scheduleFreeSgd(options: ScheduleFreeSgdOptions = {}): Transform<ScheduleFreeState> {
  const o = checkOptions('scheduleFreeSgd', options, '{ learningRate: 1, warmupSteps: 100 }', true);
  const peak = checkNumber('scheduleFreeSgd', 'learningRate', o.learningRate ?? 1, { min: 0 });
  if (o.warmupSteps !== undefined) checkNumber('scheduleFreeSgd', 'warmupSteps', o.warmupSteps, { min: 1, integer: true });
  const b1 = checkNumber('scheduleFreeSgd', 'b1', o.b1 ?? 0.9, { min: 0, max: 1, minExclusive: true });
  if (o.weightDecay !== undefined) checkNumber('scheduleFreeSgd', 'weightDecay', o.weightDecay, { min: 0 });
  const weightLrPower = checkNumber('scheduleFreeSgd', 'weightLrPower', o.weightLrPower ?? 2, { min: 0 });
  const learningRate = warmupConstant(peak, o.warmupSteps);
  const optimizer = sgd({ learningRate });
  const base = o.weightDecay === undefined ? optimizer : chain(addDecayedWeights({ weightDecay: o.weightDecay }), optimizer);
  return scheduleFree(base, { learningRate, b1, weightLrPower });
});

export interface ScheduleFreeAdamwOptions {
  /** Default 0.0025 (optax's). */
  learningRate?: number;
  /** Steps of linear warmup from 0 (a positive integer); none when omitted. */
  warmupSteps?: number;
  /** Interpolation constant of Schedule-Free (Adam's own first moment is off). Default 0.9. */
  b1?: number;
  /** Decay of the second moment. Default 0.999. */
  b2?: number;
  /** Added to the root of the second moment. Default 1e-8. */
  eps?: number;
  /** Decoupled weight decay. Default 0. */
  weightDecay?: number;
  /** Default 2. */
  weightLrPower?: number;
}

/**
 * Schedule-Free AdamW (Defazio et al. 2024), as optax's `schedule_free_adamw`
 * (optax/contrib/_schedule_free.py): Adam without its first moment (bias-corrected RMS scaling
 * `g / (sqrt(nu_hat) + eps)`), decoupled weight decay and the learning rate, inside
 * `scheduleFree`. Evaluate with `scheduleFreeEvalParams(state, params)`.
 */
export const scheduleFreeAdamw = publicTransform('scheduleFreeAdamw', function scheduleFreeAdamw(options: ScheduleFreeAdamwOptions = {}): Transform<ScheduleFreeState> {
  const o = checkOptions('scheduleFreeAdamw', options, '{ learningRate: 0.0025, warmupSteps: 100 }', true);
  const peak = checkNumber('scheduleFreeAdamw', 'learningRate', o.learningRate ?? 0.0025, { min: 0 });
  if (o.warmupSteps !== undefined) checkNumber('scheduleFreeAdamw', 'warmupSteps', o.warmupSteps, { min: 1, integer: true });
  const b1 = checkNumber('scheduleFreeAdamw', 'b1', o.b1 ?? 0.9, { min: 0, max: 1, minExclusive: true });
  const b2 = checkNumber('scheduleFreeAdamw', 'b2', o.b2 ?? 0.999, { min: 0, max: 1, maxExclusive: true });
  const eps = checkNumber('scheduleFreeAdamw', 'eps', o.eps ?? 1e-8, { min: 0 });
  const weightDecay = checkNumber('scheduleFreeAdamw', 'weightDecay', o.weightDecay ?? 0, { min: 0 });
  const weightLrPower = checkNumber('scheduleFreeAdamw', 'weightLrPower', o.weightLrPower ?? 2, { min: 0 });
  const learningRate = warmupConstant(peak, o.warmupSteps);
  const base = chain(scaleByRms({ decay: b2, eps, epsInSqrt: false, biasCorrection: true }), addDecayedWeights({ weightDecay }), scaleByLearningRate(learningRate));
  return scheduleFree(base, { learningRate, b1, weightLrPower });
});
