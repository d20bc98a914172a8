import { BasinError } from '../errors';
import { assertSameStructure, describeValue, Tree } from '../tree';

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

/**
 * Checks that a factory's options argument is an options record, so `sgd(undefined)` is
 * refused under the factory's name instead of failing on a property read. `undefined` gives
 * `{}` where every option has a default (`optional`).
 */
export function checkOptions<O extends object>(owner: string, options: O | null | undefined, example: string, optional = false): O {
  if (options === undefined && optional) return {} as O;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new BasinError(`${owner}: options must be an options record such as ${example}, got ${describeValue(options)}`);
  }
  return options;
}
