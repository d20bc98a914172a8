import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { Tree, treeDispose, treeMap, treeZerosLike } from '../tree';
import { BasinError } from '../errors';
import { checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByRpropOptions {
  /** The initial step size of every entry, > 0 (a number: Rprop adapts it itself). */
  learningRate: number;
  /** Factor applied to a step size when the gradient changes sign, in (0, 1). Default 0.5. */
  etaMinus?: number;
  /** Factor applied to a step size when the gradient keeps its sign, > 1. Default 1.2. */
  etaPlus?: number;
  /** Smallest step size, >= 0. Default 1e-6. */
  minStepSize?: number;
  /** Largest step size, >= minStepSize. Default 50. */
  maxStepSize?: number;
}

export interface RpropState {
  /** Current step size of every entry. */
  stepSizes: Tree;
  /** Last step's `stepSize * sign(g)` (0 where the sign flipped), whose sign is compared next. */
  prevUpdates: Tree;
}

/** Validates Rprop's options (shared by scaleByRprop and rprop). */
export function checkRpropOptions(owner: string, o: ScaleByRpropOptions): Required<ScaleByRpropOptions> {
  const checked = {
    learningRate: checkNumber(owner, 'learningRate', o.learningRate, { min: 0, minExclusive: true }),
    etaMinus: checkNumber(owner, 'etaMinus', o.etaMinus ?? 0.5, { min: 0, max: 1, minExclusive: true, maxExclusive: true }),
    etaPlus: checkNumber(owner, 'etaPlus', o.etaPlus ?? 1.2, { min: 1, minExclusive: true }),
    minStepSize: checkNumber(owner, 'minStepSize', o.minStepSize ?? 1e-6, { min: 0 }),
    maxStepSize: checkNumber(owner, 'maxStepSize', o.maxStepSize ?? 50, { min: 0 }),
  };
  if (checked.maxStepSize < checked.minStepSize) {
    throw new BasinError(`${owner}: maxStepSize must be a number >= minStepSize (${checked.minStepSize}), got ${checked.maxStepSize}`);
  }
  return checked;
}

/**
 * Rprop's step (Riedmiller & Braun 1993, "A direct adaptive method for faster backpropagation
 * learning: the RPROP algorithm"), as optax's `scale_by_rprop` (optax/_src/transform.py) and
 * `torch.optim.Rprop` (torch/optim/rprop.py): per entry, with `s = g * prev`, the step size
 * becomes `clip(step * (s > 0 ? etaPlus : etaMinus), minStepSize, maxStepSize)` where `s != 0`
 * and stays where `s = 0`; the update is `step * sign(g)`, or 0 where the sign flipped (which
 * also makes the next comparison neutral). The update points up the gradient: `rprop` flips it.
 */
export const scaleByRprop = publicTransform('scaleByRprop', function scaleByRprop(options: ScaleByRpropOptions): Transform<RpropState> {
  const owner = 'scaleByRprop';
  const { learningRate, etaMinus, etaPlus, minStepSize, maxStepSize } = checkRpropOptions(owner, checkOptions(owner, options, '{ learningRate: 0.01 }'));
  return {
    init: (params) => ({ stepSizes: treeMap((p) => tf.fill(p.shape, learningRate, 'float32'), params), prevUpdates: treeZerosLike(params) }),
    update: (updates, state) => {
      assertUpdatesMatch(owner, state.stepSizes, updates, 'state.stepSizes');
      assertUpdatesMatch(owner, state.prevUpdates, updates, 'state.prevUpdates');
      const signs = treeMap((g, prev) => tf.tidy(() => tf.sign(tf.mul(g, prev))), updates, state.prevUpdates);
      const stepSizes = treeMap(
        (s, step) =>
          tf.tidy(() => {
            // etaMinus where s < 0, etaPlus where s > 0 (and s = 0 keeps the old step below).
            const factor = tf.add(tf.mul(tf.cast(tf.greater(s, 0), 'float32'), etaPlus - etaMinus), etaMinus);
            const changed = tf.clipByValue(tf.mul(step, factor), minStepSize, maxStepSize);
            return tf.where(tf.equal(s, 0), step, changed);
          }),
        signs,
        state.stepSizes,
      );
      const prevUpdates = treeMap(
        (s, g, step) => tf.tidy(() => tf.where(tf.less(s, 0), tf.zerosLike(g), tf.mul(step, tf.sign(g)))),
        signs,
        updates,
        stepSizes,
      );
      const out = treeMap((u) => tf.clone(u), prevUpdates);
      treeDispose(signs);
      return [out, { stepSizes, prevUpdates }];
    },
  };
});
