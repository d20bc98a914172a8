import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import { checkBoolean, checkFunction, checkNumber } from '../validate';
import { mulberry32 } from './random';
import { entryPoint } from '../entry/entry-point';

/** What `onBatchEnd` gets after each batch (counts from 0). */
export interface FitBatchInfo {
  epoch: number;
  /** Epochs in the whole fit. */
  epochs: number;
  /** The batch within the epoch. */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  /** The batch loss, before the step. */
  loss: number;
}

/** What `onEpochEnd` gets after each epoch (counts from 0). */
export interface FitEpochInfo {
  epoch: number;
  /** Epochs in the whole fit. */
  epochs: number;
  /** Mean batch loss of the epoch (the value `fit` returns for it). */
  loss: number;
  /** Wall-clock seconds the epoch took. */
  seconds: number;
}

export interface FitOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 32; the last batch of an epoch holds the rows left over. */
  batchSize?: number;
  /** Shuffle the rows each epoch (seeded by `seed` for reproducible runs). Default true. */
  shuffle?: boolean;
  /** Seed of the shuffle. Default 0. */
  seed?: number;
  /**
   * Called after every batch (`epochs * batches` times), e.g. to drive a progress bar. An error it
   * throws stops the fit and arrives as a BasinError naming the `fit` you called (the step of that
   * batch has been taken).
   */
  onBatchEnd?: (info: FitBatchInfo) => void;
  /** Called after every epoch (`epochs` times); errors as for `onBatchEnd`. */
  onEpochEnd?: (info: FitEpochInfo) => void;
}

/**
 * The mini-batch loop the model trainers share: shuffles rows each epoch, gathers each batch,
 * calls `trainOnBatch` (which returns the batch loss), disposes the batch, reports progress,
 * and returns the mean loss of each epoch.
 */
export const fitEpochs = entryPoint('fitEpochs', async function fitEpochs(
  owner: string,
  x: tf.Tensor,
  y: tf.Tensor,
  trainOnBatch: (xb: tf.Tensor, yb: tf.Tensor) => number,
  options: FitOptions = {},
): Promise<number[]> {
  const { epochs = 1, batchSize = 32, shuffle = true, seed = 0, onBatchEnd, onEpochEnd } = options;
  checkNumber(owner, 'epochs', epochs, { min: 1, integer: true });
  checkNumber(owner, 'batchSize', batchSize, { min: 1, integer: true });
  checkBoolean(owner, 'shuffle', shuffle);
  checkNumber(owner, 'seed', seed, { integer: true });
  if (onBatchEnd !== undefined) checkFunction(owner, 'onBatchEnd', onBatchEnd);
  if (onEpochEnd !== undefined) checkFunction(owner, 'onEpochEnd', onEpochEnd);
  if (x.shape[0] !== y.shape[0]) throw new BasinError(`${owner}: x has ${x.shape[0]} rows but y has ${y.shape[0]}`);
  const n = x.shape[0];
  const batches = Math.ceil(n / batchSize);
  const history: number[] = [];
  const random = mulberry32(seed);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const start = Date.now();
    const order = Array.from({ length: n }, (_, i) => i);
    if (shuffle) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    let total = 0;
    for (let b = 0; b < batches; b++) {
      const idx = tf.tensor1d(order.slice(b * batchSize, (b + 1) * batchSize), 'int32');
      const xb = tf.gather(x, idx);
      const yb = tf.gather(y, idx);
      try {
        const loss = trainOnBatch(xb, yb);
        total += loss;
        onBatchEnd?.({ epoch, epochs, batch: b, batches, loss });
      } finally {
        tf.dispose([idx, xb, yb]);
      }
      if (b % 20 === 19) await tf.nextFrame(); // lets progress output and browsers breathe
    }
    history.push(total / batches);
    onEpochEnd?.({ epoch, epochs, loss: total / batches, seconds: (Date.now() - start) / 1000 });
  }
  return history;
});
