import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkStateTensors, checkNumber, describeValue, publicTransform, treeDispose, treeMap } from '@basin/core';
import type { Extras, SgdOptimizerState, ScalarOrSchedule, StateOf, Transform, Tree } from '@basin/core';
import { baseAndOptions, checkCounter, cloneState } from './checks';

export interface SagOptions {
  /**
   * Rows of the gradient table: the number of fixed batches the training set is cut into (the
   * same rows in batch b every epoch). Per-example SAG, as in the paper, is one example per
   * batch: `batches` = the number of examples. Required.
   */
  batches: number;
  /**
   * Which batch the current step's gradient belongs to: `'cyclic'` (step t is batch t mod
   * batches: the batches in a fixed order, which makes it IAG, Blatt et al. 2007, rather than
   * SAG), or a function of the step count. When omitted, each update reads `extras.batchIndex`.
   */
  batchIndex?: 'cyclic' | ((step: number) => number);
  /**
   * What the sum of the table is divided by: `'seen'` (the batches seen so far; Schmidt et al.'s
   * recommended start, sec. 4.1) or `'all'` (all `batches`, the table starting at zero as in
   * their eq. 5). Default `'seen'`; the two agree once every batch has been seen.
   */
  normalize?: 'seen' | 'all';
}

/** The one-argument form: plain SGD with this learning rate as the base. */
export interface SagSgdOptions extends SagOptions {
  learningRate: ScalarOrSchedule;
}

/** sag's state: plain data (checkpoints save and restore the whole table). */
export interface SagState<S = unknown> {
  count: number;
  /** The last gradient stored for each batch (zeros until the batch is seen). */
  table: Tree[];
  /** Whether each batch has been seen. */
  seen: boolean[];
  /** The sum of the table, kept up to date (one subtraction and one addition per step). */
  sum: Tree;
  base: S;
}

/**
 * sag's two forms: around a base transform (`state.base` is that transform's state, typed:
 * `sag(adam(...), o)`'s is an `AdamOptimizerState`), or plain SGD from a learning rate.
 */
export interface SagFactory {
  <T extends Transform<any>>(base: T, options: SagOptions): Transform<SagState<StateOf<T>>>;
  (options: SagSgdOptions): Transform<SagState<SgdOptimizerState>>;
}

const EXAMPLES = { withBase: "{ batches: 50, batchIndex: 'cyclic' }", withLearningRate: "{ learningRate: 0.05, batches: 50, batchIndex: 'cyclic' }" };

/**
 * SAG (Schmidt, Le Roux & Bach, Math. Programming 2017, "Minimizing Finite Sums with the
 * Stochastic Average Gradient", eq. 5 and sec. 4.1) over fixed batches, around any base
 * transform. The table keeps the last gradient y_b seen for each batch b; at a step on batch
 * b with gradient g_b(w),
 *
 *     y_b       = g_b(w)                                     (replaces the old entry)
 *     direction = (1 / m) sum_b' y_b'                        (m: batches seen, or all batches)
 *     updates   = base(direction)
 *
 * so the step uses one fresh gradient and the stale ones of every other batch. Needs to know
 * which batch each step is (`extras.batchIndex` or the `batchIndex` option).
 *
 * Memory: the table holds up to `batches` params-sized trees (a batch takes memory once it has
 * been seen; the zeros before share one buffer): a 100k-parameter model with 100 batches keeps
 * 10M floats (40 MB), and a checkpoint of the state writes all of it. Each step clones the
 * table's tensor handles (no data copied), so the per-step overhead grows with `batches` times
 * the number of leaves.
 *
 *     const opt = sag({ learningRate: 0.05, batches: 20, batchIndex: 'cyclic' });
 */
export const sag = publicTransform('sag', function sag(first: unknown, second?: unknown): Transform<SagState> {
  const owner = 'sag';
  const { base, options } = baseAndOptions<SagOptions>(owner, first, second, EXAMPLES, true);
  const { batches, batchIndex, normalize = 'seen' } = options;
  if (batches === undefined) throw new BasinError(`${owner}: batches is required: the number of fixed batches (rows of the gradient table), e.g. ${EXAMPLES.withBase}`);
  checkNumber(owner, 'batches', batches, { min: 1, integer: true });
  if (batchIndex !== undefined && batchIndex !== 'cyclic' && typeof batchIndex !== 'function') {
    throw new BasinError(`${owner}: batchIndex must be 'cyclic' or a function (step) => batch index, got ${describeValue(batchIndex)}`);
  }
  if (normalize !== 'seen' && normalize !== 'all') throw new BasinError(`${owner}: normalize must be 'seen' or 'all', got ${describeValue(normalize)}`);
  const known = new Set(['batches', 'batchIndex', 'normalize']);
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new BasinError(`${owner}: unknown option ${unknown.join(', ')}; sag takes batches, batchIndex and normalize (and learningRate without a base)`);

  const indexOf = (count: number, extras: Extras | undefined): number => {
    let b: unknown;
    let source: string;
    if (batchIndex === 'cyclic') return count % batches;
    if (typeof batchIndex === 'function') {
      b = batchIndex(count);
      source = `batchIndex(${count})`;
    } else {
      b = typeof extras === 'object' && extras !== null ? extras.batchIndex : undefined;
      source = 'extras.batchIndex';
      if (b === undefined) {
        throw new BasinError(
          `${owner}: which batch is this step? pass extras.batchIndex (an integer in [0, ${batches})) to update, ` +
            `or build sag with the batchIndex option ('cyclic', or a function of the step count)`,
        );
      }
    }
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b >= batches) {
      throw new BasinError(`${owner}: ${source} must be an integer in [0, ${batches}) (batches is ${batches}), got ${describeValue(b)}`);
    }
    return b;
  };

  return {
    init: (params) => {
      // One zeros buffer shared by every row until the row is written.
      const zero = treeMap((x) => tf.zerosLike(x), params);
      const table = Array.from({ length: batches }, () => treeMap((x) => tf.clone(x), zero));
      const sum = treeMap((x) => tf.clone(x), zero);
      treeDispose(zero);
      return { count: 0, table, seen: new Array<boolean>(batches).fill(false), sum, base: base.init(params) };
    },
    update: (updates, state, params, extras) => {
      const count = checkCounter(owner, 'count', state.count);
      if (!Array.isArray(state.seen) || state.seen.length !== batches || state.seen.some((s) => typeof s !== 'boolean')) {
        throw new BasinError(`${owner}: state.seen must be ${batches} booleans, got ${describeValue(state.seen)}; pass the state from init or the last update`);
      }
      checkStateTensors(owner, state);
      const b = indexOf(count, extras);
      const seen = state.seen.slice();
      const wasSeen = seen[b];
      seen[b] = true;
      const m = normalize === 'seen' ? seen.filter(Boolean).length : batches;
      const sum = tf.tidy(() =>
        treeMap((s, old, g) => (wasSeen ? tf.add(tf.sub(s, old), g) : tf.add(s, g)), state.sum, state.table[b], updates) as tf.TensorContainer,
      ) as Tree;
      let direction: Tree | undefined;
      try {
        direction = treeMap((s) => tf.div(s, m), sum);
        const [out, baseState] = base.update(direction, state.base, params, extras);
        const table = state.table.map((row, i) => (i === b ? treeMap((g) => tf.clone(g), updates) : cloneState(row)));
        return [out, { count: count + 1, table, seen, sum, base: baseState }];
      } catch (e) {
        treeDispose(sum);
        throw e;
      } finally {
        treeDispose(direction);
      }
    },
  };
}) as SagFactory;
