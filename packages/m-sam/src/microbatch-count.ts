import { BasinError, checkNumber, describeValue, runEntryPoint } from '@basin/core';
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
  return runEntryPoint(owner, () => {
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      throw new BasinError(`${owner}: options must be a record with microbatches or microbatchSize, e.g. { microbatches: 4 }; got ${describeValue(spec)}`);
    }
    const { microbatches, microbatchSize, batchSize } = spec;
    if ((microbatches === undefined) === (microbatchSize === undefined)) {
      throw new BasinError(`${owner}: give exactly one of microbatches (the number of chunks) or microbatchSize (m, rows per chunk)`);
    }
    if (microbatches !== undefined) checkNumber(owner, 'microbatches', microbatches, { min: 1, integer: true });
    if (microbatchSize !== undefined) checkNumber(owner, 'microbatchSize', microbatchSize, { min: 1, integer: true });
    if (batchSize !== undefined) checkNumber(owner, 'batchSize', batchSize, { min: 1, integer: true });
    return { microbatches, microbatchSize, batchSize };
  });
}

/** The number of chunks for this step. */
export function microbatchCount(owner: string, spec: MicrobatchSpec, extras: Extras | undefined): number {
  return runEntryPoint(owner, () => {
    const checked = checkMicrobatchSpec(owner, spec);
    const fromExtras = typeof extras === 'object' && extras !== null ? extras.batchSize : undefined;
    const rows = fromExtras === undefined ? undefined : checkNumber(owner, 'extras.batchSize', fromExtras, { min: 1, integer: true });
    if (checked.microbatches !== undefined) {
      if (rows !== undefined && checked.microbatches > rows) {
        throw new BasinError(`${owner}: microbatches is ${checked.microbatches} but the batch has ${rows} rows (extras.batchSize); a chunk would be empty`);
      }
      return checked.microbatches;
    }
    if (rows !== undefined) return Math.max(1, Math.floor(rows / checked.microbatchSize!));
    if (checked.batchSize === undefined) {
      throw new BasinError(`${owner}: microbatchSize needs the batch size; pass the batchSize option (or extras.batchSize), or give microbatches instead`);
    }
    return Math.max(1, Math.floor(checked.batchSize / checked.microbatchSize!));
  });
}
