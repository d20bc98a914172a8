import * as tf from '@tensorflow/tfjs-core';
import type { Extras, Transform } from '../transform';
import { BasinError } from '../errors';
import { assertSameStructure, describePath, Tree, TreeLeaf, treeLeaves } from '../tree';
import { insideEntryPoint, runEntryPoint } from './entry-point';
import { initStructure, StateStructure, stateStructure, structureMismatch } from './state-structure';

// Which public transform made each state object (for messages; a restored checkpoint has none).
const makers = new WeakMap<object, string>();

function remember(state: unknown, name: string): void {
  if (typeof state === 'object' && state !== null) makers.set(state, name);
}

/** The public transform that made `state` (by `init` or `update`), when known. */
export function stateMaker(state: unknown): string | undefined {
  return typeof state === 'object' && state !== null ? makers.get(state) : undefined;
}

/** Leaves of a params or updates tree, refusing anything but float32 tensors. */
function floatLeaves(owner: string, what: string, tree: Tree): TreeLeaf[] {
  const leaves = treeLeaves(tree, undefined, what);
  for (const { path, leaf } of leaves) {
    if (leaf.isDisposed) throw new BasinError(`${owner}: ${what} at ${describePath(path)} is a disposed tensor`);
    if (leaf.dtype !== 'float32') {
      throw new BasinError(`${owner}: ${what} at ${describePath(path)} has dtype ${leaf.dtype}; expected float32 (cast it with tf.cast(x, 'float32'))`);
    }
  }
  return leaves;
}

/**
 * Wraps a transform the user holds so that every call checks its input before anything is
 * computed or disposed, and every error names the transform the user built:
 * - params and updates are trees of float32 tensors, params shaped like the updates;
 * - the state exists and has the structure this transform's `init` gives for these updates
 *   (a state made by another transform, or for another model, is refused and, when known, the
 *   transform that made it is named);
 * - errors from the building blocks inside are relabelled with `name`.
 */
export function guardTransform<S>(name: string, inner: Transform<S>): Transform<S> {
  // Expected state structure per updates structure: computed once with `init`, then reused.
  const expected = new Map<string, StateStructure | undefined>();
  const expectedFor = (updates: Tree, leaves: TreeLeaf[]): StateStructure | undefined => {
    const key = leaves.map((e) => `${e.path}:${e.leaf.shape.join('x')}`).join(';');
    if (!expected.has(key)) expected.set(key, initStructure(() => inner.init(updates)));
    return expected.get(key);
  };
  const guarded: Transform<S> = {
    ...inner,
    name,
    init: (params) =>
      runEntryPoint(name, () => {
        if (params === undefined || params === null) throw new BasinError(`${name}: init needs the params tree, got ${params}`);
        floatLeaves(name, 'params', params);
        // In a tidy scope: if a later piece's init throws, what the earlier pieces made is freed.
        const state = tf.tidy(() => inner.init(params) as tf.TensorContainer) as S;
        remember(state, name);
        return state;
      }, true),
    update: (updates, state, params, extras?: Extras) =>
      runEntryPoint(name, () => {
        if (updates === undefined || updates === null) throw new BasinError(`${name}: update needs the updates (gradients) tree, got ${updates}`);
        const leaves = floatLeaves(name, 'updates', updates);
        if (state === undefined || state === null) {
          throw new BasinError(`${name}: state is ${state}; pass the state from ${name}'s init(params), then the one each update returns`);
        }
        if (params !== undefined && params !== null) {
          floatLeaves(name, 'params', params);
          assertSameStructure(params, updates, ['params', 'updates']);
        }
        const maker = stateMaker(state);
        if (maker !== undefined && maker !== name) {
          // Same keys and shapes can still be another algorithm's state (scaleByRms's and scaleByAdam's).
          throw new BasinError(`${name}: the state was made by ${maker}, not by ${name}; pass the state from this ${name}'s init(params)`);
        }
        const structure = expectedFor(updates, leaves);
        const mismatch = structure && structureMismatch(structure, stateStructure(state));
        if (mismatch) {
          const origin = maker === undefined ? '' : maker === name ? ` (it was made by ${name}, for other params or with other options)` : ` (it was made by ${maker})`;
          throw new BasinError(`${name}: the state does not belong to this ${name} and these updates: ${mismatch}${origin}`);
        }
        const [out, next] = inner.update(updates, state, params ?? undefined, extras);
        remember(next, name);
        return [out, next] as [Tree, S];
      }, true),
  };
  return guarded;
}

/**
 * Declares a public transform factory. Called by the user, it returns a guarded transform (see
 * `guardTransform`); called while another Basin entry point builds its own pieces (`sgd` making
 * a `trace`), it returns the plain transform, whose errors the outer one labels.
 */
export function publicTransform<F extends (...args: any[]) => Transform<any>>(name: string, factory: F): F {
  const wrapped = function (this: unknown, ...args: unknown[]) {
    const outermost = !insideEntryPoint();
    const transform = runEntryPoint(name, () => factory.apply(this, args));
    return outermost ? guardTransform(name, transform) : transform;
  };
  Object.defineProperty(wrapped, 'name', { value: factory.name || name });
  return wrapped as F;
}
