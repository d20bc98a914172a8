import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, describeValue, entryPoint, checkBoolean, checkShape } from '@basin/core';
import { BlockGrid, blockGrid, blockShapes, mergeDims, squeezeDims } from './blocking';
import { coupledNewtonRoot, InversePthRootOptions } from './inverse-pth-root';

/** A dimension's statistic: a full `n x n` matrix, or only its diagonal (`n` entries). */
export type FactorKind = 'full' | 'diagonal';

export interface BlockPlan {
  shape: number[];
  /** One statistic per dimension of the block. */
  kinds: FactorKind[];
}

/** How one parameter is preconditioned: merged shape, blocks, and the root's order. */
export interface LeafPlan {
  /** The parameter's own shape. */
  shape: number[];
  /** Shape after dropping size-1 dims and merging small ones. */
  merged: number[];
  grid: BlockGrid;
  blocks: BlockPlan[];
  /** `p` in `stat^(-1/p)`: twice the number of dimensions, so order-k tensors use `-1/(2k)`. */
  p: number;
}

export interface LayoutOptions {
  blockSize: number;
  maxPreconditionerDim: number;
  mergeSmallDims: boolean;
}

/**
 * Plans a parameter: size-1 dims are dropped and small ones merged, long dims are cut into
 * blocks, and each block dimension gets a full statistic unless it is longer than
 * `maxPreconditionerDim` or the tensor is a vector, which get a diagonal one.
 */
export const planLeaf = entryPoint('planLeaf', function planLeaf(shape: readonly number[], layout: LayoutOptions): LeafPlan {
  const owner = 'planLeaf';
  checkShape(owner, 'shape', shape, 1);
  if (layout === null || typeof layout !== 'object') {
    throw new BasinError(`${owner}: layout must be { blockSize, maxPreconditionerDim, mergeSmallDims }, got ${describeValue(layout)}`);
  }
  checkLayout(owner, layout, 'layout.');
  return planShape(shape, layout);
});

/** Checks layout options; `prefix` spells where they came from (`layout.` or nothing for options). */
export function checkLayout(owner: string, o: LayoutOptions, prefix = ''): LayoutOptions {
  if (o.blockSize !== Infinity) checkNumber(owner, `${prefix}blockSize`, o.blockSize, { min: 1, integer: true });
  checkNumber(owner, `${prefix}maxPreconditionerDim`, o.maxPreconditionerDim, { min: 1, integer: true });
  checkBoolean(owner, `${prefix}mergeSmallDims`, o.mergeSmallDims);
  return o;
}

/** `planLeaf` without the checks, for validated options. */
export function planShape(shape: readonly number[], o: LayoutOptions): LeafPlan {
  const mergeTo = Number.isFinite(o.blockSize) ? Math.min(o.blockSize, o.maxPreconditionerDim) : o.maxPreconditionerDim;
  const merged = o.mergeSmallDims ? mergeDims(shape, mergeTo) : squeezeDims(shape);
  const grid = blockGrid(merged, o.blockSize);
  const vector = merged.length === 1;
  const blocks = blockShapes(grid).map((s) => ({
    shape: s,
    kinds: s.map((d): FactorKind => (vector || d > o.maxPreconditionerDim ? 'diagonal' : 'full')),
  }));
  return { shape: [...shape], merged, grid, blocks, p: 2 * merged.length };
}

/** Moves `axis` to the front and flattens the rest: `[n_axis, rest]`. */
function unfold(x: tf.Tensor, axis: number): tf.Tensor2D {
  const n = x.shape[axis];
  if (axis === 0) return tf.reshape(x, [n, -1]);
  const perm = [axis, ...x.shape.map((_, i) => i).filter((i) => i !== axis)];
  return tf.reshape(tf.transpose(x, perm), [n, -1]);
}

/**
 * The contraction of a block with itself over every axis but `axis` (`G G^T` for axis 0 of a
 * matrix, `G^T G` for axis 1), or just its diagonal. Call inside `tf.tidy`.
 */
export function blockStatistic(block: tf.Tensor, axis: number, kind: FactorKind): tf.Tensor {
  const g = unfold(block, axis);
  return kind === 'full' ? tf.matMul(g, g, false, true) : tf.sum(tf.square(g), 1);
}

/** Identity roots (full) and ones (diagonal): the preconditioner before any root is taken. */
export function initialRoot(n: number, kind: FactorKind): tf.Tensor {
  return kind === 'full' ? tf.eye(n) : tf.ones([n]);
}

export function initialStatistic(n: number, kind: FactorKind): tf.Tensor {
  return kind === 'full' ? tf.zeros([n, n]) : tf.zeros([n]);
}

/**
 * Applies one root per axis: `L^(-1/4) G R^(-1/4)` for a matrix, and the same mode by mode for
 * order-k tensors. Each step contracts the leading axis and moves it last, so after k steps the
 * axes are back in order without any transpose. Call inside `tf.tidy`.
 */
export function preconditionBlock(block: tf.Tensor, roots: readonly tf.Tensor[], kinds: readonly FactorKind[]): tf.Tensor {
  let y = block;
  kinds.forEach((kind, i) => {
    const [n, ...rest] = y.shape;
    const x = tf.reshape(y, [n, -1]) as tf.Tensor2D;
    // x^T root: for a symmetric root this is (root x)^T, shape [rest, n].
    const z = kind === 'full' ? tf.matMul(x, roots[i] as tf.Tensor2D, true, false) : tf.mul(tf.transpose(x), roots[i]);
    y = tf.reshape(z, [...rest, n]);
  });
  return y;
}

export interface RootOptions extends Omit<InversePthRootOptions, 'ridgeEpsilon'> {
  /** The ridge of the first try. */
  epsilon: number;
  /** A root whose error `||M - I||_F` exceeds this (or is not finite) failed. */
  failureThreshold: number;
  /** Retries after a failure, each with the ridge multiplied by `retryRidgeFactor`. */
  retries: number;
  retryRidgeFactor: number;
}

/**
 * `(stat + eps I)^(-1/p)`, retrying with a larger ridge when the iteration fails; `undefined`
 * when every try failed (the caller keeps its previous root). Diagonal statistics take the
 * elementwise power, which cannot fail for finite input.
 */
export function computeRoot(stat: tf.Tensor, kind: FactorKind, p: number, o: RootOptions): tf.Tensor | undefined {
  if (kind === 'diagonal') return tf.tidy(() => tf.pow(tf.add(stat, o.epsilon), -1 / p));
  let ridge = o.epsilon;
  for (let attempt = 0; attempt <= o.retries; attempt++) {
    const { root, error } = coupledNewtonRoot(stat, p, { ...o, ridgeEpsilon: ridge });
    if (Number.isFinite(error) && error <= o.failureThreshold) return root;
    root.dispose();
    ridge *= o.retryRidgeFactor;
  }
  return undefined;
}
