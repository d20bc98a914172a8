// Argument checks shared by @basin/curve-finding's entry points. Each throws a BasinError that
// starts with the public name (`owner`) and names the parameter or tree path and what was expected.
import { assertSameStructure, BasinError, describePath, describeValue, isTensor, Tree, TreeLeaf, treeLeaves } from '@basin/core';

/** What a value is, for messages (functions by name, strings quoted, everything else as core describes it). */
export function describeGot(value: unknown): string {
  if (typeof value === 'function') return `the function ${(value as { name?: string }).name || '(anonymous)'}`;
  if (typeof value === 'string') return `'${value}'`;
  if (isTensor(value) && value.isDisposed) return 'a disposed tensor';
  return describeValue(value);
}

/** True for a plain record (not null, an array or a tensor). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isTensor(value);
}

/** An options argument: undefined gives `{}` (unless `required`); anything but a plain record is refused. */
export function optionsRecord<O extends object>(owner: string, options: O | undefined, example: string, required = false): O {
  if (options === undefined && !required) return {} as O;
  if (!isRecord(options)) throw new BasinError(`${owner}: options must be a record such as ${example}, got ${describeGot(options)}`);
  return options as O;
}

/** Leaves of a weight tree, refusing anything but live float32 tensors (the error names the path). */
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
 * Checks a weight tree against a reference: float32 leaves, the same record keys (in any insertion
 * order), array lengths and shapes. The error names the first difference.
 */
export function checkMatches(owner: string, reference: Tree, referenceName: string, tree: unknown, name: string, prefix = ''): void {
  floatLeaves(owner, name, tree, { allowEmpty: true });
  try {
    assertSameStructure(reference, tree as Tree, [referenceName, name]);
  } catch (e) {
    throw new BasinError(`${owner}: ${prefix}${(e as Error).message}`);
  }
}

/** A function argument (`undefined` allowed when `optional`). */
export function checkFn(owner: string, name: string, value: unknown, expected = 'a function', optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'function') throw new BasinError(`${owner}: ${name} must be ${expected}${optional ? ' or undefined' : ''}, got ${describeGot(value)}`);
}

/** One of a few string values (`undefined` gives the default). */
export function oneOf<T extends string>(owner: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const list = allowed.map((a) => `'${a}'`);
    const spelled = list.length === 2 ? `${list[0]} or ${list[1]}` : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
    throw new BasinError(`${owner}: ${name} must be ${spelled}, got ${describeGot(value)}`);
  }
  return value as T;
}

/** A boolean option (`undefined` gives the default). */
export function checkBoolean(owner: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new BasinError(`${owner}: ${name} must be true or false, got ${describeGot(value)}`);
  return value;
}

/** A live tensor with a first (row) dimension. */
export function checkRows(owner: string, name: string, value: unknown): void {
  if (!isTensor(value) || value.isDisposed) throw new BasinError(`${owner}: ${name} must be a tensor, got ${describeGot(value)}`);
  if (value.rank === 0) throw new BasinError(`${owner}: ${name} must have a first (row) dimension, got a scalar`);
}

/** `x` and `y` tensors with the same number of rows (at least one). */
export function checkXY(owner: string, x: unknown, y: unknown, names: [string, string] = ['x', 'y']): void {
  checkRows(owner, names[0], x);
  checkRows(owner, names[1], y);
  const [nx, ny] = [(x as { shape: number[] }).shape[0], (y as { shape: number[] }).shape[0]];
  if (nx !== ny) throw new BasinError(`${owner}: ${names[0]} has ${nx} rows but ${names[1]} has ${ny}`);
  if (nx === 0) throw new BasinError(`${owner}: ${names[0]} and ${names[1]} have no rows`);
}
