import * as tf from '@tensorflow/tfjs-core';
import { BasinError, describePath, describeValue, entryPoint, treeLeaves, treeUnflatten, type Tree, type TreeOf } from '@basin/core';

/** Which branch of `muon()` a parameter goes to. */
export type MuonLabel = 'muon' | 'adam';

/**
 * Parameters to keep out of Muon although they are matrices (embeddings, output heads): path
 * strings (exact), regular expressions tested against the path, or a predicate.
 */
export type MuonExclude = readonly (string | RegExp)[] | ((path: string, leaf: tf.Tensor) => boolean);

function excluder(exclude: MuonExclude | undefined): (path: string, leaf: tf.Tensor) => boolean {
  if (exclude === undefined) return () => false;
  if (typeof exclude === 'function') {
    return (path, leaf) => {
      let answer: unknown;
      try {
        answer = exclude(path, leaf);
      } catch (e) {
        throw new BasinError(`muon: exclude threw for the leaf ${describePath(path)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      if (typeof answer !== 'boolean') {
        throw new BasinError(`muon: exclude must return true or false, got ${describeValue(answer)} for the leaf ${describePath(path)}`);
      }
      return answer;
    };
  }
  if (!Array.isArray(exclude)) {
    throw new BasinError(`muon: exclude must be an array of path strings or RegExps, or a function (path, leaf) => boolean; got ${describeValue(exclude)}`);
  }
  const bad = exclude.findIndex((e) => typeof e !== 'string' && !(e instanceof RegExp));
  if (bad >= 0) {
    throw new BasinError(`muon: exclude[${bad}] is ${describeValue(exclude[bad])}; exclude must be an array of path strings or RegExps, or a function (path, leaf) => boolean`);
  }
  // A RegExp with the g or y flag keeps state between test() calls: test with a stateless copy.
  const tests = exclude.map((e) => (typeof e === 'string' ? e : new RegExp(e.source, e.flags.replace(/[gy]/g, ''))));
  return (path) => tests.some((e) => (typeof e === 'string' ? e === path : e.test(path)));
}

/**
 * The default labelling of `muon()`: matrices and conv kernels (rank >= 2) go to Muon, other
 * leaves (biases, norm gains, scalars) and the excluded ones to AdamW. Paths are core's
 * (`dense.kernel`, `layers[0].bias`; for a `ModelTrainer`, the weight names).
 */
export const muonLabels = entryPoint('muonLabels', function muonLabels(params: Tree, exclude?: MuonExclude): TreeOf<MuonLabel> {
  const isExcluded = excluder(exclude);
  if (params === undefined || params === null) throw new BasinError(`muonLabels: params must be a tree of tensors, got ${params}`);
  const leaves = treeLeaves(params, undefined, 'params');
  return treeUnflatten(params, leaves.map(({ leaf, path }): MuonLabel => (leaf.rank >= 2 && !isExcluded(path, leaf) ? 'muon' : 'adam')));
});

/** Checks an `exclude` option at construction (the labels themselves need the params). */
export function checkExclude(exclude: MuonExclude | undefined): void {
  excluder(exclude);
}
