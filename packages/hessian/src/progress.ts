/** Progress of a long computation: `done` of `total` units of `task` (HVPs, samples, grid points). */
export interface Progress {
  task: string;
  done: number;
  total: number;
  /** The current estimate, where the task has one (an eigenvalue, a trace). */
  estimate?: number;
}

export type ProgressCallback = (progress: Progress) => void;
