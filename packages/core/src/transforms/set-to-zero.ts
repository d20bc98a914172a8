import type { Transform } from '../transform';
import { treeZerosLike } from '../tree';
import type { EmptyState } from './identity';

/** Replaces updates by zeros: freezes the parameters it is applied to (often under `partition`). */
export function setToZero(): Transform<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state) => [treeZerosLike(updates), state],
  };
}
