// Argument checks shared by the entry points of Basin's packages (muon, shampoo, hessian,
// curve-finding, sam, variance-reduction). Each throws a BasinError that starts with the public name (`owner`) and names
// the parameter or tree path and what was expected; the wording is pinned by those packages' tests.
import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from './errors';
import { assertSameStructure, describePath, describeValue, isTensor, treeLeaves, type Tree, type TreeLeaf, type TreeOf } from './tree';
import type { LabelSpec } from './combinators/leaf-labels';
import { checkNumber } from './validate';

/** Describes a wrong value for the `got ...` end of a message. */
export type DescribeArgument = (value: unknown) => string;

/** What a value is, for messages: functions by name, strings quoted, everything else as `describeValue` says. */
export function describeArgument(value: unknown): string {
  if (typeof value === 'function') return `the function ${(value as { name?: string }).name || '(anonymous)'}`;
  if (typeof value === 'string') return `'${value}'`;
  return describeValue(value);
}

/** A function argument (`undefined` allowed when `optional`); `expected` words what it should be. */
export function checkFn(owner: string, name: string, value: unknown, expected = 'a function', optional = false, describe: DescribeArgument = describeArgument): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'function') throw new BasinError(`${owner}: ${name} must be ${expected}${optional ? ' or undefined' : ''}, got ${describe(value)}`);
}

/** One of a few string values (`undefined` gives `fallback`). */
export function oneOf<T extends string>(owner: string, name: string, value: unknown, allowed: readonly T[], fallback: T, describe: DescribeArgument = describeArgument): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const list = allowed.map((a) => `'${a}'`);
    const spelled = list.length === 2 ? `${list[0]} or ${list[1]}` : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
    throw new BasinError(`${owner}: ${name} must be ${spelled}, got ${describe(value)}`);
  }
  return value as T;
}

/** Leaves of a params-like tree, refusing anything but live float32 tensors (the error names the path). */
export function floatLeaves(owner: string, what: string, tree: unknown, { allowEmpty = false } = {}): TreeLeaf[] {
  if (tree === undefined || tree === null) throw new BasinError(`${owner}: ${what} must be a tree of float32 tensors, got ${tree}`);
  const leaves = treeLeaves(tree as Tree, undefined, what);
  for (const { path, leaf } of leaves) {
    if (leaf.isDisposed) throw new BasinError(`${owner}: ${what} at ${describePath(path)} is a disposed tensor`);
    if (leaf.dtype !== 'float32') {
      throw new BasinError(`${owner}: ${what} at ${describePath(path)} has dtype ${leaf.dtype}; expected float32 (cast it with tf.cast(x, 'float32'))`);
    }
  }
  if (!allowEmpty && leaves.length === 0) throw new BasinError(`${owner}: ${what} has no tensors`);
  return leaves;
}

/**
 * Checks a tree against a reference (`params`): float32 leaves, the same record keys (in any
 * insertion order), array lengths and shapes. The error names the first difference, after `prefix`.
 */
export function checkMatches(owner: string, reference: Tree, referenceName: string, tree: unknown, name: string, prefix = ''): void {
  floatLeaves(owner, name, tree, { allowEmpty: true });
  try {
    assertSameStructure(reference, tree as Tree, [referenceName, name]);
  } catch (e) {
    throw new BasinError(`${owner}: ${prefix}${(e as Error).message}`);
  }
}

/**
 * Checks that `options` is an object (or undefined, giving `{}`) whose keys are all `known`, so a
 * misspelt option never falls back to a default. `what` names the argument in the message.
 */
export function checkKnownOptions(owner: string, options: unknown, known: readonly string[], what = 'options'): Record<string, unknown> {
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

/** A tensor argument of a public function: alive and float32. */
export function checkFloatTensor(owner: string, name: string, value: unknown): tf.Tensor {
  if (!(value instanceof tf.Tensor)) throw new BasinError(`${owner}: ${name} must be a tensor, got ${describeValue(value)}`);
  if (value.isDisposed) throw new BasinError(`${owner}: ${name} is a disposed tensor`);
  if (value.dtype !== 'float32') {
    throw new BasinError(`${owner}: ${name} has dtype ${value.dtype}; expected float32 (cast it with tf.cast(x, 'float32'))`);
  }
  return value;
}

/** A shape: an array of integers (sizes >= `min`), each checked like `checkNumber`. */
export function checkShape(owner: string, name: string, shape: unknown, min = 0): number[] {
  if (!Array.isArray(shape)) throw new BasinError(`${owner}: ${name} must be an array of dimension sizes, got ${describeValue(shape)}`);
  shape.forEach((d, i) => checkNumber(owner, `${name}[${i}]`, d, { min, integer: true }));
  return shape as number[];
}

/**
 * The leaves of a params or updates tree with their paths, refusing two leaves with one path
 * (`{ 'a.b': x, a: { b: y } }`): per-parameter state keyed by path needs each path once.
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

/**
 * Checks that no tensor of an optimizer state was disposed (the usual cause: the state of an
 * earlier step, disposed after the next update, passed again). Names the first such path.
 */
export function checkStateTensors(owner: string, state: unknown): void {
  const visit = (node: unknown, path: string): void => {
    if (isTensor(node)) {
      if (node.isDisposed) {
        throw new BasinError(`${owner}: ${path} is a disposed tensor; pass the state the last update returned (and dispose only the one it replaced)`);
      }
    } else if (Array.isArray(node)) node.forEach((child, i) => visit(child, `${path}[${i}]`));
    else if (typeof node === 'object' && node !== null) {
      for (const key of Object.keys(node)) visit((node as Record<string, unknown>)[key], `${path}.${key}`);
    }
  };
  visit(state, 'state');
}
