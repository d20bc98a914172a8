// The fused update kernels @basin/core runs through tf.engine().runKernel (declared in
// @basin/core's src/fused/kernels.ts, which documents inputs, outputs and attributes). Repeated
// here so @basin/backends does not depend on @basin/core; a test checks the two lists agree.
export const BASIN_ADAM_UPDATE = 'BasinAdamUpdate';
export const BASIN_MOMENTUM_UPDATE = 'BasinMomentumUpdate';
export const BASIN_LION_UPDATE = 'BasinLionUpdate';
export const BASIN_RMS_UPDATE = 'BasinRmsUpdate';
export const BASIN_CLIP_BY_GLOBAL_NORM = 'BasinClipByGlobalNorm';
export const BASIN_GLOBAL_NORM = 'BasinGlobalNorm';
export const BASIN_SCALED_ADD = 'BasinScaledAdd';

/** Attributes every update kernel takes after its own (see @basin/core's TailAttrs). */
export interface TailAttrs {
  hasScale: boolean;
  scale: number;
  apply: boolean;
}

export interface AdamAttrs extends TailAttrs {
  b1: number;
  oneMinusB1: number;
  b2: number;
  oneMinusB2: number;
  nesterov: boolean;
  muScale: number;
  gScale: number;
  hasEpsRoot: boolean;
  epsRoot: number;
  eps: number;
  hasDecay: boolean;
  weightDecay: number;
}

export interface MomentumAttrs extends TailAttrs {
  hasTrace: boolean;
  decay: number;
  nesterov: boolean;
}

export interface LionAttrs extends TailAttrs {
  b1: number;
  oneMinusB1: number;
  b2: number;
  oneMinusB2: number;
  hasDecay: boolean;
  weightDecay: number;
}

export interface RmsAttrs extends TailAttrs {
  decay: number;
  oneMinusDecay: number;
  eps: number;
  epsInSqrt: boolean;
  correction: number;
  centered: boolean;
  hasTrace: boolean;
  traceDecay: number;
  nesterov: boolean;
}

/** `[addend +] x * factor`: which inputs were passed (the factor as a rank-0 tensor, else the `scale` uniform). */
export interface ScaledAddShape {
  hasFactor: boolean;
  hasAddend: boolean;
}
