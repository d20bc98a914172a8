// Argument checks shared by @basin/hessian's entry points. Each throws a BasinError that starts
// with the public name (`owner`) and names the parameter or tree path and what was expected.
import * as tf from '@tensorflow/tfjs-core';
import { assertSameStructure, BasinError, describePath, describeValue, isTensor, Tree, TreeLeaf, treeLeaves } from '@basin/core';

/** What a value is, for messages (functions by name, everything else as core describes it). */
export function describeGot(value: unknown): string {
  if (typeof value === 'function') return `the function ${(value as { name?: string }).name || '(anonymous)'}`;
  if (typeof value === 'string') return `'${value}'`;
  return describeValue(value);
}

/** An options argument: undefined gives `{}`; anything but a plain record is refused. */
export function optionsRecord<O extends object>(owner: string, options: O | undefined, name = 'options'): O {
  if (options === undefined) return {} as O;
  if (typeof options !== 'object' || options === null || Array.isArray(options) || isTensor(options)) {
    throw new BasinError(`${owner}: ${name} must be a record of options (or undefined), got ${describeGot(options)}`);
  }
  return options;
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
 * insertion order), array lengths and shapes. The error names the first difference.
 */
export function checkMatches(owner: string, reference: Tree, referenceName: string, tree: unknown, name: string): void {
  floatLeaves(owner, name, tree, { allowEmpty: true });
  try {
    assertSameStructure(reference, tree as Tree, [referenceName, name]);
  } catch (e) {
    throw new BasinError(`${owner}: ${(e as Error).message}`);
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

/** Something with a `matvec` function and a positive integer `size` (a `LinearOperator`). */
export function checkOperator(owner: string, op: unknown): void {
  const o = op as { matvec?: unknown; size?: unknown } | null | undefined;
  if (typeof o !== 'object' || o === null || typeof o.matvec !== 'function') {
    throw new BasinError(`${owner}: op must be a linear operator with size > 0 and a matvec function (e.g. hessian(objective)), got ${describeGot(op)}`);
  }
  if (typeof o.size !== 'number' || !Number.isInteger(o.size) || o.size <= 0) {
    throw new BasinError(`${owner}: operator must have size > 0 (an integer) and a matvec function (e.g. hessian(objective)), got size ${describeGot(o.size)}`);
  }
}

/**
 * `op.matvec` that checks what it returns: a float32 vector of length `op.size` (an operator
 * written by hand can get this wrong). A wrong result is disposed before the error.
 */
export function checkedMatvec(op: { size: number; matvec(v: tf.Tensor1D): tf.Tensor1D }): (v: tf.Tensor1D) => tf.Tensor1D {
  return (v) => {
    const out = op.matvec(v) as unknown;
    if (!isTensor(out) || out.rank !== 1 || out.size !== op.size || out.dtype !== 'float32') {
      const got = describeGot(out);
      if (isTensor(out) && out !== v) out.dispose();
      throw new BasinError(`op.matvec must return a new float32 vector of length ${op.size}, got ${isTensor(out) ? `${got} of dtype ${out.dtype}` : got}`);
    }
    return out as tf.Tensor1D;
  };
}

/** Something with the methods of an `Objective` (from `functionObjective` or `modelObjective`). */
export function checkObjective(owner: string, objective: unknown): void {
  const o = objective as Record<string, unknown> | null | undefined;
  const ok =
    typeof o === 'object' &&
    o !== null &&
    typeof o.loss === 'function' &&
    typeof o.valueAndGrad === 'function' &&
    typeof o.exactHvp === 'function' &&
    o.params !== undefined &&
    o.params !== null;
  if (!ok) {
    throw new BasinError(`${owner}: objective must be an Objective from functionObjective(loss, params, data) or modelObjective(model, options), got ${describeGot(objective)}`);
  }
  // The base point belongs to the caller: it must still be alive.
  floatLeaves(owner, 'objective.params', (o as { params: unknown }).params);
}

/** A progress callback: undefined or a function. */
export function checkProgress(owner: string, onProgress: unknown): void {
  checkFn(owner, 'onProgress', onProgress, 'a function', true);
}
