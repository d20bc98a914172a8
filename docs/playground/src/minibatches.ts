// Seeded shuffles and minibatches for the playground's training pages, so that every optimizer
// of a page sees the same rows in the same order.
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '@basin/core';

/** Rows of inputs and their targets. */
export type Rows = { x: tf.Tensor2D; y: tf.Tensor2D };

/** Shuffles `items` in place (Fisher-Yates, drawing from `random`, uniform in [0, 1)) and returns them. */
export function shuffleInPlace<Items extends { length: number; [index: number]: unknown }>(items: Items, random: () => number): Items {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** A permutation of 0..n-1 for epoch `epoch`: every run sees the same batches. */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  return shuffleInPlace(
    Int32Array.from({ length: n }, (_, i) => i),
    mulberry32(seed * 7919 + epoch + 1),
  );
}

/** Calls `use` with the rows `indices` of `data` (gathered on the backend), then frees them. */
export function withRows<R>(data: Rows, indices: number[] | Int32Array, use: (batch: Rows) => R): R {
  const rows = tf.tensor1d(indices, 'int32');
  const batch = { x: tf.gather(data.x, rows), y: tf.gather(data.y, rows) };
  try {
    return use(batch);
  } finally {
    tf.dispose([rows, batch.x, batch.y]);
  }
}
