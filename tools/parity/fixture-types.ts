// The format of shared/fixtures/reference-trajectories.json (see its README).
export type Nested = number | Nested[];

export interface ProblemData {
  kind: string;
  X: Nested;
  Y?: Nested;
  y?: Nested;
  labels?: Nested;
  loss?: string;
  params: Record<string, Nested>;
  flatten_order?: string[];
}

export interface FixtureCase {
  name: string;
  source: string;
  hyper?: Record<string, unknown> | null;
  problem?: ProblemData;
  trajectory?: Record<string, Nested>[];
  [key: string]: unknown;
}

export interface FixtureFile {
  tag: string;
  seed: number;
  cases: FixtureCase[];
}

/** What a case handler reports: the worst error and the tolerance it must meet. */
export interface CaseResult {
  error: number;
  tolerance: number;
  /** Extra detail printed after the verdict (e.g. per-quantity errors). */
  detail?: string;
}

export type CaseHandler = (c: FixtureCase) => Promise<CaseResult> | CaseResult;
