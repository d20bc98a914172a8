import * as tf from '@tensorflow/tfjs-core';
import { isTensor } from '../tree';

/**
 * The structure of an optimizer state, without its values: record keys, array lengths, tensor
 * shapes and dtypes, and which entries are numbers, strings or booleans. A transform's `init`
 * fixes it for a given params tree, so a state of another structure was made by another
 * transform or for another model.
 */
export type StateStructure =
  | { kind: 'tensor'; shape: number[]; dtype: tf.DataType }
  | { kind: 'number' | 'string' | 'boolean' | 'function' | 'any' }
  | { kind: 'array'; items: StateStructure[] }
  | { kind: 'record'; entries: Record<string, StateStructure> };

export function stateStructure(state: unknown): StateStructure {
  if (isTensor(state)) return { kind: 'tensor', shape: [...state.shape], dtype: state.dtype };
  if (state === null || state === undefined) return { kind: 'any' };
  if (Array.isArray(state)) return { kind: 'array', items: state.map(stateStructure) };
  const type = typeof state;
  if (type === 'number' || type === 'string' || type === 'boolean' || type === 'function') return { kind: type };
  const entries: Record<string, StateStructure> = {};
  for (const key of Object.keys(state as object)) entries[key] = stateStructure((state as Record<string, unknown>)[key]);
  return { kind: 'record', entries };
}

/** The structure `init` gives for some params; every tensor it made is released at once. */
export function initStructure(init: () => unknown): StateStructure | undefined {
  let structure: StateStructure | undefined;
  try {
    tf.tidy(() => {
      structure = stateStructure(init());
    });
  } catch {
    return undefined; // a transform whose init cannot run on these updates checks its state itself
  }
  return structure;
}

function describe(s: StateStructure): string {
  switch (s.kind) {
    case 'tensor':
      return `a ${s.dtype} tensor of shape [${s.shape.join(', ')}]`;
    case 'array':
      return `an array of length ${s.items.length}`;
    case 'record':
      return `a record with keys {${Object.keys(s.entries).join(', ')}}`;
    case 'any':
      return 'nothing';
    default:
      return `a ${s.kind}`;
  }
}

function childPath(parent: string, key: string | number): string {
  return typeof key === 'number' ? `${parent}[${key}]` : `${parent}.${key}`;
}

/**
 * The first place where `actual` differs from the `expected` structure, as a sentence, or
 * undefined when it fits. Entries that `init` leaves empty (null) accept anything.
 */
export function structureMismatch(expected: StateStructure, actual: StateStructure, path = 'state'): string | undefined {
  if (expected.kind === 'any') return undefined;
  const differs = () => `at ${path} expected ${describe(expected)}, got ${describe(actual)}`;
  if (expected.kind !== actual.kind) return differs();
  switch (expected.kind) {
    case 'tensor': {
      const a = actual as typeof expected;
      return tf.util.arraysEqual(expected.shape, a.shape) && expected.dtype === a.dtype ? undefined : differs();
    }
    case 'array': {
      const a = actual as typeof expected;
      if (a.items.length !== expected.items.length) return differs();
      for (let i = 0; i < expected.items.length; i++) {
        const m = structureMismatch(expected.items[i], a.items[i], childPath(path, i));
        if (m) return m;
      }
      return undefined;
    }
    case 'record': {
      const a = actual as typeof expected;
      const keys = Object.keys(expected.entries);
      const missing = keys.filter((k) => !(k in a.entries));
      const extra = Object.keys(a.entries).filter((k) => !(k in expected.entries));
      if (missing.length > 0 || extra.length > 0) {
        const parts = [];
        if (missing.length > 0) parts.push(`missing {${missing.join(', ')}}`);
        if (extra.length > 0) parts.push(`unexpected {${extra.join(', ')}}`);
        return `at ${path} ${parts.join(', ')} (expected keys {${keys.join(', ')}})`;
      }
      for (const k of keys) {
        const m = structureMismatch(expected.entries[k], a.entries[k], childPath(path, k));
        if (m) return m;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Why `state` cannot be `transform`'s state for `params` (a sentence), or undefined when its
 * structure is the one `transform.init(params)` gives. Used where a state arrives from outside
 * the transform, such as a restored checkpoint.
 */
export function stateMismatch(transform: { init(params: never): unknown }, params: unknown, state: unknown): string | undefined {
  const expected = initStructure(() => transform.init(params as never));
  return expected && structureMismatch(expected, stateStructure(state));
}
