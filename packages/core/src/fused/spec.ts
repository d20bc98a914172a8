import type { LabelSpec } from '../combinators/leaf-labels';
import type { Extras } from '../transform';
import type { Tree } from '../tree';
import type { ScalarOrSchedule } from '../validate';

/**
 * What a fusable building block computes, attached to the transform it returns (under a
 * symbol, so guarded copies keep it). Aliases hand their pieces to `fuseChain`, which reads
 * these to pick one fused kernel for the whole chain.
 */
export const FUSION = Symbol.for('basin.fusion');

export interface AdamSpec {
  kind: 'adam';
  b1: number;
  b2: number;
  eps: number;
  epsRoot: number;
  nesterov: boolean;
}
export interface TraceSpec {
  kind: 'trace';
  decay: number;
  nesterov: boolean;
}
export interface IdentitySpec {
  kind: 'identity';
}
export interface LionSpec {
  kind: 'lion';
  b1: number;
  b2: number;
}
export interface RmsSpec {
  kind: 'rms';
  decay: number;
  eps: number;
  epsInSqrt: boolean;
  biasCorrection: boolean;
  centered: boolean;
}
export interface DecaySpec {
  kind: 'decay';
  weightDecay: number;
  mask?: LabelSpec<boolean>;
}
export interface ScheduleSpec {
  kind: 'schedule';
  schedule: ScalarOrSchedule;
  /** How the composed path names it in errors (`scaleByLearningRate`, `learningRate`). */
  owner: string;
  name: string;
}
export interface ClipSpec {
  kind: 'clipByGlobalNorm';
  maxNorm: number;
}

export type FusionSpec = AdamSpec | TraceSpec | IdentitySpec | LionSpec | RmsSpec | DecaySpec | ScheduleSpec | ClipSpec;

/** Tags `transform` with what it computes; returns it. */
export function withFusion<T extends object>(transform: T, spec: FusionSpec): T {
  (transform as Record<symbol, unknown>)[FUSION] = spec;
  return transform;
}

/** The tag of a transform, if it has one. */
export function fusionSpec(transform: unknown): FusionSpec | undefined {
  if (typeof transform !== 'object' || transform === null) return undefined;
  return (transform as Record<symbol, FusionSpec | undefined>)[FUSION];
}

/**
 * `applyGradients` asks the transform it was given for `params + update` instead of the update
 * through this key of `extras`. Only an update called with exactly this state and these params
 * (the outermost transform) answers, and says so by setting `applied`.
 */
export const APPLY_REQUEST = Symbol.for('basin.applyRequest');

export interface ApplyRequest {
  state: unknown;
  params: Tree;
  applied: boolean;
}

/** The apply request addressed to an update called with `state` and `params`, if any. */
export function applyRequestFor(extras: Extras | undefined, state: unknown, params: Tree | undefined): ApplyRequest | undefined {
  if (extras === undefined || extras === null || params === undefined) return undefined;
  const request = (extras as Record<symbol, ApplyRequest | undefined>)[APPLY_REQUEST];
  return request !== undefined && request.state === state && request.params === params && !request.applied ? request : undefined;
}
