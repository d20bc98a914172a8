import * as tf from '@tensorflow/tfjs-core';
import type { StateOf, Transform } from '../transform';
import { BasinError } from '../errors';
import { disposeReplaced, isTensor, Tree, treeClone, treeLeaves, treeMap, treeZerosLike } from '../tree';
import { checkBoolean, checkNumber, checkTransform } from '../validate';
import { assertUpdatesMatch, checkOptions, requireParams } from '../transforms/state-checks';
import { publicTransform } from '../entry/public-transform';
import { entryPoint } from '../entry/entry-point';

export interface AverageParamsOptions {
  /**
   * Decay of an exponential moving average of the params, in [0, 1) (0.999 is common). Omitted:
   * the equal-weight running mean of every sample (Polyak-Ruppert averaging; SWA's average).
   */
  decay?: number;
  /** With `decay`: divide by `1 - decay^n` after n samples, as optax's `ema`. Default true. */
  debias?: boolean;
  /** The params after step n join the average once `n >= start`. Default 0. */
  start?: number;
  /** ... and when n is a multiple of `every` (SWA's cycle length `c`). Default 1. */
  every?: number;
}

export interface AverageParamsState<S = unknown> {
  /** Steps taken. */
  count: number;
  /** Params taken into the average so far. */
  samples: number;
  /** What `average` is divided by when read: `1 - decay^samples` when debiasing, else 1. */
  correction: number;
  /** The (undebiased) average, shaped like the params: read it with `averagedParams(state)`. */
  average: Tree;
  /** The wrapped transform's state. */
  innerState: S;
}

/**
 * Keeps an average of the params alongside any optimizer, for evaluation: the running mean of
 * the iterates (Polyak & Juditsky 1992; with `start` and `every`, Stochastic Weight Averaging,
 * Izmailov et al. 2018) or, with `decay`, their exponential moving average (the "EMA of the
 * weights"; optax's `ema` transform, optax/transforms/_accumulation.py, applied to the params).
 * Training is unchanged: the updates are `inner`'s. The average lives in the state, so
 * checkpoints keep it. Read it with `averagedParams(state)`:
 *
 *     const trainer = new Trainer({ transform: averageParams(adam({ learningRate: 1e-3 }), { decay: 0.999 }), loss, params });
 *     for (const batch of batches) trainer.step(batch);
 *     const evalParams = averagedParams(trainer.state as AverageParamsState); // yours to dispose
 *
 * The sample after a step is `params + update`, as `applyUpdates` computes it, so the params
 * must move by exactly these updates: put it last (outermost) in a chain. Needs `params`.
 */
// Generic over the wrapped transform (not its state) so that a union of transforms is accepted.
export const averageParams = publicTransform('averageParams', function averageParams<T extends Transform<any>>(inner: T, options: AverageParamsOptions = {}): Transform<AverageParamsState<StateOf<T>>> {
  checkTransform('averageParams', 'inner', inner);
  const { decay, debias = true, start = 0, every = 1 } = checkOptions('averageParams', options, '{ decay: 0.999 }', true);
  if (decay !== undefined) checkNumber('averageParams', 'decay', decay, { min: 0, max: 1, maxExclusive: true });
  checkBoolean('averageParams', 'debias', debias);
  checkNumber('averageParams', 'start', start, { min: 0, integer: true });
  checkNumber('averageParams', 'every', every, { min: 1, integer: true });
  return {
    computesOwnGradients: inner.computesOwnGradients,
    init: (params) => ({ count: 0, samples: 0, correction: 1, average: treeZerosLike(params), innerState: inner.init(params) }),
    update: (updates, state, params, extras) => {
      const p = requireParams('averageParams', params, updates);
      assertUpdatesMatch('averageParams', state.average, updates, 'state.average');
      const [out, innerState] = inner.update(updates, state.innerState, p, extras);
      const count = state.count + 1;
      if (count < start || count % every !== 0) {
        return [out, { count, samples: state.samples, correction: state.correction, average: treeClone(state.average), innerState }];
      }
      const n = state.samples;
      let average: Tree;
      try {
        average = treeMap(
          (w, u, a) =>
            tf.tidy(() => {
              const sample = tf.add(w, u);
              // Running mean: a + (x - a) / (n + 1), exact for the first sample.
              return decay === undefined ? tf.add(a, tf.div(tf.sub(sample, a), n + 1)) : tf.add(tf.mul(a, decay), tf.mul(sample, 1 - decay));
            }),
          p,
          out,
          state.average,
        );
      } catch (e) {
        disposeReplaced([out, innerState], updates, state, params);
        throw e;
      }
      const correction = decay !== undefined && debias ? 1 - Math.pow(decay, n + 1) : 1;
      return [out, { count, samples: n + 1, correction, average, innerState }];
    },
  };
});

/**
 * The averaged params of an `averageParams` state, debiased where asked: new tensors the
 * caller owns. Throws before the first sample (see `start`).
 */
export const averagedParams = entryPoint('averagedParams', function averagedParams(state: AverageParamsState): Tree {
  const s = state as Partial<AverageParamsState> | null | undefined;
  if (typeof s !== 'object' || s === null || typeof s.samples !== 'number' || typeof s.correction !== 'number' || s.average === undefined) {
    throw new BasinError('averagedParams: state must be the state of an averageParams transform (with samples, correction and average)');
  }
  const leaves = treeLeaves(s.average, isTensor, 'state.average');
  if (leaves.some((e) => e.leaf.isDisposed)) throw new BasinError('averagedParams: state.average holds a disposed tensor (was this state replaced by a later step?)');
  if (s.samples === 0) {
    const steps = s.count ?? 0;
    throw new BasinError(`averagedParams: no params averaged yet (${steps} step${steps === 1 ? '' : 's'} taken; sampling starts at step 'start', every 'every' steps)`);
  }
  const correction = s.correction;
  return treeMap((a) => (correction === 1 ? tf.clone(a) : tf.div(a, correction)), s.average);
});
