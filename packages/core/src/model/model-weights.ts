import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import { entryPoint } from '../entry/entry-point';
import { isTensor, Tree, treeLeaves } from '../tree';
import { checkModel, describeGot, LayersModelLike, LayerVariableLike } from './layers-model-like';

// Trees of a model's weights and the model's own weights, matched one to one. A tree is either a
// record keyed by weight name, matched BY NAME whatever its key order (never by leaf position:
// a record's leaves come in sorted-key order, not the model's), or an array in the model's weight
// order, as `modelWeights` gives (two instances of one architecture get different
// auto-generated names, so the endpoints of a curve between them are arrays).

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isTensor(value);
}

function checkWeights(owner: string, weights: unknown, name: string): readonly LayerVariableLike[] {
  if (!Array.isArray(weights) || weights.some((w) => typeof w !== 'object' || w === null || typeof w.read !== 'function' || typeof w.write !== 'function')) {
    throw new BasinError(`${owner}: ${name} must be an array of model weights (e.g. model.trainableWeights), got ${describeGot(weights)}`);
  }
  return weights;
}

/**
 * Copies of a model's trainable weights, in `model.trainableWeights` order: the endpoint tree of a
 * curve between LayersModels. (Arrays, not records keyed by weight name, because two instances of
 * one architecture get different auto-generated names.) The caller owns the copies.
 */
export const modelWeights = entryPoint('modelWeights', function modelWeights(model: LayersModelLike): tf.Tensor[] {
  checkModel('modelWeights', model);
  return model.trainableWeights.map((w) => tf.clone(w.read()));
});

/** Copies of a model's non-trainable weights (BatchNorm moving statistics), in order. */
export const modelStatistics = entryPoint('modelStatistics', function modelStatistics(model: LayersModelLike): tf.Tensor[] {
  checkModel('modelStatistics', model);
  return model.nonTrainableWeights.map((w) => tf.clone(w.read()));
});

/**
 * The tensors of `tree` in the order of `weights`, checked one to one (count, shapes, dtypes).
 * A tree of the model's weights is either an array (nested arrays allowed) in `weights` order, as
 * `modelWeights` gives, or a record keyed by weight name, matched by name whatever its key order.
 * A record keyed otherwise is refused: its leaf order (sorted keys) need not be the model's.
 */
export function leavesInWeightOrder(tree: unknown, weights: readonly LayerVariableLike[], owner: string, treeName: string): tf.Tensor[] {
  if (isTensor(tree)) throw new BasinError(`${owner}: ${treeName} must be an array of tensors in model weight order (as modelWeights gives) or a record keyed by weight name, got ${describeGot(tree)}`);
  const names = weights.map((w) => w.name);
  if (isRecord(tree)) {
    const missing = names.filter((n) => !Object.prototype.hasOwnProperty.call(tree, n));
    const extra = Object.keys(tree).filter((k) => !names.includes(k)).sort();
    if (missing.length || extra.length) {
      throw new BasinError(
        `${owner}: ${treeName} is a record, so its keys are matched to the model's weight names: ${missing.length ? `missing {${missing.join(', ')}}` : ''}${missing.length && extra.length ? ', ' : ''}${extra.length ? `unexpected {${extra.join(', ')}}` : ''} (or pass an array in model weight order, as modelWeights gives)`,
      );
    }
    const byName = names.map((n) => (tree as Record<string, unknown>)[n]);
    byName.forEach((leaf, i) => {
      if (!isTensor(leaf)) throw new BasinError(`${owner}: ${treeName} at '${names[i]}' must be a tensor, got ${describeGot(leaf)}`);
    });
    checkShapes(owner, treeName, byName as tf.Tensor[], weights, names, names);
    return byName as tf.Tensor[];
  }
  if (!Array.isArray(tree)) throw new BasinError(`${owner}: ${treeName} must be an array of tensors in model weight order (as modelWeights gives) or a record keyed by weight name, got ${describeGot(tree)}`);
  const leaves = treeLeaves(tree as Tree, undefined, treeName);
  const nested = leaves.find((e) => !/^(\[\d+\])+$/.test(e.path));
  if (nested) {
    throw new BasinError(`${owner}: ${treeName} has a record inside (at '${nested.path}'); pass an array of tensors in model weight order (as modelWeights gives) or a record keyed by weight name`);
  }
  if (leaves.length !== weights.length) {
    throw new BasinError(`${owner}: ${treeName} has ${leaves.length} tensors but the model has ${weights.length} trainable weights (${names.join(', ')})`);
  }
  checkShapes(owner, treeName, leaves.map((e) => e.leaf), weights, names, leaves.map((e) => e.path));
  return leaves.map((e) => e.leaf);
}

/** Shapes and dtypes of `tensors` against the weights, one to one; the error names the weight and the tree path. */
function checkShapes(owner: string, treeName: string, tensors: tf.Tensor[], weights: readonly LayerVariableLike[], names: string[], paths: string[]): void {
  weights.forEach((w, i) => {
    const current = w.read();
    const got = tensors[i];
    const where = `weight ${i} '${names[i]}' (tree path '${paths[i]}')`;
    if (got.isDisposed) throw new BasinError(`${owner}: ${treeName} at ${where} is a disposed tensor`);
    if (!tf.util.arraysEqual(current.shape, got.shape)) {
      throw new BasinError(`${owner}: ${treeName} does not match the model at ${where}: expected shape [${current.shape.join(', ')}], got [${got.shape.join(', ')}]`);
    }
    if (got.dtype !== current.dtype) {
      throw new BasinError(`${owner}: ${treeName} does not match the model at ${where}: expected dtype ${current.dtype}, got ${got.dtype}`);
    }
  });
}

/**
 * A tree shaped like `like` (an array in weight order, or a record keyed by weight name) holding
 * `tensors`, which are given in `weights` order. A record keeps the key order of `like`.
 */
export function treeInWeightLayout(like: Tree, weights: readonly LayerVariableLike[], tensors: tf.Tensor[]): Tree {
  if (isRecord(like)) {
    const index = new Map(weights.map((w, i) => [w.name, i]));
    return Object.fromEntries(Object.keys(like).map((k) => [k, tensors[index.get(k) as number]]));
  }
  let next = 0;
  const build = (node: unknown): unknown => (Array.isArray(node) ? node.map(build) : tensors[next++]);
  return build(like) as Tree;
}

/**
 * Writes a tree of tensors into `weights` (the variables share the data; no copy): an array in
 * `weights` order (as `modelWeights` and `modelStatistics` give) or a record keyed by weight name.
 * Everything is checked before the first write, so a bad tree changes nothing.
 */
export const writeWeights = entryPoint('writeWeights', function writeWeights(weights: readonly LayerVariableLike[], tree: Tree | readonly tf.Tensor[]): void {
  checkWeights('writeWeights', weights, 'weights');
  const values = leavesInWeightOrder(tree, weights, 'writeWeights', 'tree');
  weights.forEach((w, i) => w.write(values[i]));
});

/**
 * Runs `fn` with the model's weights and non-trainable statistics as they are, then puts back what
 * was there before, whatever `fn` wrote. Nothing leaks.
 */
export const withSavedWeights = entryPoint('withSavedWeights', function withSavedWeights<R>(model: LayersModelLike, fn: () => R): R {
  checkModel('withSavedWeights', model);
  if (typeof fn !== 'function') throw new BasinError(`withSavedWeights: fn must be a function, got ${describeGot(fn)}`);
  const saved = model.trainableWeights.map((w) => tf.clone(w.read()));
  const savedStats = model.nonTrainableWeights.map((w) => tf.clone(w.read()));
  try {
    return fn();
  } finally {
    model.trainableWeights.forEach((w, i) => w.write(saved[i]));
    model.nonTrainableWeights.forEach((w, i) => w.write(savedStats[i]));
    tf.dispose([...saved, ...savedStats]);
  }
});
