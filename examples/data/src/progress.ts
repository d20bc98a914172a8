// A terminal progress bar for the examples and the demo, from cli-progress (a maintained
// library). On a terminal it redraws in place on stderr; in CI logs and pipes (no TTY) it prints
// nothing, so logs hold only the results the example prints itself.
import { Presets, SingleBar } from 'cli-progress';

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
