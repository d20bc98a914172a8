// Seeded shuffles, so that every run of an example (and every optimizer within a run) sees the
// same data in the same order.
import { mulberry32 } from '@basin/core';

/** Shuffles `items` in place (Fisher-Yates, drawing from `random`, uniform in [0, 1)) and returns them. */
export function shuffleInPlace<Items extends { length: number; [index: number]: unknown }>(items: Items, random: () => number): Items {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** The rows 0..rows-1 in the order of epoch `epoch`: the same for every run with the same seed. */
export function epochOrder(rows: number, seed: number, epoch: number): Int32Array {
  return shuffleInPlace(
    Int32Array.from({ length: rows }, (_, i) => i),
    mulberry32(seed * 7919 + epoch + 1),
  );
}
