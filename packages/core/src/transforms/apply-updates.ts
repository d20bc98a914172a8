import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import { assertSameStructure, Tree, treeMap } from '../tree';
import { entryPoint } from '../entry/entry-point';

/** `params + updates`, leaf by leaf, as new tensors (the inputs are left alone). */
export const applyUpdates = entryPoint('applyUpdates', function applyUpdates(params: Tree, updates: Tree): Tree {
  try {
    assertSameStructure(params, updates, ['params', 'updates']);
  } catch (e) {
    throw new BasinError(`applyUpdates: ${(e as Error).message}`);
  }
  return treeMap((p, u) => tf.tidy(() => tf.add(p, p.dtype === u.dtype ? u : tf.cast(u, p.dtype))), params, updates);
});
