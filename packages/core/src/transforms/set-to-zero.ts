import type { Transform } from '../transform';
import { treeZerosLike } from '../tree';
import type { EmptyState } from './identity';
import { publicTransform } from '../entry/public-transform';

/** Replaces updates by zeros: freezes the parameters it is applied to (often under `partition`). */
export const setToZero = publicTransform('setToZero', function setToZero(): Transform<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state) => [treeZerosLike(updates), state],
  };
});
