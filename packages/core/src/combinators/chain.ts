import type { Extras, StateOf, Transform } from '../transform';
import { BasinError } from '../errors';
import { checkTransform } from '../validate';
import { disposeReplaced, Tree, treeClone, treeDispose } from '../tree';
import { publicTransform } from '../entry/public-transform';

/**
 * The state of `chain(...transforms)`: one entry per transform, in order. For transforms
 * passed one by one it is a tuple (`chain(scaleByAdam(), scaleByLearningRate(lr))` keeps
 * `[AdamState, CountState]`); for an array spread into `chain` it is an array of the union of
 * their states.
 */
export type ChainState<T extends readonly Transform<any>[]> = { -readonly [K in keyof T]: StateOf<T[K]> };

/**
 * Applies transforms in order, each to the updates of the one before (optax's `chain`).
 * The state is an array with one entry per transform (see `ChainState`).
 */
export const chain = publicTransform('chain', function chain<T extends readonly Transform<any>[]>(...transforms: T): Transform<ChainState<T>> {
  transforms.forEach((t, i) => checkTransform('chain', `transform ${i}`, t));
  return {
    // The arrays hold one state per transform, in order: what ChainState<T> says.
    init: (params) => transforms.map((t) => t.init(params)) as ChainState<T>,
    update: (updates, state, params, extras) => {
      const [out, states] = runInOrder(transforms, updates, state as readonly unknown[], params, extras);
      return [out, states as ChainState<T>];
    },
  };
});

/** Like `chain`, with a name for each transform: the state is a record keyed by those names. */
export const namedChain = publicTransform('namedChain', function namedChain(...entries: [name: string, transform: Transform<any>][]): Transform<Record<string, unknown>> {
  entries.forEach((entry, i) => {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') {
      throw new BasinError(`namedChain: argument ${i} must be a [name, transform] pair such as ['adam', adam({ learningRate: 1e-3 })], got ${entry === undefined ? 'undefined' : Array.isArray(entry) ? `an array of length ${entry.length}` : typeof entry}`);
    }
  });
  const names = entries.map(([name]) => name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new BasinError(`namedChain: two transforms are named '${duplicate}'`);
  const transforms = entries.map(([, t]) => t);
  entries.forEach(([name, t]) => checkTransform('namedChain', `transform '${name}'`, t));
  return {
    init: (params) => Object.fromEntries(entries.map(([name, t]) => [name, t.init(params)])),
    update: (updates, state, params, extras) => {
      const [out, states] = runInOrder(transforms, updates, names.map((n) => state[n]), params, extras);
      return [out, Object.fromEntries(names.map((n, i) => [n, states[i]]))];
    },
  };
});

/**
 * Runs transforms in sequence. Intermediate updates belong to the chain and are disposed as
 * soon as the next transform has consumed them; if one throws, nothing it made is kept.
 */
function runInOrder(
  transforms: readonly Transform<any>[],
  updates: Tree,
  states: readonly unknown[],
  params: Tree | undefined,
  extras: Extras | undefined,
): [Tree, unknown[]] {
  let current = updates;
  const next: unknown[] = [];
  try {
    transforms.forEach((t, i) => {
      const [out, s] = t.update(current, states[i], params, extras);
      if (current !== updates) treeDispose(current);
      current = out;
      next.push(s);
    });
  } catch (e) {
    // Dispose only what this step made: a transform may hand back tensors of the caller's
    // state (a stateless one returns its state as it came), and those stay the caller's.
    disposeReplaced([current === updates ? undefined : current, next], updates, states, params);
    throw e;
  }
  // An empty chain still hands back fresh tensors, as every transform must.
  return [current === updates ? treeClone(updates) : current, next];
}
