import * as tf from '@tensorflow/tfjs-core';
import { BasinError, treeMapWithPath, type Tree, type TreeOf } from '@basin/core';

/** Which branch of `muon()` a parameter goes to. */
export type MuonLabel = 'muon' | 'adam';

/**
 * Parameters to keep out of Muon although they are matrices (embeddings, output heads): path
 * strings (exact), regular expressions tested against the path, or a predicate.
 */
export type MuonExclude = readonly (string | RegExp)[] | ((path: string, leaf: tf.Tensor) => boolean);

function excluder(exclude: MuonExclude | undefined): (path: string, leaf: tf.Tensor) => boolean {
  if (exclude === undefined) return () => false;
  if (typeof exclude === 'function') return exclude;
  if (!Array.isArray(exclude) || !exclude.every((e) => typeof e === 'string' || e instanceof RegExp)) {
    throw new BasinError('muon: exclude must be an array of path strings or RegExps, or a function (path, leaf) => boolean');
  }
  return (path) => exclude.some((e) => (typeof e === 'string' ? e === path : e.test(path)));
}

/**
 * The default labelling of `muon()`: matrices and conv kernels (rank >= 2) go to Muon, other
 * leaves (biases, norm gains, scalars) and the excluded ones to AdamW. Paths are core's
 * (`dense.kernel`, `layers[0].bias`; for a `ModelTrainer`, the weight names).
 */
export function muonLabels(params: Tree, exclude?: MuonExclude): TreeOf<MuonLabel> {
  const isExcluded = excluder(exclude);
  return treeMapWithPath<MuonLabel>((leaf, path) => (leaf.rank >= 2 && !isExcluded(path, leaf) ? 'muon' : 'adam'), params);
}

/** Checks an `exclude` option at construction (the labels themselves need the params). */
export function checkExclude(exclude: MuonExclude | undefined): void {
  excluder(exclude);
}
