import { BasinError, checkNumber } from '@basin/core';
import type { Extras } from '@basin/core';

/** How the batch is split: exactly one of `microbatches` (a count) or `microbatchSize` (m). */
export interface MicrobatchSpec {
  /** Number of consecutive chunks the batch is cut into. */
  microbatches?: number;
  /**
   * m, rows per chunk. The chunk count is `floor(batchSize / m)` (at least 1); the `batchSize mod m`
   * rows left over go one each to the first chunks, so chunks have m or m + 1 rows and none is
   * dropped. Needs the batch size: `extras.batchSize` when the caller passes it, else `batchSize`.
   */
  microbatchSize?: number;
  /** The batch size, for `microbatchSize` when the caller does not pass `extras.batchSize`. */
  batchSize?: number;
}

/** Validates a microbatch spec at construction. */
export function checkMicrobatchSpec(owner: string, spec: MicrobatchSpec): MicrobatchSpec {
  const { microbatches, microbatchSize, batchSize } = spec;
  if ((microbatches === undefined) === (microbatchSize === undefined)) {
    throw new BasinError(`${owner}: give exactly one of microbatches (the number of chunks) or microbatchSize (m, rows per chunk)`);
  }
  if (microbatches !== undefined) checkNumber(owner, 'microbatches', microbatches, { min: 1, integer: true });
  if (microbatchSize !== undefined) checkNumber(owner, 'microbatchSize', microbatchSize, { min: 1, integer: true });
  if (batchSize !== undefined) checkNumber(owner, 'batchSize', batchSize, { min: 1, integer: true });
  return spec;
}

/** The number of chunks for this step. */
export function microbatchCount(owner: string, spec: MicrobatchSpec, extras: Extras | undefined): number {
  if (spec.microbatches !== undefined) return spec.microbatches;
  const fromExtras = extras?.batchSize;
  const n = typeof fromExtras === 'number' ? fromExtras : spec.batchSize;
  if (n === undefined) {
    throw new BasinError(`${owner}: microbatchSize needs the batch size; pass the batchSize option (or extras.batchSize), or give microbatches instead`);
  }
  checkNumber(owner, 'batchSize', n, { min: 1, integer: true });
  return Math.max(1, Math.floor(n / spec.microbatchSize!));
}
