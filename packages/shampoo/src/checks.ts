// Input checks shared by the public functions of @basin/shampoo (internal: not exported).
import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, describePath, describeValue, treeLeaves, type LabelSpec, type Tree, type TreeOf } from '@basin/core';

/** Checks that `options` is an object (or undefined) whose keys are all known, so a misspelt option never falls back to a default. */
export function checkOptions(owner: string, options: unknown, known: readonly string[], what = 'options'): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new BasinError(`${owner}: ${what} must be an object, got ${describeValue(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new BasinError(
      `${owner}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (known: ${known.join(', ')})`,
    );
  }
  return options as Record<string, unknown>;
}

export function checkBoolean(owner: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new BasinError(`${owner}: ${name} must be true or false, got ${describeValue(value)}`);
  return value;
}

/** A tensor argument of a public function: alive, float32, and of the rank asked for. */
export function checkFloatTensor(owner: string, name: string, value: unknown): tf.Tensor {
  if (!(value instanceof tf.Tensor)) throw new BasinError(`${owner}: ${name} must be a tensor, got ${describeValue(value)}`);
  if (value.isDisposed) throw new BasinError(`${owner}: ${name} is a disposed tensor`);
  if (value.dtype !== 'float32') {
    throw new BasinError(`${owner}: ${name} has dtype ${value.dtype}; expected float32 (cast it with tf.cast(x, 'float32'))`);
  }
  return value;
}

/** A shape: an array of integers (sizes >= `min`). */
export function checkShape(owner: string, name: string, shape: unknown, min = 0): number[] {
  if (!Array.isArray(shape)) throw new BasinError(`${owner}: ${name} must be an array of dimension sizes, got ${describeValue(shape)}`);
  shape.forEach((d, i) => checkNumber(owner, `${name}[${i}]`, d, { min, integer: true }));
  return shape as number[];
}

/**
 * The leaves of a params or updates tree with their paths, refusing two leaves with one path
 * (`{ 'a.b': x, a: { b: y } }`): per-parameter state is keyed by path.
 */
export function uniqueLeaves(owner: string, what: string, tree: Tree): { path: string; leaf: tf.Tensor }[] {
  const leaves = treeLeaves(tree, undefined, what);
  const seen = new Set<string>();
  for (const { path } of leaves) {
    if (seen.has(path)) {
      throw new BasinError(`${owner}: two leaves of the ${what} have the path ${describePath(path)} (a record key containing '.' or '[' spells a nested path); rename one`);
    }
    seen.add(path);
  }
  return leaves;
}

/** The booleans of a mask tree with their paths (core's path spelling), refusing anything else. */
function booleanLeaves(owner: string, option: string, mask: unknown): { path: string; leaf: boolean }[] {
  const out: { path: string; leaf: boolean }[] = [];
  const visit = (node: unknown, path: string): void => {
    if (typeof node === 'boolean') out.push({ path, leaf: node });
    else if (Array.isArray(node)) node.forEach((child, i) => visit(child, `${path}[${i}]`));
    else if (node !== null && typeof node === 'object' && !(node instanceof tf.Tensor)) {
      for (const key of Object.keys(node).sort()) visit((node as Record<string, unknown>)[key], path === '' ? key : `${path}.${key}`);
    } else {
      throw new BasinError(`${owner}: ${option} at ${describePath(path)} is ${describeValue(node)}; expected true or false`);
    }
  };
  visit(mask, '');
  return out;
}

/**
 * Wraps a boolean mask option so that it is checked against the tree it is applied to by path,
 * and any mismatch names the option the user gave (`weightDecayMask`), not the building block's.
 */
export function checkedMask(owner: string, option: string, spec: LabelSpec<boolean>): (tree: Tree) => TreeOf<boolean> {
  if (typeof spec !== 'function' && (spec === null || typeof spec !== 'object')) {
    throw new BasinError(`${owner}: ${option} must be a tree of booleans shaped like the params, or a function of the params returning one; got ${describeValue(spec)}`);
  }
  return (tree: Tree) => {
    const leaves = treeLeaves(tree);
    let mask: TreeOf<boolean>;
    try {
      mask = typeof spec === 'function' ? (spec as (p: Tree) => TreeOf<boolean>)(tree) : spec;
    } catch (e) {
      throw new BasinError(`${owner}: ${option} threw: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const labelled = booleanLeaves(owner, option, mask);
    const byPath = new Map(labelled.map((e) => [e.path, e.leaf]));
    const known = new Set(leaves.map((e) => e.path));
    const missing = leaves.filter((e) => !byPath.has(e.path)).map((e) => describePath(e.path));
    const extra = labelled.filter((e) => !known.has(e.path)).map((e) => describePath(e.path));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [];
      if (missing.length > 0) parts.push(`no entry for ${missing.join(', ')}`);
      if (extra.length > 0) parts.push(`entries for params that do not exist: ${extra.join(', ')}`);
      throw new BasinError(`${owner}: ${option} does not match the params (${parts.join('; ')})`);
    }
    // Keyed by the tree's own paths, so the mask pairs with it leaf by leaf whatever its nesting.
    return Object.fromEntries(leaves.map((e) => [e.path, byPath.get(e.path) as boolean])) as TreeOf<boolean>;
  };
}
