import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import type { Microbatch } from '../transform';
import { describePath, Tree, treeLeaves, treeUnflatten } from '../tree';
import { checkNumber } from '../validate';
import { entryPoint } from '../entry/entry-point';

/**
 * Rows `[start, end)` of microbatch `index` when `size` rows are cut into `count` consecutive
 * slices. Sizes differ by at most one: when `count` does not divide `size`, the first
 * `size % count` slices get one extra row (as numpy's `array_split`), so no row is dropped.
 */
export const microbatchRange = entryPoint('microbatchRange', function microbatchRange(size: number, { index, count }: Microbatch): [number, number] {
  checkNumber('microbatch', 'count', count, { min: 1, max: size, integer: true });
  checkNumber('microbatch', 'index', index, { min: 0, max: count - 1, integer: true });
  const base = Math.floor(size / count);
  const extra = size % count;
  const start = index * base + Math.min(index, extra);
  return [start, start + base + (index < extra ? 1 : 0)];
});

/** The number of rows a batch tree has (its leaves' shared first dimension). */
export const batchSize = entryPoint('batchSize', function batchSize(batch: Tree): number {
  const leaves = treeLeaves(batch);
  if (leaves.length === 0) throw new BasinError('batch has no tensors');
  const n = leaves[0].leaf.shape[0];
  for (const { path, leaf } of leaves) {
    if (leaf.rank === 0 || leaf.shape[0] !== n) {
      throw new BasinError(`batch leaves must share their first dimension: ${describePath(leaves[0].path)} has ${n} rows, ${describePath(path)} has shape [${leaf.shape.join(', ')}]`);
    }
  }
  return n;
});

/** Slices every leaf of a batch tree to one microbatch (new tensors the caller owns). */
export const sliceBatch = entryPoint('sliceBatch', function sliceBatch(batch: Tree, microbatch: Microbatch): Tree {
  const [start, end] = microbatchRange(batchSize(batch), microbatch);
  const leaves = treeLeaves(batch).map(({ leaf }) => tf.slice(leaf, start, end - start));
  return treeUnflatten(batch, leaves);
});
