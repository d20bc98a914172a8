// Input checks of @basin/muon that only Muon needs (internal: not exported). The checks it
// shares with other packages (options, tensors, shapes, masks) come from @basin/core.
import * as tf from '@tensorflow/tfjs-core';
import { BasinError, describePath, runEntryPoint, treeLeaves, type Extras, type Transform, type Tree } from '@basin/core';

/**
 * Checks, by path, that the updates are the parameters a state was made for (`expected`: each
 * path's shape), so a missing, extra or renamed key, another nesting or another shape is named
 * in plain words before anything runs. Updates that are not a tree of tensors are left to the
 * guard behind, which reports them.
 */
export function checkUpdatesByPath(owner: string, updates: unknown, expected: ReadonlyMap<string, readonly number[]>): void {
  let leaves: { path: string; leaf: tf.Tensor }[];
  try {
    leaves = treeLeaves(updates as Tree, undefined, 'updates');
  } catch {
    return;
  }
  const list = (paths: readonly string[]): string => (paths.length === 0 ? 'none' : paths.map(describePath).join(', '));
  const statePaths = [...expected.keys()].sort();
  const updatePaths = leaves.map((e) => e.path);
  const given = new Set(updatePaths);
  const missing = statePaths.filter((p) => !given.has(p));
  const extra = updatePaths.filter((p) => !expected.has(p));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`no update for ${list(missing)}`);
    if (extra.length > 0) parts.push(`updates for ${list(extra)}, which the state has no entry for`);
    throw new BasinError(
      `${owner}: the updates do not match the params this state was made for: ${parts.join('; ')} ` +
        `(the state has ${list(statePaths)}; the updates have ${list(updatePaths)})`,
    );
  }
  for (const { path, leaf } of leaves) {
    const shape = expected.get(path) as readonly number[];
    if (!tf.util.arraysEqual(leaf.shape, shape as number[])) {
      throw new BasinError(`${owner}: updates at ${describePath(path)} have shape [${leaf.shape.join(', ')}]; the state was made for shape [${shape.join(', ')}] there`);
    }
  }
}

/** The paths and shapes of the tensors of a per-parameter state tree (`mu`), or undefined if it is not one. */
export function pathShapes(tree: unknown): Map<string, number[]> | undefined {
  try {
    return new Map(treeLeaves(tree as Tree).map((e) => [e.path, [...e.leaf.shape]]));
  } catch {
    return undefined;
  }
}

/**
 * Wraps the guarded transform the user holds so that `update` first checks the updates against
 * the paths and shapes its state was made for (`expectedOf` reads them from the state, or gives
 * undefined for a state it does not recognise, which the guard behind then reports).
 */
export function withPathCheck<S>(name: string, guarded: Transform<S>, expectedOf: (state: unknown) => ReadonlyMap<string, readonly number[]> | undefined): Transform<S> {
  return {
    ...guarded,
    update: (updates: Tree, state: S, params?: Tree, extras?: Extras) =>
      runEntryPoint(
        name,
        () => {
          const expected = expectedOf(state);
          if (expected) checkUpdatesByPath(name, updates, expected);
          return guarded.update(updates, state, params, extras);
        },
        true,
      ),
  };
}
