import * as tf from '@tensorflow/tfjs-core';
import {
  addDecayedWeights,
  BasinError,
  chain,
  checkNumber,
  checkScalarOrSchedule,
  describeValue,
  identity,
  publicTransform,
  scaleByLearningRate,
  trace,
  type AddDecayedWeightsState,
  type CountState,
  type EmptyState,
  type LabelSpec,
  type ScalarOrSchedule,
  type TraceState,
  type Transform,
  checkBoolean,
  checkedMask,
  checkKnownOptions as checkOptions,
} from '@basin/core';
import {
  makeScaleByShampoo,
  resolveShampooOptions,
  SCALE_BY_SHAMPOO_OPTIONS,
  withShampooStateCheck,
  type ResolvedShampooOptions,
  type ScaleByShampooOptions,
  type ShampooState,
} from './scale-by-shampoo';

export interface ShampooOptions extends ScaleByShampooOptions {
  learningRate: ScalarOrSchedule;
  /** Heavy-ball momentum on the (grafted) Shampoo update; none when omitted. */
  momentum?: number;
  /** Nesterov momentum (needs `momentum`). */
  nesterov?: boolean;
  /** Decoupled weight decay: `weightDecay * params` added after momentum, before the learning rate (as AdamW). Default 0. */
  weightDecay?: number;
  /** Which params decay: a tree of booleans shaped like the params (matched by path), or a function of the params returning one. */
  weightDecayMask?: LabelSpec<boolean>;
}

/**
 * The state of `shampoo(...)`: its chain's, one entry per piece.
 * - `state[0]`: the preconditioner (`ShampooState`): `count`, `rootFailures` (roots that failed
 *   every retry), and per parameter path its statistics, inverse roots and grafting moments;
 * - `state[1]`: the momentum's `{ trace }` (`{}` without momentum);
 * - `state[2]`: the weight decay's (`{}`, or `{ inner: {} }` with a weightDecayMask);
 * - `state[3]`: the learning rate's `{ count }`.
 */
export type ShampooOptimizerState = [shampoo: ShampooState, momentum: TraceState | EmptyState, weightDecay: AddDecayedWeightsState, learningRate: CountState];

const OWN_OPTIONS = ['learningRate', 'momentum', 'nesterov', 'weightDecay', 'weightDecayMask'];

/** Checks `shampoo`'s options under its own names; returns the resolved preconditioner options. */
function checkShampooOptions(options: ShampooOptions): ResolvedShampooOptions {
  const owner = 'shampoo';
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new BasinError(`${owner}: options must be an object with a learningRate, got ${describeValue(options)}`);
  }
  checkOptions(owner, options, [...OWN_OPTIONS, ...SCALE_BY_SHAMPOO_OPTIONS]);
  const { learningRate, momentum, nesterov = false, weightDecay = 0, weightDecayMask, ...rest } = options;
  checkScalarOrSchedule(owner, 'learningRate', learningRate);
  if (momentum !== undefined) checkNumber(owner, 'momentum', momentum, { min: 0, max: 1, maxExclusive: true });
  checkBoolean(owner, 'nesterov', nesterov);
  checkNumber(owner, 'weightDecay', weightDecay, { min: 0 });
  if (weightDecayMask !== undefined) checkedMask(owner, 'weightDecayMask', weightDecayMask);
  return resolveShampooOptions(owner, rest);
}

const guardedShampoo = publicTransform('shampoo', function shampoo(options: ShampooOptions): Transform<ShampooOptimizerState> {
  const resolved = checkShampooOptions(options);
  const { learningRate, momentum, nesterov = false, weightDecay = 0, weightDecayMask } = options;
  const inner = chain(
    makeScaleByShampoo('shampoo', resolved),
    momentum === undefined ? identity() : trace({ decay: momentum, nesterov }),
    weightDecay === 0
      ? identity()
      : addDecayedWeights({ weightDecay, mask: weightDecayMask === undefined ? undefined : checkedMask('shampoo', 'weightDecayMask', weightDecayMask) }),
    scaleByLearningRate(learningRate),
  );
  return {
    ...inner,
    // A building block that fails (a mask that does not fit) leaves nothing behind.
    init: (params) => tf.tidy(() => inner.init(params) as unknown as tf.TensorContainer) as unknown as ShampooOptimizerState,
    update: (updates, state, params, extras) => {
      // Checked before the preconditioner runs, so nothing is computed for nothing.
      if (weightDecay !== 0 && (params === undefined || params === null)) {
        throw new BasinError(`shampoo: update needs the params for weightDecay (call update(updates, state, params)), got ${params}`);
      }
      return inner.update(updates, state, params, extras);
    },
  };
});

/**
 * Shampoo as a named optimizer:
 * `chain(scaleByShampoo(o), trace({ decay: momentum, nesterov }), addDecayedWeights(o), scaleByLearningRate(lr))`.
 * Weight decay is decoupled from the preconditioner and the momentum (Loshchilov & Hutter 2019).
 * The state is that chain's array (`ShampooOptimizerState`); its first entry is the `ShampooState`:
 * `state[0].rootFailures` counts the roots that failed every retry.
 *
 * ```ts
 * const opt = shampoo({ learningRate: 1e-3, momentum: 0.9, grafting: 'rmsprop', updateEvery: 10 });
 * let state = opt.init(params);
 * ```
 */
export function shampoo(options: ShampooOptions): Transform<ShampooOptimizerState> {
  const t = guardedShampoo(options);
  if (t.name !== 'shampoo') return t;
  return withShampooStateCheck('shampoo', t, (s) => (Array.isArray(s) ? s[0] : undefined), checkShampooOptions(options));
}
