import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import type { StateOf, Transform } from '../transform';
import { checkTransform } from '../validate';
import { disposeReplaced, Tree, treeUnflatten } from '../tree';
import { LabelSpec, labelsForLeaves, selectLeaves } from './leaf-labels';
import { assertUpdatesMatch } from '../transforms/state-checks';
import { publicTransform } from '../entry/public-transform';

/** The state of `partition(transforms, labels)`: each label's transform's state, under that label. */
export type PartitionState<T extends Record<string, Transform<any>>> = { [K in keyof T]: StateOf<T[K]> };

/**
 * Sends each parameter to the transform of its label (optax's `partition`, formerly
 * `multi_transform`). Labels are a tree of strings shaped like the params, or a function of
 * the params returning one. Each branch sees a flat record `{ path: leaf }` of just its
 * leaves, so it keeps state only for them. State: `{ [label]: branchState }`.
 */
export const partition = publicTransform('partition', function partition<T extends Record<string, Transform<any>>>(
  transforms: T,
  labels: LabelSpec<string>,
): Transform<PartitionState<T>> {
  const owner = 'partition';
  if (typeof transforms !== 'object' || transforms === null) throw new BasinError(`${owner}: transforms must be a record { label: transform }, got ${String(transforms)}`);
  const names = Object.keys(transforms);
  for (const name of names) checkTransform(owner, `transforms['${name}']`, transforms[name]);
  const resolve = (tree: Tree) => {
    const r = labelsForLeaves(owner, 'labels', labels, tree, (x) => typeof x === 'string');
    const unknown = [...new Set(r.labels)].filter((l) => !(l in transforms));
    if (unknown.length > 0) {
      throw new BasinError(`${owner}: labels ${unknown.map((l) => `'${l}'`).join(', ')} have no transform (known: ${names.join(', ')})`);
    }
    return r;
  };
  return {
    init: (params) => {
      const { leaves, labels: ls } = resolve(params);
      return Object.fromEntries(names.map((name) => [name, transforms[name].init(selectLeaves(leaves, ls, name))])) as PartitionState<T>;
    },
    update: (updates, state, params, extras) => {
      if (params !== undefined) assertUpdatesMatch(owner, params, updates, 'params');
      const { leaves, labels: ls } = resolve(params ?? updates);
      const updateLeaves = resolve(updates).leaves;
      const paramLeaves = params ? leaves : undefined;
      const outByPath = new Map<string, tf.Tensor>();
      const nextState: Record<string, unknown> = {};
      try {
        for (const name of names) {
          const sub = selectLeaves(updateLeaves, ls, name);
          const subParams = paramLeaves ? selectLeaves(paramLeaves, ls, name) : undefined;
          const [out, s] = transforms[name].update(sub, (state as Record<string, unknown>)[name], subParams, extras);
          nextState[name] = s;
          for (const [path, leaf] of Object.entries(out as Record<string, tf.Tensor>)) outByPath.set(path, leaf);
        }
      } catch (e) {
        // Only what this step made: a branch may hand back tensors of the caller's state.
        disposeReplaced([[...outByPath.values()], nextState], updates, state, params);
        throw e;
      }
      return [treeUnflatten(updates, updateLeaves.map((e) => outByPath.get(e.path) as tf.Tensor)), nextState as PartitionState<T>];
    },
  };
});
