import { BasinError, describePath, describeValue, isTensor, runEntryPoint, treeLeaves } from '@basin/core';
import type { Transform, Tree } from '@basin/core';

function describeGot(value: unknown): string {
  if (typeof value === 'function') {
    const name = (value as { name?: string }).name || '(anonymous)';
    return `the function ${name} (call it to make a transform, e.g. ${name}({ learningRate: 0.1 }))`;
  }
  return describeValue(value);
}

/**
 * Checks that `base` is a Basin transform (an object with `init` and `update`), for the
 * transforms that wrap one; `owner` names the caller in the error.
 */
export function checkBaseTransform<S>(owner: string, base: Transform<S>): Transform<S> {
  return runEntryPoint(owner, () => {
    const t = base as { init?: unknown; update?: unknown } | null | undefined;
    if (typeof t !== 'object' || t === null || typeof t.init !== 'function' || typeof t.update !== 'function') {
      throw new BasinError(`${owner}: base must be a Basin transform (with init and update), got ${describeGot(base)}`);
    }
    return base;
  });
}

/** An options argument: undefined gives `{}`; anything but a plain record is refused. */
export function optionsRecord<O extends object>(owner: string, options: O | undefined, example: string): O {
  if (options === undefined) return {} as O;
  if (typeof options !== 'object' || options === null || Array.isArray(options) || isTensor(options)) {
    throw new BasinError(`${owner}: options must be a record such as ${example}, got ${typeof options === 'function' ? 'a function' : describeValue(options)}`);
  }
  return options;
}

/** Leaves of a params or gradient tree, refusing anything but live float32 tensors (the error names the path). */
export function checkFloatTree(owner: string, what: string, tree: Tree): void {
  if (tree === undefined || tree === null) throw new BasinError(`${owner}: ${what} must be a tree of float32 tensors, got ${tree}`);
  for (const { path, leaf } of treeLeaves(tree, undefined, what)) {
    if (leaf.isDisposed) throw new BasinError(`${owner}: ${what} at ${describePath(path)} is a disposed tensor`);
    if (leaf.dtype !== 'float32') {
      throw new BasinError(`${owner}: ${what} at ${describePath(path)} has dtype ${leaf.dtype}; expected float32 (cast it with tf.cast(x, 'float32'))`);
    }
  }
}

/** Checks that no tensor of an optimizer state was disposed (core's check, exported here as before). */
export { checkStateTensors } from '@basin/core';

/** The step count of a SAM-family state: a non-negative integer (a schedule is evaluated at it). */
export function checkStateCount(owner: string, count: unknown): number {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new BasinError(`${owner}: state.count must be an integer >= 0, got ${describeValue(count)}; pass the state from init or the last update`);
  }
  return count;
}
