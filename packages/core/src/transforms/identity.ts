import type { Transform } from '../transform';
import { treeClone } from '../tree';

export type EmptyState = Record<string, never>;

/** Passes updates through unchanged (as fresh tensors the caller owns). */
export function identity(): Transform<EmptyState> {
  return {
    init: () => ({}),
    update: (updates, state) => [treeClone(updates), state],
  };
}
