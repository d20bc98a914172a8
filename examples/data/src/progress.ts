// A terminal progress bar for the examples and the demo, from cli-progress (a maintained
// library). On a terminal it redraws in place on stderr; in CI logs and pipes (no TTY) it prints
// nothing, so logs hold only the results the example prints itself.
import { Presets, SingleBar } from 'cli-progress';
import type { FitOptions } from '@basin/core';

export interface ProgressBar {
  /** Moves the bar to `done` (of `total`) and shows `info` after it, e.g. { loss: '0.213' }. */
  update(done: number, info?: Record<string, string | number>): void;
  /** Finishes the bar (call once, also when the work failed). */
  stop(): void;
}

/** A bar labelled `label` for `total` units of work (steps, epochs, HVPs, grid points). */
export function progressBar(label: string, total: number): ProgressBar {
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted} | {info}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
      fps: 5,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, { info: '' });
  return {
    update(done, info) {
      const text = info ? Object.entries(info).map(([k, v]) => `${k} ${v}`).join('  ') : '';
      bar.update(done, { info: text });
    },
    stop() {
      bar.stop();
    },
  };
}

/** What a fit loop reports after each batch (the `onBatchEnd` argument of @basin/core's fit). */
type FitBatchInfo = Parameters<NonNullable<FitOptions['onBatchEnd']>>[0];

/**
 * Runs a fit with one progress bar over all of its batches (`epochs * batches`, learnt from the
 * first report), showing the epoch and the batch loss. `fit` gets the `onBatchEnd` to pass in its
 * fit options; the bar is stopped however the fit ends, and the fit's result is returned.
 *
 *   const history = await fitWithProgressBar('SGD training', (onBatchEnd) => trainer.fit(x, y, { epochs, onBatchEnd }));
 */
export async function fitWithProgressBar<T>(label: string, fit: (onBatchEnd: (info: FitBatchInfo) => void) => Promise<T>): Promise<T> {
  // Created on the first batch because only the fit knows how many batches it will run.
  let bar: ProgressBar | undefined;
  try {
    return await fit(({ epoch, epochs, batch, batches, loss }) => {
      bar ??= progressBar(label, epochs * batches);
      bar.update(epoch * batches + batch + 1, { epoch: `${epoch + 1}/${epochs}`, loss: loss.toFixed(4) });
    });
  } finally {
    bar?.stop();
  }
}
