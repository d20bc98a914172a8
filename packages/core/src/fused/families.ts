import * as tf from '@tensorflow/tfjs-core';
import { labelsForLeaves } from '../combinators/leaf-labels';
import { assertSameStructure, isTensor, Tree, treeFlatten, treeUnflatten } from '../tree';
import { resolveHyper } from '../validate';
import { fusedKernelAvailable, runFusedKernel } from './dispatch';
import {
  BASIN_ADAM_UPDATE,
  BASIN_CLIP_BY_GLOBAL_NORM,
  BASIN_LION_UPDATE,
  BASIN_MOMENTUM_UPDATE,
  BASIN_RMS_UPDATE,
  type AdamKernelAttrs,
  type ClipKernelAttrs,
  type LionKernelAttrs,
  type MomentumKernelAttrs,
  type RmsKernelAttrs,
} from './kernels';
import type { AdamSpec, ClipSpec, DecaySpec, IdentitySpec, LionSpec, RmsSpec, ScheduleSpec, TraceSpec } from './spec';

// One runner per kernel family. Each checks that it can reproduce the composed path exactly
// (kernel registered, state shaped as the composed transforms make it, float32 tensors, params
// where needed) and returns undefined otherwise, so the composed path runs and reports any
// error in its own words. The scalars are computed as the composed transforms compute them.

type Rec = Record<string, unknown>;

function isRecord(x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !isTensor(x);
}

/** The leaves of a tree when all are live float32 tensors; undefined otherwise. */
function floatLeaves(tree: unknown): tf.Tensor[] | undefined {
  if (tree === undefined || tree === null) return undefined;
  try {
    const leaves = treeFlatten(tree as Tree);
    return leaves.every((t) => t.dtype === 'float32' && !t.isDisposed) ? leaves : undefined;
  } catch {
    return undefined;
  }
}

/** A per-parameter state tree shaped like the updates, as float32 leaves. */
function stateLeaves(tree: unknown, updates: Tree): tf.Tensor[] | undefined {
  if (tree === undefined || tree === null) return undefined;
  try {
    assertSameStructure(tree as Tree, updates);
  } catch {
    return undefined;
  }
  return floatLeaves(tree);
}

/** What follows the transform in its chain: decoupled weight decay, the learning rate, apply. */
export interface TailContext {
  decay?: { spec: DecaySpec; state: unknown };
  schedule?: { spec: ScheduleSpec; state: unknown };
  params?: Tree;
  /** Return `params + update` instead of the update. */
  apply: boolean;
}

interface Tail {
  scale: number;
  hasScale: boolean;
  /** Per leaf: does weight decay apply (undefined: no decay in the chain). */
  decays?: boolean[];
  params?: tf.Tensor[];
  apply: boolean;
  nextDecayState?: unknown;
  nextScheduleState?: { count: number };
}

function resolveTail(ctx: TailContext, updates: Tree): Tail | undefined {
  let params: tf.Tensor[] | undefined;
  if (ctx.params !== undefined && ctx.params !== null) {
    params = stateLeaves(ctx.params, updates);
    if (!params) return undefined;
  }
  if (ctx.apply && !params) return undefined;
  const tail: Tail = { scale: 1, hasScale: false, params, apply: ctx.apply };
  if (ctx.decay) {
    const { spec, state } = ctx.decay;
    if (!params || !isRecord(state)) return undefined;
    if (spec.mask === undefined) {
      tail.decays = params.map(() => true);
      tail.nextDecayState = state;
    } else {
      if (!('inner' in state)) return undefined;
      try {
        tail.decays = labelsForLeaves('masked', 'mask', spec.mask, ctx.params!, (x) => typeof x === 'boolean').labels.map((l) => l === true);
      } catch {
        return undefined;
      }
      tail.nextDecayState = { inner: state.inner };
    }
  }
  if (ctx.schedule) {
    const { spec, state } = ctx.schedule;
    if (!isRecord(state) || typeof state.count !== 'number') return undefined;
    // Evaluated (and checked) exactly as scaleBySchedule does: a bad schedule value throws here.
    tail.scale = resolveHyper(spec.owner, spec.name, spec.schedule, state.count);
    tail.hasScale = true;
    tail.nextScheduleState = { count: state.count + 1 };
  }
  return tail;
}

/** Runs `run` for every leaf; if one throws, what the earlier leaves made is disposed. */
function perLeaf(n: number, run: (i: number) => tf.Tensor[]): tf.Tensor[][] {
  const outs: tf.Tensor[][] = [];
  try {
    for (let i = 0; i < n; i++) outs.push(run(i));
  } catch (e) {
    tf.dispose(outs.flat());
    throw e;
  }
  return outs;
}

function column(updates: Tree, outs: tf.Tensor[][], k: number): Tree {
  return treeUnflatten(updates, outs.map((o) => o[k]));
}

function tailAttrs(tail: Tail, i: number): { hasScale: boolean; scale: number; apply: boolean; hasDecay: boolean } {
  return { hasScale: tail.hasScale, scale: tail.scale, apply: tail.apply, hasDecay: tail.decays?.[i] ?? false };
}

function paramFor(tail: Tail, i: number): tf.Tensor | undefined {
  return tail.apply || tail.decays?.[i] ? tail.params![i] : undefined;
}

export interface FusedResult<S> {
  /** The update, or the new params when the tail asked to apply. */
  out: Tree;
  state: S;
  tail: Tail;
}

/** scaleByAdam (+ addDecayedWeights) (+ scaleByLearningRate). */
export function runAdam(spec: AdamSpec, state: unknown, updates: Tree, ctx: TailContext): FusedResult<{ count: number; mu: Tree; nu: Tree }> | undefined {
  if (!fusedKernelAvailable(BASIN_ADAM_UPDATE)) return undefined;
  if (!isRecord(state) || typeof state.count !== 'number') return undefined;
  const g = floatLeaves(updates);
  const m = stateLeaves(state.mu, updates);
  const v = stateLeaves(state.nu, updates);
  if (!g || !m || !v) return undefined;
  const tail = resolveTail(ctx, updates);
  if (!tail) return undefined;
  const { b1, b2, eps, epsRoot, nesterov } = spec;
  const count = state.count + 1;
  const c1 = 1 - Math.pow(b1, count);
  const c2 = 1 - Math.pow(b2, count);
  const c1Next = 1 - Math.pow(b1, count + 1);
  const r2 = Math.sqrt(c2);
  const base = {
    b1,
    oneMinusB1: 1 - b1,
    b2,
    oneMinusB2: 1 - b2,
    nesterov,
    muScale: nesterov ? (b1 * r2) / c1Next : r2 / c1,
    gScale: nesterov ? ((1 - b1) * r2) / c1 : 0,
    hasEpsRoot: epsRoot !== 0,
    epsRoot: epsRoot * c2,
    eps: eps * r2,
    weightDecay: ctx.decay?.spec.weightDecay ?? 0,
  };
  const outs = perLeaf(g.length, (i) => {
    const attrs: AdamKernelAttrs = { ...base, ...tailAttrs(tail, i) };
    return runFusedKernel(BASIN_ADAM_UPDATE, { g: g[i], m: m[i], v: v[i], p: paramFor(tail, i) }, attrs);
  });
  return { out: column(updates, outs, 0), state: { count, mu: column(updates, outs, 1), nu: column(updates, outs, 2) }, tail };
}

/** trace or identity (+ scaleByLearningRate). */
export function runMomentum(spec: TraceSpec | IdentitySpec, state: unknown, updates: Tree, ctx: TailContext): FusedResult<unknown> | undefined {
  if (!fusedKernelAvailable(BASIN_MOMENTUM_UPDATE)) return undefined;
  const hasTrace = spec.kind === 'trace';
  if (hasTrace && !isRecord(state)) return undefined;
  const g = floatLeaves(updates);
  const t = hasTrace ? stateLeaves((state as Rec).trace, updates) : [];
  if (!g || !t) return undefined;
  const tail = resolveTail(ctx, updates);
  if (!tail) return undefined;
  const base = { hasTrace, decay: hasTrace ? spec.decay : 0, nesterov: hasTrace ? spec.nesterov : false };
  const outs = perLeaf(g.length, (i) => {
    const attrs: MomentumKernelAttrs = { ...base, ...tailAttrs(tail, i) };
    return runFusedKernel(BASIN_MOMENTUM_UPDATE, { g: g[i], t: hasTrace ? t[i] : undefined, p: paramFor(tail, i) }, attrs);
  });
  return { out: column(updates, outs, 0), state: hasTrace ? { trace: column(updates, outs, 1) } : state, tail };
}

/** scaleByLion (+ addDecayedWeights) (+ scaleByLearningRate). */
export function runLion(spec: LionSpec, state: unknown, updates: Tree, ctx: TailContext): FusedResult<{ mu: Tree }> | undefined {
  if (!fusedKernelAvailable(BASIN_LION_UPDATE)) return undefined;
  if (!isRecord(state)) return undefined;
  const g = floatLeaves(updates);
  const m = stateLeaves(state.mu, updates);
  if (!g || !m) return undefined;
  const tail = resolveTail(ctx, updates);
  if (!tail) return undefined;
  const base = { b1: spec.b1, oneMinusB1: 1 - spec.b1, b2: spec.b2, oneMinusB2: 1 - spec.b2, weightDecay: ctx.decay?.spec.weightDecay ?? 0 };
  const outs = perLeaf(g.length, (i) => {
    const attrs: LionKernelAttrs = { ...base, ...tailAttrs(tail, i) };
    return runFusedKernel(BASIN_LION_UPDATE, { g: g[i], m: m[i], p: paramFor(tail, i) }, attrs);
  });
  return { out: column(updates, outs, 0), state: { mu: column(updates, outs, 1) }, tail };
}

/** scaleByRms (+ scaleByLearningRate) (+ trace or identity, after the learning rate). */
export function runRms(
  spec: RmsSpec,
  state: unknown,
  updates: Tree,
  ctx: TailContext,
  after?: { spec: TraceSpec | IdentitySpec; state: unknown },
): (FusedResult<{ count: number; nu: Tree; mu?: Tree }> & { afterState?: unknown }) | undefined {
  if (!fusedKernelAvailable(BASIN_RMS_UPDATE)) return undefined;
  if (ctx.decay || !isRecord(state) || typeof state.count !== 'number') return undefined;
  const g = floatLeaves(updates);
  const nu = stateLeaves(state.nu, updates);
  const mu = spec.centered ? stateLeaves(state.mu, updates) : [];
  const hasTrace = after?.spec.kind === 'trace';
  if (hasTrace && !isRecord(after!.state)) return undefined;
  const t = hasTrace ? stateLeaves((after!.state as Rec).trace, updates) : [];
  if (!g || !nu || !mu || !t) return undefined;
  const tail = resolveTail(ctx, updates);
  if (!tail) return undefined;
  const count = state.count + 1;
  const traceSpec = hasTrace ? (after!.spec as TraceSpec) : undefined;
  const base = {
    decay: spec.decay,
    oneMinusDecay: 1 - spec.decay,
    eps: spec.eps,
    epsInSqrt: spec.epsInSqrt,
    correction: spec.biasCorrection ? 1 - Math.pow(spec.decay, count) : 1,
    centered: spec.centered,
    hasTrace,
    traceDecay: traceSpec?.decay ?? 0,
    nesterov: traceSpec?.nesterov ?? false,
  };
  const outs = perLeaf(g.length, (i) => {
    const { hasScale, scale, apply } = tailAttrs(tail, i);
    const attrs: RmsKernelAttrs = { ...base, hasScale, scale, apply };
    return runFusedKernel(BASIN_RMS_UPDATE, { g: g[i], nu: nu[i], mu: spec.centered ? mu[i] : undefined, t: hasTrace ? t[i] : undefined, p: paramFor(tail, i) }, attrs);
  });
  const next = spec.centered ? { count, nu: column(updates, outs, 1), mu: column(updates, outs, 2) } : { count, nu: column(updates, outs, 1) };
  const traceColumn = spec.centered ? 3 : 2;
  return { out: column(updates, outs, 0), state: next, tail, afterState: hasTrace ? { trace: column(updates, outs, traceColumn) } : after?.state };
}

/** clipByGlobalNorm: one kernel for the whole tree. */
export function runClipByGlobalNorm(spec: ClipSpec, updates: Tree): Tree | undefined {
  if (!fusedKernelAvailable(BASIN_CLIP_BY_GLOBAL_NORM)) return undefined;
  const leaves = floatLeaves(updates);
  if (!leaves || leaves.length === 0) return undefined;
  const inputs = Object.fromEntries(leaves.map((x, k) => [`x${k}`, x]));
  const attrs: ClipKernelAttrs = { maxNorm: spec.maxNorm, count: leaves.length };
  return treeUnflatten(updates, runFusedKernel(BASIN_CLIP_BY_GLOBAL_NORM, inputs, attrs));
}
