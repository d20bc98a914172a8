import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkStateTensors, checkFunction, checkNumber, describeValue, entryPoint, publicTransform, requireParams, treeDispose, treeMap } from '@basin/core';
import type { SgdOptimizerState, ScalarOrSchedule, StateOf, Transform, Tree } from '@basin/core';
import { baseAndOptions, checkCounter, checkReturnedTree, checkTree, cloneState, gradientsAt, requireGradFn } from './checks';

/**
 * The full gradient at some params: the mean over the whole training set of the per-example
 * (or per-batch) gradients, as a tree shaped like the params. The caller (svrg) owns the
 * returned tensors. `datasetGradient` and `modelDatasetGradient` make one.
 */
export type FullGradientFn = (params: Tree) => Tree;

export interface SvrgOptions {
  /**
   * The full gradient at the snapshot. With it, svrg takes a snapshot by itself at the first
   * step and every `snapshotEvery` steps after; without it, call `refreshSnapshot` before the
   * first step and whenever you want a new snapshot.
   */
  fullGradient?: FullGradientFn;
  /** Steps between snapshots (Johnson & Zhang's m; an epoch of batches is the usual choice). Needs `fullGradient`. */
  snapshotEvery?: number;
}

/** The one-argument form: plain SGD with this learning rate as the base. */
export interface SvrgSgdOptions extends SvrgOptions {
  learningRate: ScalarOrSchedule;
}

/** svrg's state: plain data (checkpoints save and restore it). */
export interface SvrgState<S = unknown> {
  /** Steps taken. */
  count: number;
  /** Steps taken since the last snapshot (the step at the snapshot counts). */
  sinceSnapshot: number;
  /** Snapshots taken so far; 0 means none yet (the two trees below are zeros). */
  snapshots: number;
  /** The snapshot w~. */
  snapshotParams: Tree;
  /** The full gradient at the snapshot, mu~ = grad F(w~). */
  snapshotGradient: Tree;
  /** The base transform's state. */
  base: S;
}

/**
 * svrg's two forms: around a base transform (`state.base` is that transform's state, typed:
 * `svrg(adam(...))`'s is an `AdamOptimizerState`), or plain SGD from a learning rate.
 */
export interface SvrgFactory {
  <T extends Transform<any>>(base: T, options?: SvrgOptions): Transform<SvrgState<StateOf<T>>>;
  (options: SvrgSgdOptions): Transform<SvrgState<SgdOptimizerState>>;
}

const EXAMPLES = {
  withBase: '{ fullGradient: datasetGradient(loss, data), snapshotEvery: 100 }',
  withLearningRate: '{ learningRate: 0.05, fullGradient, snapshotEvery: 100 }',
};

const zeros = (tree: Tree): Tree => treeMap((x) => tf.zerosLike(x), tree);

/**
 * SVRG (Johnson & Zhang, NeurIPS 2013, "Accelerating Stochastic Gradient Descent using
 * Predictive Variance Reduction", Procedure SVRG with option I) around any base transform.
 * With g_B(w) the incoming gradient on the current batch B, w~ the snapshot and mu~ the full
 * gradient at the snapshot,
 *
 *     direction = g_B(w) - g_B(w~) + mu~        (g_B(w~) through extras.gradFn(w~), same batch)
 *     updates   = base(direction)
 *
 * The snapshot is the params at the step where it is taken (option I: the last iterate). On
 * that step w = w~, so the direction is mu~ exactly and no extra gradient is computed; every
 * other step costs one extra gradient on the batch. `snapshotEvery` steps later the next
 * snapshot is taken, costing one call of `fullGradient`. Memory: two params-sized trees (w~
 * and mu~) on top of the base's state.
 *
 *     const opt = svrg({ learningRate: 0.05, fullGradient: datasetGradient(loss, data), snapshotEvery: 32 });
 *     const opt2 = svrg(adam({ learningRate: 1e-3 }), { fullGradient, snapshotEvery: 32 });
 *
 * Needs `params` and `extras.gradFn` (core's step, Trainer, ModelTrainer and BasinOptimizer
 * pass both). With dropout or other randomness in the loss, g_B(w) and g_B(w~) see different
 * noise and the correction no longer cancels as it should; Defazio & Bottou (2019) discuss it.
 */
export const svrg = publicTransform('svrg', function svrg(first: unknown, second?: unknown): Transform<SvrgState> {
  const owner = 'svrg';
  const { base, options } = baseAndOptions<SvrgOptions>(owner, first, second, EXAMPLES, false);
  const { fullGradient, snapshotEvery } = options;
  if (fullGradient !== undefined) {
    checkFunction(owner, 'fullGradient', fullGradient);
    if (snapshotEvery === undefined) {
      throw new BasinError(`${owner}: fullGradient needs snapshotEvery, the steps between snapshots (Johnson & Zhang's m; e.g. the batches per epoch, Math.ceil(rows / batchSize))`);
    }
  }
  if (snapshotEvery !== undefined) {
    checkNumber(owner, 'snapshotEvery', snapshotEvery, { min: 1, integer: true });
    if (fullGradient === undefined) {
      throw new BasinError(`${owner}: snapshotEvery needs fullGradient, a function (params) => full gradient tree (datasetGradient or modelDatasetGradient make one); without both, call refreshSnapshot yourself`);
    }
  }
  const known = new Set(['fullGradient', 'snapshotEvery']);
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new BasinError(`${owner}: unknown option ${unknown.join(', ')}; svrg takes fullGradient and snapshotEvery (and learningRate without a base)`);

  return {
    init: (params) => ({
      count: 0,
      sinceSnapshot: 0,
      snapshots: 0,
      snapshotParams: zeros(params),
      snapshotGradient: zeros(params),
      base: base.init(params),
    }),
    update: (updates, state, params, extras) => {
      // Every check runs before anything is computed: an error leaves the caller's tensors alone.
      const w = requireParams(owner, params, updates);
      const gradFn = requireGradFn(owner, extras, 'the gradient at the snapshot on the current batch');
      const count = checkCounter(owner, 'count', state.count);
      const since = checkCounter(owner, 'sinceSnapshot', state.sinceSnapshot);
      const snapshots = checkCounter(owner, 'snapshots', state.snapshots);
      checkStateTensors(owner, state);
      const refresh = fullGradient !== undefined && (snapshots === 0 || since >= snapshotEvery!);
      if (!refresh && snapshots === 0) {
        throw new BasinError(
          `${owner}: no snapshot yet; give svrg the full gradient, svrg(base, ${EXAMPLES.withBase}), ` +
            'or call state = refreshSnapshot(state, params, fullGradientAtParams) before the first update',
        );
      }
      if (refresh) {
        // w~ = w: the direction g_B(w) - g_B(w~) + mu~ is mu~ itself.
        const mu = checkReturnedTree(owner, 'fullGradient(params)', fullGradient!(w), w);
        let stepped: [Tree, unknown];
        try {
          stepped = base.update(mu, state.base, w, extras);
        } catch (e) {
          treeDispose(mu);
          throw e;
        }
        const snapshotParams = treeMap((x) => tf.clone(x), w);
        return [stepped[0], { count: count + 1, sinceSnapshot: 1, snapshots: snapshots + 1, snapshotParams, snapshotGradient: mu, base: stepped[1] }];
      }
      const atSnapshot = gradientsAt(owner, gradFn, state.snapshotParams, w);
      let direction: Tree;
      try {
        direction = tf.tidy(() => treeMap((g, s, mu) => tf.add(tf.sub(g, s), mu), updates, atSnapshot, state.snapshotGradient) as tf.TensorContainer) as Tree;
      } finally {
        treeDispose(atSnapshot);
      }
      try {
        const [out, baseState] = base.update(direction, state.base, w, extras);
        // The caller disposes the old state: the kept snapshot goes out as clones (shared data).
        return [out, {
          count: count + 1,
          sinceSnapshot: since + 1,
          snapshots,
          snapshotParams: cloneState(state.snapshotParams),
          snapshotGradient: cloneState(state.snapshotGradient),
          base: baseState,
        }];
      } finally {
        treeDispose(direction);
      }
    },
  };
}) as SvrgFactory;

/**
 * Takes a new SVRG snapshot by hand: returns a new state whose snapshot is `params` and whose
 * full gradient is `fullGradient` (the gradient of the whole training loss at `params`),
 * counting steps since the snapshot from 0. Everything else (step count, base state) is kept.
 * The inputs are left alone and the caller owns the result, so dispose the old state once it
 * is replaced:
 *
 *     const next = refreshSnapshot(trainer.state, trainer.params, mu);
 *     treeDispose([trainer.state, mu]);
 *     trainer.state = next;
 *
 * Use it when the full gradient comes from somewhere svrg cannot call (a pass over a data
 * loader, a distributed reduction) or at moments of your choosing (every epoch of a loop).
 */
export const refreshSnapshot = entryPoint('refreshSnapshot', function refreshSnapshot<S>(state: SvrgState<S>, params: Tree, fullGradient: Tree): SvrgState<S> {
  const owner = 'refreshSnapshot';
  if (typeof state !== 'object' || state === null || !('snapshotParams' in state) || !('snapshotGradient' in state) || !('base' in state)) {
    throw new BasinError(`${owner}: state must be an svrg state (from svrg's init or update), got ${describeValue(state)}`);
  }
  const count = checkCounter(owner, 'count', state.count);
  const snapshots = checkCounter(owner, 'snapshots', state.snapshots);
  checkCounter(owner, 'sinceSnapshot', state.sinceSnapshot);
  checkStateTensors(owner, state);
  if (params === undefined || params === null) throw new BasinError(`${owner}: params must be a tree of float32 tensors, got ${params}`);
  checkTree(owner, 'params', params, state.snapshotParams, 'snapshot params of the state');
  checkTree(owner, 'fullGradient', fullGradient, state.snapshotParams, 'snapshot params of the state');
  return {
    count,
    sinceSnapshot: 0,
    snapshots: snapshots + 1,
    snapshotParams: treeMap((x) => tf.clone(x), params),
    snapshotGradient: treeMap((x) => tf.clone(x), fullGradient),
    base: cloneState(state.base),
  };
});
