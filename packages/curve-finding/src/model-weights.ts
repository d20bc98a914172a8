import * as tf from '@tensorflow/tfjs-core';
import { BasinError, Tree, treeLeaves } from '@basin/core';

/**
 * A weight of a `tf.LayersModel` as this package needs it. Looser than core's `WeightLike`
 * (whose `read()` returns `tf.Variable`, which tfjs-layers' declared types do not satisfy), so a
 * `tf.LayersModel` fits without a cast.
 */
export interface WeightLike {
  readonly name: string;
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

/** What this package needs of a `tf.LayersModel` (any `tf.LayersModel` or `tf.Sequential` fits). */
export interface ModelLike {
  readonly trainableWeights: readonly WeightLike[];
  readonly nonTrainableWeights: readonly WeightLike[];
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: { training?: boolean }): unknown;
}

/**
 * Copies of a model's trainable weights, in `model.trainableWeights` order: the endpoint tree of a
 * curve between LayersModels. (Arrays, not records keyed by weight name, because two instances of
 * one architecture get different auto-generated names.) The caller owns the copies.
 */
export function modelWeights(model: ModelLike): tf.Tensor[] {
  if (!model || !Array.isArray(model.trainableWeights)) throw new BasinError('modelWeights: model must be a tf.LayersModel (it has no trainableWeights)');
  return model.trainableWeights.map((w) => tf.clone(w.read()));
}

/** Copies of a model's non-trainable weights (BatchNorm moving statistics), in order. */
export function modelStatistics(model: ModelLike): tf.Tensor[] {
  return model.nonTrainableWeights.map((w) => tf.clone(w.read()));
}

/**
 * Checks that the leaves of `tree` fit the variables `weights` one to one (count and shapes) and
 * throws a BasinError naming the first weight that does not.
 */
export function checkFitsWeights(tree: Tree, weights: readonly WeightLike[], owner: string, treeName: string): void {
  const leaves = treeLeaves(tree);
  if (leaves.length !== weights.length) {
    throw new BasinError(`${owner}: ${treeName} has ${leaves.length} tensors but the model has ${weights.length} trainable weights (${weights.map((w) => w.name).join(', ')})`);
  }
  weights.forEach((w, i) => {
    const expected = w.read().shape;
    const got = leaves[i].leaf.shape;
    if (!tf.util.arraysEqual(expected, got)) {
      throw new BasinError(`${owner}: ${treeName} does not match the model at weight ${i} '${w.name}' (tree path '${leaves[i].path}'): expected shape [${expected.join(', ')}], got [${got.join(', ')}]`);
    }
  });
}

/** Writes the leaves of `tree`, in order, into `weights` (the variables share the data; no copy). */
export function writeWeights(weights: readonly WeightLike[], tree: Tree | readonly tf.Tensor[]): void {
  const leaves = treeLeaves(tree as Tree);
  weights.forEach((w, i) => w.write(leaves[i].leaf));
}

/**
 * Runs `fn` with the model's weights (and, optionally, its non-trainable statistics) as they are,
 * then puts back what was there before, whatever `fn` wrote. Nothing leaks.
 */
export function withSavedWeights<R>(model: ModelLike, fn: () => R): R {
  const saved = model.trainableWeights.map((w) => tf.clone(w.read()));
  const savedStats = modelStatistics(model);
  try {
    return fn();
  } finally {
    writeWeights(model.trainableWeights, saved);
    writeWeights(model.nonTrainableWeights, savedStats);
    tf.dispose([...saved, ...savedStats]);
  }
}
