import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from './errors';
import { entryPoint } from './entry/entry-point';
import { fusedKernelAvailable, runFusedKernel } from './fused/dispatch';
import { BASIN_GLOBAL_NORM, BASIN_SCALED_ADD, type GlobalNormKernelAttrs, type ScaledAddKernelAttrs } from './fused/kernels';

/** A nested structure of leaves: the leaf itself, an array of trees, or a record of trees. */
export type TreeOf<L> = L | readonly TreeOf<L>[] | { readonly [key: string]: TreeOf<L> };

/** A parameter tree: tensors in nested records and arrays, like a JAX pytree. */
export type Tree = TreeOf<tf.Tensor>;

/** One leaf of a flattened tree, with its path (`dense.kernel`, `layers[0].bias`). */
export interface TreeLeaf<L = tf.Tensor> {
  path: string;
  leaf: L;
}

export function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

function isRecord(x: unknown): x is { readonly [key: string]: unknown } {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !isTensor(x);
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** Shows a path to users: the root is spelled `<root>` so messages never show an empty name. */
export function describePath(path: string): string {
  return path === '' ? '<root>' : `'${path}'`;
}

/**
 * Record keys in Basin's canonical order: sorted (JavaScript's default string order, which is
 * JAX's order for the ASCII keys trees use). Leaves are paired by path, never by insertion
 * order, so `{a, b}` and `{b, a}` flatten alike.
 */
export function sortedKeys(record: object): string[] {
  return Object.keys(record).sort();
}

/**
 * Leaves of a tree in the canonical order (arrays by index, record keys sorted as JAX sorts a
 * dict's keys), with their paths. `isLeaf` decides what counts as a leaf; by default tensors do.
 * `what` names the tree in the error for a node that is none of leaf, array or record.
 */
export function treeLeaves<L = tf.Tensor>(
  tree: TreeOf<L>,
  isLeaf: (x: unknown) => boolean = isTensor,
  what = 'tree leaf',
): TreeLeaf<L>[] {
  const out: TreeLeaf<L>[] = [];
  const visit = (node: unknown, path: string): void => {
    if (isLeaf(node)) {
      out.push({ path, leaf: node as L });
    } else if (Array.isArray(node)) {
      node.forEach((child, i) => visit(child, childPath(path, i)));
    } else if (isRecord(node)) {
      for (const key of sortedKeys(node)) visit(node[key], childPath(path, key));
    } else {
      throw new BasinError(`${what} at ${describePath(path)} is ${describeValue(node)}; expected a tensor, an array or a record`);
    }
  };
  visit(tree, '');
  return out;
}

/** Just the leaves, in `treeLeaves` order. */
export function treeFlatten<L = tf.Tensor>(tree: TreeOf<L>, isLeaf: (x: unknown) => boolean = isTensor): L[] {
  return treeLeaves(tree, isLeaf).map((entry) => entry.leaf);
}

/**
 * Rebuilds a tree with the structure of `like`, taking new leaves in `treeLeaves` (canonical)
 * order; records keep the key order of `like`.
 */
export function treeUnflatten<L, M>(
  like: TreeOf<L>,
  leaves: readonly M[],
  isLeaf: (x: unknown) => boolean = isTensor,
): TreeOf<M> {
  let next = 0;
  const build = (node: unknown): TreeOf<M> => {
    if (isLeaf(node)) {
      if (next >= leaves.length) throw new BasinError(`treeUnflatten: got ${leaves.length} leaves, the tree needs more`);
      return leaves[next++];
    }
    if (Array.isArray(node)) return node.map(build);
    const out: { [key: string]: TreeOf<M> } = {};
    // defineProperty, not assignment: a key named '__proto__' must stay an own key.
    const set = (key: string, value: unknown) => Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    for (const key of Object.keys(node as object)) set(key, undefined); // keeps like's key order
    for (const key of sortedKeys(node as object)) set(key, build((node as Record<string, unknown>)[key]));
    return out;
  };
  const result = build(like);
  if (next !== leaves.length) {
    throw new BasinError(`treeUnflatten: got ${leaves.length} leaves, the tree has ${next}`);
  }
  return result;
}

export function describeValue(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (isTensor(x)) return `a tensor of shape [${x.shape.join(', ')}]`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === 'object') return `a record with keys {${Object.keys(x).join(', ')}}`;
  return `${typeof x} ${String(x)}`;
}

/**
 * Checks that `other` has the same structure as `reference` (same record keys, array lengths,
 * and tensor shapes) and throws an error naming the first difference. `names` label the two
 * trees in the message, e.g. `['params', 'updates']`.
 */
export function assertSameStructure(
  reference: Tree,
  other: Tree,
  names: readonly [string, string] = ['first tree', 'second tree'],
  options: { checkShapes?: boolean } = {},
): void {
  const checkShapes = options.checkShapes ?? true;
  const [a, b] = names;
  const visit = (x: unknown, y: unknown, path: string): void => {
    if (isTensor(x)) {
      if (!isTensor(y)) {
        throw new BasinError(`${b} does not match ${a} at ${describePath(path)}: expected a tensor of shape [${x.shape.join(', ')}], got ${describeValue(y)}`);
      }
      if (checkShapes && !tf.util.arraysEqual(x.shape, y.shape)) {
        throw new BasinError(`${b} does not match ${a} at ${describePath(path)}: expected shape [${x.shape.join(', ')}], got [${y.shape.join(', ')}]`);
      }
      return;
    }
    if (Array.isArray(x)) {
      if (!Array.isArray(y) || y.length !== x.length) {
        throw new BasinError(`${b} does not match ${a} at ${describePath(path)}: expected an array of length ${x.length}, got ${describeValue(y)}`);
      }
      x.forEach((child, i) => visit(child, y[i], childPath(path, i)));
      return;
    }
    if (isRecord(x)) {
      if (!isRecord(y)) {
        throw new BasinError(`${b} does not match ${a} at ${describePath(path)}: expected ${describeValue(x)}, got ${describeValue(y)}`);
      }
      const xKeys = sortedKeys(x);
      const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
      const missing = xKeys.filter((k) => !has(y, k));
      const extra = sortedKeys(y).filter((k) => !has(x, k));
      if (missing.length > 0 || extra.length > 0) {
        const parts = [];
        if (missing.length > 0) parts.push(`missing {${missing.join(', ')}}`);
        if (extra.length > 0) parts.push(`unexpected {${extra.join(', ')}}`);
        throw new BasinError(`${b} does not match ${a} at ${describePath(path)}: ${parts.join(', ')}`);
      }
      for (const key of xKeys) visit(x[key], y[key], childPath(path, key));
      return;
    }
    throw new BasinError(`${a} at ${describePath(path)} is ${describeValue(x)}; expected a tensor, an array or a record`);
  };
  visit(reference, other, '');
}

/**
 * Maps `fn` over the leaves of one or more trees of the same structure (checked; the error names
 * the path). The result has the structure of the first tree.
 */
export const treeMap = entryPoint('treeMap', function treeMap<R extends tf.Tensor = tf.Tensor>(
  fn: (...leaves: tf.Tensor[]) => R,
  tree: Tree,
  ...rest: Tree[]
): TreeOf<R> {
  rest.forEach((other, i) => assertSameStructure(tree, other, ['tree 0', `tree ${i + 1}`]));
  const restLeaves = rest.map((other) => treeFlatten(other));
  const leaves = treeFlatten(tree);
  const out: R[] = [];
  try {
    leaves.forEach((leaf, i) => out.push(fn(leaf, ...restLeaves.map((ls) => ls[i]))));
  } catch (e) {
    // Results for earlier leaves are ours until returned: a failing leaf must not leak them.
    disposeReplaced(out, tree, ...rest);
    throw e;
  }
  return treeUnflatten(tree, out);
});

/** Maps over leaves with their paths; used where the path decides what to do (masks, labels). */
export const treeMapWithPath = entryPoint('treeMapWithPath', function treeMapWithPath<R>(fn: (leaf: tf.Tensor, path: string) => R, tree: Tree): TreeOf<R> {
  const entries = treeLeaves(tree);
  return treeUnflatten(tree, entries.map((e) => fn(e.leaf, e.path)));
});

export const treeAdd = entryPoint('treeAdd', (a: Tree, b: Tree): Tree => treeMap((x, y) => tf.add(x, y), a, b));
export const treeSub = entryPoint('treeSub', (a: Tree, b: Tree): Tree => treeMap((x, y) => tf.sub(x, y), a, b));
/** A live float32 tensor (what the fused kernels take; anything else runs the composed ops). */
const isLiveFloat = (x: tf.Tensor | undefined): x is tf.Tensor => x !== undefined && x.dtype === 'float32' && !x.isDisposed;

/**
 * `[addend +] x * factor` in one kernel where the backend has one (src/fused), else as the
 * composed ops `tf.add(addend, tf.mul(x, factor))`, whose float32 rounding the kernel repeats.
 */
function scaledAdd(x: tf.Tensor, factor: number | tf.Scalar, addend: tf.Tensor | undefined, fused: boolean): tf.Tensor {
  const factorOk = typeof factor === 'number' || (isLiveFloat(factor) && factor.rank === 0);
  const addendOk = addend === undefined || (isLiveFloat(addend) && tf.util.arraysEqual(addend.shape, x.shape));
  if (fused && isLiveFloat(x) && factorOk && addendOk) {
    const attrs: ScaledAddKernelAttrs = { scale: typeof factor === 'number' ? factor : 0 };
    return runFusedKernel(BASIN_SCALED_ADD, { x, factor: typeof factor === 'number' ? undefined : factor, addend }, attrs)[0];
  }
  return addend === undefined ? tf.mul(x, factor) : tf.tidy(() => tf.add(addend, tf.mul(x, factor)));
}

export const treeScale = entryPoint('treeScale', (tree: Tree, factor: number | tf.Scalar): Tree => {
  const fused = fusedKernelAvailable(BASIN_SCALED_ADD);
  return treeMap((x) => scaledAdd(x, factor, undefined, fused), tree);
});
/** `a + factor * b`, leaf by leaf (one fused kernel per leaf where the backend has it). */
export const treeAddScaled = entryPoint('treeAddScaled', (a: Tree, b: Tree, factor: number | tf.Scalar): Tree => {
  const fused = fusedKernelAvailable(BASIN_SCALED_ADD);
  return treeMap((x, y) => scaledAdd(y, factor, x, fused), a, b);
});
export const treeZerosLike = entryPoint('treeZerosLike', (tree: Tree): Tree => treeMap((x) => tf.zerosLike(x), tree));
export const treeOnesLike = entryPoint('treeOnesLike', (tree: Tree): Tree => treeMap((x) => tf.onesLike(x), tree));
/** New tensors with the same values (cheap: TF.js shares the data until one side is written). */
export const treeClone = entryPoint('treeClone', (tree: Tree): Tree => treeMap((x) => tf.clone(x), tree));

/** Inner product of two trees, summed over all leaves. */
export const treeDot = entryPoint('treeDot', function treeDot(a: Tree, b: Tree): tf.Scalar {
  assertSameStructure(a, b, ['first tree', 'second tree']);
  return tf.tidy(() => {
    // Empty leaves add nothing, and tf.sum of one fails on WebGL: leave them out.
    const lb = treeFlatten(b);
    const products = treeFlatten(a).flatMap((x, i) => (x.size > 0 ? [tf.sum(tf.mul(x, lb[i]))] : []));
    if (products.length === 0) return tf.scalar(0);
    return tf.addN(products) as tf.Scalar;
  });
});

/** Sum of squares of all leaves. */
export function treeSumOfSquares(tree: Tree): tf.Scalar {
  return tf.tidy(() => {
    // Empty leaves add nothing, and tf.sum of one fails on WebGL: leave them out.
    const leaves = treeFlatten(tree).filter((x) => x.size > 0);
    if (leaves.length === 0) return tf.scalar(0);
    return tf.addN(leaves.map((x) => tf.sum(tf.square(x)))) as tf.Scalar;
  });
}

/**
 * The l2 norm of all leaves taken together (optax's `global_norm`): one reduction over the whole
 * tree where the backend has the fused kernel (src/fused), else a square and a sum per leaf.
 */
export function treeGlobalNorm(tree: Tree): tf.Scalar {
  const leaves = treeFlatten(tree);
  if (leaves.length > 0 && leaves.every(isLiveFloat) && fusedKernelAvailable(BASIN_GLOBAL_NORM)) {
    const attrs: GlobalNormKernelAttrs = { count: leaves.length };
    return runFusedKernel(BASIN_GLOBAL_NORM, Object.fromEntries(leaves.map((x, k) => [`x${k}`, x])), attrs)[0] as tf.Scalar;
  }
  return tf.tidy(() => tf.sqrt(treeSumOfSquares(tree)));
}

/** Number of scalar entries in the tree. */
export function treeSize(tree: Tree): number {
  return treeFlatten(tree).reduce((n, x) => n + x.size, 0);
}

/** One flat vector of all leaves, each leaf row-major, in `treeLeaves` order. */
export const treeToVector = entryPoint('treeToVector', function treeToVector(tree: Tree): tf.Tensor1D {
  return tf.tidy(() => {
    const leaves = treeFlatten(tree);
    if (leaves.length === 0) return tf.zeros([0]) as tf.Tensor1D;
    return tf.concat(leaves.map((x) => tf.reshape(x, [-1]))) as tf.Tensor1D;
  });
});

/** Inverse of `treeToVector`: splits `vector` into leaves shaped like those of `like`. */
export const treeFromVector = entryPoint('treeFromVector', function treeFromVector(vector: tf.Tensor, like: Tree): Tree {
  const leaves = treeFlatten(like);
  const total = leaves.reduce((n, x) => n + x.size, 0);
  if (vector.rank !== 1 || vector.size !== total) {
    throw new BasinError(`treeFromVector: vector has shape [${vector.shape.join(', ')}]; the tree needs a vector of length ${total}`);
  }
  const parts = leaves.length === 0 ? [] : tf.split(vector, leaves.map((x) => x.size));
  const shaped = parts.map((p, i) => tf.reshape(p, leaves[i].shape));
  tf.dispose(parts);
  return treeUnflatten(like, shaped);
});

/** Disposes every tensor in any nested structure (trees, states with numbers, undefined). */
export function treeDispose(tree: unknown): void {
  const visit = (node: unknown): void => {
    if (isTensor(node)) node.dispose();
    else if (Array.isArray(node)) node.forEach(visit);
    else if (isRecord(node)) Object.values(node).forEach(visit);
  };
  visit(tree);
}

/** Every tensor in any nested structure (used to dispose what a new state replaced). */
export function collectTensors(tree: unknown, into: Set<tf.Tensor> = new Set()): Set<tf.Tensor> {
  const visit = (node: unknown): void => {
    if (isTensor(node)) into.add(node);
    else if (Array.isArray(node)) node.forEach(visit);
    else if (isRecord(node)) Object.values(node).forEach(visit);
  };
  visit(tree);
  return into;
}

/** Disposes the tensors of `old` that do not appear in any of `keep` (identity, not value). */
export function disposeReplaced(old: unknown, ...keep: unknown[]): void {
  const kept = new Set<tf.Tensor>();
  keep.forEach((k) => collectTensors(k, kept));
  for (const t of collectTensors(old)) if (!kept.has(t)) t.dispose();
}
