import * as tf from '@tensorflow/tfjs-core';
import { Tree, treeDot, treeGlobalNorm, treeUnflatten, treeFlatten } from '@basin/core';
import { VectorRandom } from './random';
import { take } from './linalg/vectors';

/** A tree of standard normal entries shaped like `like`. */
export function gaussianTree(like: Tree, random: VectorRandom): Tree {
  return treeUnflatten(like, treeFlatten(like).map((x) => tf.tensor(random.gaussianArray(x.size), x.shape, 'float32')));
}

export const treeNormValue = (t: Tree): number => take(treeGlobalNorm(t));
export const treeDotValue = (a: Tree, b: Tree): number => take(treeDot(a, b));
