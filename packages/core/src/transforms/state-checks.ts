import { BasinError } from '../errors';
import { assertSameStructure, Tree } from '../tree';

/** Checks that incoming updates match a per-parameter state tree, with the transform's name. */
export function assertUpdatesMatch(owner: string, stateTree: Tree, updates: Tree, stateName: string): void {
  try {
    assertSameStructure(stateTree, updates, [stateName, 'updates']);
  } catch (e) {
    throw new BasinError(`${owner}: ${(e as Error).message}`);
  }
}

/** Transforms that read the params (weight decay, ASAM, Muon scaling) need them. */
export function requireParams(owner: string, params: Tree | undefined, updates: Tree): Tree {
  if (params === undefined) {
    throw new BasinError(`${owner}: update needs params (call update(updates, state, params))`);
  }
  try {
    assertSameStructure(updates, params, ['updates', 'params']);
  } catch (e) {
    throw new BasinError(`${owner}: ${(e as Error).message}`);
  }
  return params;
}
