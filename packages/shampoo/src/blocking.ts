import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, entryPoint, checkShape } from '@basin/core';

/**
 * Merges adjacent dimensions while their product stays at most `maxDim`, and drops size-1
 * dimensions (as `merge_small_dims` in Anil et al.'s Shampoo code): a conv kernel
 * `[3, 3, 64, 128]` becomes `[576, 128]` with `maxDim` 1024, so it gets two preconditioners
 * instead of four small ones. A tensor with two or more dimensions longer than 1 is never
 * merged into a vector (vectors only get a diagonal preconditioner here): its last such
 * dimension stays apart. A tensor with no dimension longer than 1 becomes `[1]`.
 */
export const mergeSmallDims = entryPoint('mergeSmallDims', function mergeSmallDims(shape: readonly number[], maxDim: number): number[] {
  checkShape('mergeSmallDims', 'shape', shape, 1);
  checkNumber('mergeSmallDims', 'maxDim', maxDim, { min: 1, integer: true });
  return mergeDims(shape, maxDim);
});

/** `mergeSmallDims` without the checks, for plans built from validated options. */
export function mergeDims(shape: readonly number[], maxDim: number): number[] {
  const dims = shape.filter((d) => d !== 1);
  if (dims.length === 0) return [1];
  const greedy = (ds: readonly number[]): number[] => {
    const out: number[] = [];
    let product = 1;
    for (const d of ds) {
      if (product * d <= maxDim) {
        product *= d;
      } else {
        if (product > 1) out.push(product);
        product = d;
      }
    }
    if (product > 1) out.push(product);
    return out;
  };
  const merged = greedy(dims);
  if (merged.length >= 2 || dims.length < 2) return merged;
  return [...greedy(dims.slice(0, -1)), dims[dims.length - 1]];
}

/** Drops size-1 dimensions only (what is left when merging is turned off); `[1]` if none is left. */
export function squeezeDims(shape: readonly number[]): number[] {
  const dims = shape.filter((d) => d !== 1);
  return dims.length === 0 ? [1] : dims;
}

/** Sizes of the blocks along one dimension: `[128, 128, 44]` for 300 with block size 128. */
export const blockSizes = entryPoint('blockSizes', function blockSizes(dim: number, blockSize: number): number[] {
  checkNumber('blockSizes', 'dim', dim, { min: 1, integer: true });
  if (blockSize !== Infinity) checkNumber('blockSizes', 'blockSize', blockSize, { min: 1, integer: true });
  return blockLengths(dim, blockSize);
});

/** `blockSizes` without the checks. */
export function blockLengths(dim: number, blockSize: number): number[] {
  if (!Number.isFinite(blockSize) || dim <= blockSize) return [dim];
  const sizes: number[] = [];
  for (let start = 0; start < dim; start += blockSize) sizes.push(Math.min(blockSize, dim - start));
  return sizes;
}

/** How a (merged) tensor is cut into blocks: the block sizes along each dimension. */
export interface BlockGrid {
  /** `sizes[axis]` lists the block lengths along that axis. */
  sizes: number[][];
}

export function blockGrid(shape: readonly number[], blockSize: number): BlockGrid {
  return { sizes: shape.map((d) => blockLengths(d, blockSize)) };
}

/** Shapes of the blocks in row-major grid order (the order `splitBlocks` returns them). */
export function blockShapes(grid: BlockGrid): number[][] {
  let shapes: number[][] = [[]];
  for (const sizes of grid.sizes) shapes = shapes.flatMap((prefix) => sizes.map((s) => [...prefix, s]));
  return shapes;
}

/**
 * Cuts `x` into blocks along every axis whose grid has more than one block (Anil et al. 2020,
 * section 4: block partitioning keeps preconditioner sizes bounded). Row-major grid order.
 * Call inside `tf.tidy`: the intermediate slices are left to it.
 */
export function splitBlocks(x: tf.Tensor, grid: BlockGrid): tf.Tensor[] {
  const visit = (t: tf.Tensor, axis: number): tf.Tensor[] => {
    if (axis === grid.sizes.length) return [t];
    const sizes = grid.sizes[axis];
    const parts = sizes.length > 1 ? tf.split(t, sizes, axis) : [t];
    return parts.flatMap((part) => visit(part, axis + 1));
  };
  return visit(x, 0);
}

/** Inverse of `splitBlocks`. Call inside `tf.tidy`. */
export function joinBlocks(blocks: readonly tf.Tensor[], grid: BlockGrid): tf.Tensor {
  const visit = (bs: readonly tf.Tensor[], axis: number): tf.Tensor => {
    if (axis === grid.sizes.length) return bs[0];
    const count = grid.sizes[axis].length;
    const chunk = bs.length / count;
    const parts = Array.from({ length: count }, (_, i) => visit(bs.slice(i * chunk, (i + 1) * chunk), axis + 1));
    return parts.length > 1 ? tf.concat(parts, axis) : parts[0];
  };
  return visit(blocks, 0);
}
