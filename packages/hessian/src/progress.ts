/** Progress of a long computation: `done` of `total` units of `task` (HVPs, samples, grid points). */
export interface Progress {
  task: string;
  done: number;
  total: number;
  /** The current estimate, where the task has one (an eigenvalue, a trace). */
  estimate?: number;
}

/**
 * Called after each unit of work. The eigen, trace, density and sharpness routines run in one
 * `tf.tidy` (so nothing leaks when they throw): a tensor the callback creates is disposed when the
 * call returns, unless the callback `tf.keep`s it.
 */
export type ProgressCallback = (progress: Progress) => void;
