import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import { assertSameStructure, describePath, Tree, treeLeaves, treeMap } from '../tree';
import { entryPoint } from '../entry/entry-point';

/** `params + updates`, leaf by leaf, as new tensors (the inputs are left alone). */
export const applyUpdates = entryPoint('applyUpdates', function applyUpdates(params: Tree, updates: Tree): Tree {
  try {
    assertSameStructure(params, updates, ['params', 'updates']);
  } catch (e) {
    throw new BasinError(`applyUpdates: ${(e as Error).message}`);
  }
  for (const [what, tree] of [['params', params], ['updates', updates]] as const) {
    for (const { path, leaf } of treeLeaves(tree)) {
      if (leaf.isDisposed) throw new BasinError(`applyUpdates: ${what} at ${describePath(path)} is a disposed tensor`);
    }
  }
  return treeMap((p, u) => tf.tidy(() => tf.add(p, p.dtype === u.dtype ? u : tf.cast(u, p.dtype))), params, updates);
});
