import type { Transform } from '../transform';
import { treeClone } from '../tree';
import { publicTransform } from '../entry/public-transform';

export type EmptyState = Record<string, never>;

/** Passes updates through unchanged (as fresh tensors the caller owns). */
export const identity = publicTransform('identity', function identity(): Transform<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state) => [treeClone(updates), state],
  };
});
