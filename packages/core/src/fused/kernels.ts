/**
 * The fused update kernels: names, inputs and attributes. @basin/core runs them through
 * `tf.engine().runKernel` when the active backend has one registered, and registers plain
 * JavaScript versions for 'cpu' itself (./js-kernels.ts); @basin/backends registers WebGL and
 * WebGPU versions (`installFusedKernels`). Every scalar a kernel needs is computed here in
 * JavaScript (bias corrections, learning rate at this step), so each backend only evaluates
 * the per-entry formula; the op order is the composed path's, so float32 results agree.
 *
 * Outputs: the first output is the update (`mode: 'update'`) or the new params (`apply`, when
 * the caller asked for `params + update` and passed `p`); then the new state tensors, in the
 * order listed per kernel. Every input has the shape of `g`; every output too.
 */

/** `chain(scaleByAdam, addDecayedWeights?, scaleByLearningRate?)`: inputs g, m, v and p (decay or apply); outputs [u | p', m', v']. */
export const BASIN_ADAM_UPDATE = 'BasinAdamUpdate';
/** `chain(trace | identity, scaleByLearningRate?)`: inputs g, t (with a trace) and p (apply); outputs [u | p', t'?]. */
export const BASIN_MOMENTUM_UPDATE = 'BasinMomentumUpdate';
/** `chain(scaleByLion, addDecayedWeights?, scaleByLearningRate?)`: inputs g, m and p (decay or apply); outputs [u | p', m']. */
export const BASIN_LION_UPDATE = 'BasinLionUpdate';
/** `chain(scaleByRms, scaleByLearningRate?, trace | identity)`: inputs g, nu, mu (centered), t (trace), p (apply); outputs [u | p', nu', mu'?, t'?]. */
export const BASIN_RMS_UPDATE = 'BasinRmsUpdate';
/** `clipByGlobalNorm`: inputs x0..x(n-1) (every leaf, canonical order); outputs the n scaled leaves. */
export const BASIN_CLIP_BY_GLOBAL_NORM = 'BasinClipByGlobalNorm';

/** `treeGlobalNorm`: inputs x0..x(n-1) (every leaf, canonical order); output the scalar l2 norm of all of them. */
export const BASIN_GLOBAL_NORM = 'BasinGlobalNorm';
/**
 * `treeScale` and `treeAddScaled` (SAM's ascent point `w + c g`, clipping's scaling): inputs x, factor
 * (a rank-0 tensor; else the number attribute `scale`) and addend (optional, x's shape); output
 * `addend + x * factor` (or `x * factor`).
 */
export const BASIN_SCALED_ADD = 'BasinScaledAdd';

export const FUSED_KERNEL_NAMES = [BASIN_ADAM_UPDATE, BASIN_MOMENTUM_UPDATE, BASIN_LION_UPDATE, BASIN_RMS_UPDATE, BASIN_CLIP_BY_GLOBAL_NORM, BASIN_GLOBAL_NORM, BASIN_SCALED_ADD] as const;
export type FusedKernelName = (typeof FUSED_KERNEL_NAMES)[number];

/** What follows the per-transform formula in every update kernel. */
export interface TailAttrs {
  /** Multiply by `scale` (scaleByLearningRate's `-learningRate` at this step). */
  hasScale: boolean;
  scale: number;
  /** Output `p + update` instead of the update (input p). */
  apply: boolean;
}

/** Decoupled weight decay: add `weightDecay * p` before the scaling (input p). */
export interface DecayAttrs {
  hasDecay: boolean;
  weightDecay: number;
}

/**
 * `m' = b1 m + oneMinusB1 g`, `v' = b2 v + oneMinusB2 g^2`,
 * `u = n / (sqrt(v' [+ epsRoot]) + eps)` with `n = m' muScale [+ g gScale]` (bias corrections
 * folded into muScale, gScale, epsRoot and eps as scaleByAdam folds them).
 */
export interface AdamKernelAttrs extends TailAttrs, DecayAttrs {
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
}

/** `t' = g + decay t`, `u = nesterov ? g + decay t' : t'`; without a trace `u = g`. */
export interface MomentumKernelAttrs extends TailAttrs {
  hasTrace: boolean;
  decay: number;
  nesterov: boolean;
}

/** `u = sign(b1 m + oneMinusB1 g)` (0 for NaN), `m' = b2 m + oneMinusB2 g`. */
export interface LionKernelAttrs extends TailAttrs, DecayAttrs {
  b1: number;
  oneMinusB1: number;
  b2: number;
  oneMinusB2: number;
}

/**
 * `nu' = decay nu + oneMinusDecay g^2`, `mu' = decay mu + oneMinusDecay g` (centered),
 * `var = nu'/correction [- (mu'/correction)^2]`, `s = g / sqrt(var + eps)` (epsInSqrt) or
 * `g / (sqrt(var) + eps)`, then the scaling, then a trace of the scaled step when hasTrace.
 */
export interface RmsKernelAttrs extends TailAttrs {
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

/** `x * maxNorm / max(||x||, maxNorm)` over all inputs together. */
export interface ClipKernelAttrs {
  maxNorm: number;
  count: number;
}

/** `sqrt(sum of x_k^2)` over all inputs together (empty inputs add nothing). */
export interface GlobalNormKernelAttrs {
  count: number;
}

/** `[addend +] x * factor`, the factor a rank-0 input or, without one, `scale`. */
export interface ScaledAddKernelAttrs {
  scale: number;
}
