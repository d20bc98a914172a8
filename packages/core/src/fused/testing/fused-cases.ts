// Fused against composed, on whatever backend is active: the cases @basin/core's Jest tests run on
// cpu and tools/conformance runs on cpu and wasm in Node and on webgl in Chromium. Free of Node
// built-ins and of Jest. (Excluded from the package build with the other testing/ folders.)
import * as tf from '@tensorflow/tfjs-core';
import { chain } from '../../combinators/chain';
import { injectHyperparams } from '../../combinators/inject-hyperparams';
import { adam, adamw } from '../../aliases/adam';
import { lion } from '../../aliases/lion';
import { nadam } from '../../aliases/nadam';
import { rmsprop } from '../../aliases/rmsprop';
import { sgd } from '../../aliases/sgd';
import { cosineDecay } from '../../schedules';
import { clipByGlobalNorm } from '../../transforms/clip';
import { scaleByAdam } from '../../transforms/scale-by-adam';
import { scaleByLion } from '../../transforms/scale-by-lion';
import { scaleByRms } from '../../transforms/scale-by-rms';
import { trace } from '../../transforms/trace';
import { applyUpdates } from '../../transforms/apply-updates';
import type { Transform } from '../../transform';
import { collectTensors, Tree, treeAddScaled, treeDispose, treeGlobalNorm, treeLeaves, treeScale } from '../../tree';
import { fusedKernelAvailable } from '../dispatch';
import { withFusedUpdates } from '../flags';
import { BASIN_ADAM_UPDATE, BASIN_CLIP_BY_GLOBAL_NORM, BASIN_GLOBAL_NORM, BASIN_LION_UPDATE, BASIN_MOMENTUM_UPDATE, BASIN_RMS_UPDATE, BASIN_SCALED_ADD } from '../kernels';
import { updateAndApply } from '../update-and-apply';

/** The tolerance: relative error (per leaf, ||a - b|| / ||b||) of fused against composed. */
export const FUSED_TOLERANCE = 1e-6;

/** Deterministic values in [-1, 1) (an LCG), with every 7th entry exactly zero. */
export function values(seed: number, n: number, scale = 1): number[] {
  let s = (seed * 2654435761) >>> 0 || 1;
  return Array.from({ length: n }, (_, i) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return i % 7 === 3 ? 0 : scale * ((s / 4294967296) * 2 - 1);
  });
}

const SHAPES: Record<string, number[]> = { 'dense.kernel': [5, 3], 'dense.bias': [3], 'layers[0].w': [4, 4], 'layers[1].w': [2, 3, 2], gain: [], empty: [0, 3] };

/** A params-shaped tree: records, an array, a matrix, a rank-3 tensor, a scalar, an empty leaf. */
export function makeTree(seed: number, scale = 1, { empty = true } = {}): Tree {
  const t = (path: string, k: number) => tf.tensor(values(seed * 31 + k, tf.util.sizeFromShape(SHAPES[path]), scale), SHAPES[path], 'float32');
  const tree: Record<string, Tree> = {
    dense: { kernel: t('dense.kernel', 1), bias: t('dense.bias', 2) },
    layers: [{ w: t('layers[0].w', 3) }, { w: t('layers[1].w', 4) }],
    gain: t('gain', 5),
  };
  if (empty) tree.empty = t('empty', 6);
  return tree;
}

const MASK = { dense: { kernel: true, bias: false }, layers: [{ w: true }, { w: false }], gain: false, empty: true };

export interface FusedCase {
  name: string;
  make: () => Transform<any>;
  /** The kernel the fused path runs, or the kernels it may run (composed-only where the backend has none). */
  kernel: string | readonly string[];
  /** Gradient scale (large ones make clipByGlobalNorm clip). */
  gradScale?: number;
}

const CLIP_KERNELS = [BASIN_CLIP_BY_GLOBAL_NORM, BASIN_GLOBAL_NORM, BASIN_SCALED_ADD];

const lr = cosineDecay({ init: 0.05, decaySteps: 4, alpha: 0.1 });

export const FUSED_CASES: FusedCase[] = [
  { name: 'sgd', kernel: BASIN_MOMENTUM_UPDATE, make: () => sgd({ learningRate: 0.1 }) },
  { name: 'sgd(momentum)', kernel: BASIN_MOMENTUM_UPDATE, make: () => sgd({ learningRate: 0.05, momentum: 0.9 }) },
  { name: 'sgd(nesterov, schedule)', kernel: BASIN_MOMENTUM_UPDATE, make: () => sgd({ learningRate: lr, momentum: 0.8, nesterov: true }) },
  { name: 'adam', kernel: BASIN_ADAM_UPDATE, make: () => adam({ learningRate: 0.01 }) },
  { name: 'adam(eps 1e-3, b1 0.8, b2 0.95)', kernel: BASIN_ADAM_UPDATE, make: () => adam({ learningRate: 0.01, eps: 1e-3, b1: 0.8, b2: 0.95 }) },
  { name: 'adam(epsRoot 1e-6, schedule)', kernel: BASIN_ADAM_UPDATE, make: () => adam({ learningRate: lr, epsRoot: 1e-6 }) },
  { name: 'adam(nesterov)', kernel: BASIN_ADAM_UPDATE, make: () => adam({ learningRate: 0.01, nesterov: true }) },
  { name: 'adam(b1 0)', kernel: BASIN_ADAM_UPDATE, make: () => adam({ learningRate: 0.01, b1: 0 }) },
  { name: 'adamw', kernel: BASIN_ADAM_UPDATE, make: () => adamw({ learningRate: 0.01 }) },
  { name: 'adamw(weightDecay 0.1, nesterov, epsRoot)', kernel: BASIN_ADAM_UPDATE, make: () => adamw({ learningRate: 0.01, weightDecay: 0.1, nesterov: true, epsRoot: 1e-8 }) },
  { name: 'adamw(mask tree)', kernel: BASIN_ADAM_UPDATE, make: () => adamw({ learningRate: 0.01, weightDecay: 0.1, mask: MASK }) },
  { name: 'adamw(mask function, schedule)', kernel: BASIN_ADAM_UPDATE, make: () => adamw({ learningRate: lr, weightDecay: 0.05, mask: () => MASK }) },
  { name: 'lion', kernel: BASIN_LION_UPDATE, make: () => lion({ learningRate: 1e-3 }) },
  { name: 'lion(b1 0.5, b2 0.9, weightDecay 0.1, mask)', kernel: BASIN_LION_UPDATE, make: () => lion({ learningRate: 1e-3, b1: 0.5, b2: 0.9, weightDecay: 0.1, mask: MASK }) },
  { name: 'lion(weightDecay 0, schedule)', kernel: BASIN_LION_UPDATE, make: () => lion({ learningRate: lr, weightDecay: 0 }) },
  { name: 'rmsprop', kernel: BASIN_RMS_UPDATE, make: () => rmsprop({ learningRate: 0.01 }) },
  { name: 'rmsprop(centered)', kernel: BASIN_RMS_UPDATE, make: () => rmsprop({ learningRate: 0.01, centered: true }) },
  { name: 'rmsprop(eps outside sqrt, bias correction)', kernel: BASIN_RMS_UPDATE, make: () => rmsprop({ learningRate: 0.01, epsInSqrt: false, biasCorrection: true, eps: 1e-4 }) },
  { name: 'rmsprop(momentum)', kernel: BASIN_RMS_UPDATE, make: () => rmsprop({ learningRate: 0.01, momentum: 0.9 }) },
  {
    name: 'rmsprop(centered, nesterov, initialScale 1, schedule)',
    kernel: BASIN_RMS_UPDATE,
    make: () => rmsprop({ learningRate: lr, centered: true, momentum: 0.5, nesterov: true, initialScale: 1, biasCorrection: true }),
  },
  // One kernel for the whole tree on cpu; the norm then one scaling kernel per leaf on webgl, webgpu.
  { name: 'clipByGlobalNorm(0.5) clipping', kernel: CLIP_KERNELS, gradScale: 3, make: () => clipByGlobalNorm(0.5) },
  { name: 'clipByGlobalNorm(100) passing', kernel: CLIP_KERNELS, make: () => clipByGlobalNorm(100) },
  { name: 'chain(clipByGlobalNorm, adamw)', kernel: BASIN_ADAM_UPDATE, gradScale: 3, make: () => chain(clipByGlobalNorm(1), adamw({ learningRate: 0.01, weightDecay: 0.01 })) },
  { name: 'scaleByAdam', kernel: BASIN_ADAM_UPDATE, make: () => scaleByAdam({ nesterov: true }) },
  { name: 'trace', kernel: BASIN_MOMENTUM_UPDATE, make: () => trace({ decay: 0.9, nesterov: true }) },
  { name: 'scaleByLion', kernel: BASIN_LION_UPDATE, make: () => scaleByLion() },
  { name: 'scaleByRms(centered)', kernel: BASIN_RMS_UPDATE, make: () => scaleByRms({ centered: true, eps: 1e-6 }) },
  { name: 'nadam', kernel: BASIN_ADAM_UPDATE, make: () => nadam({ learningRate: 0.01 }) },
  { name: 'injectHyperparams(adamw)', kernel: BASIN_ADAM_UPDATE, make: () => injectHyperparams(adamw, { learningRate: lr, weightDecay: 0.01 }) },
];

/** Reads a tensor's values: `dataSync`, or values read before with `await data()` (WebGPU). */
export type Reader = (t: tf.Tensor) => ArrayLike<number>;

const syncReader: Reader = (t) => t.dataSync();

/** `||x - y|| / ||y||`; entries equal on both sides (the same infinity or NaN included) count as equal. */
export function relativeError(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) return Infinity;
  let d = 0;
  let n = 0;
  for (let j = 0; j < y.length; j++) {
    if (Object.is(x[j], y[j]) || (Number.isNaN(x[j]) && Number.isNaN(y[j]))) {
      if (Number.isFinite(y[j])) n += y[j] ** 2;
      continue;
    }
    d += (x[j] - y[j]) ** 2;
    n += y[j] ** 2;
  }
  const err = d === 0 ? 0 : Math.sqrt(d) / Math.max(Math.sqrt(n), 1e-30);
  return Number.isNaN(err) ? Infinity : err;
}

/** Per leaf `relativeError`, paired by path; the worst over the leaves. */
export function treeRelativeError(a: Tree, b: Tree, read: Reader = syncReader): number {
  const la = treeLeaves(a);
  const lb = treeLeaves(b);
  if (la.length !== lb.length) return Infinity;
  return la.reduce((worst, e, i) => Math.max(worst, e.path === lb[i].path ? relativeError(read(e.leaf), read(lb[i].leaf)) : Infinity), 0);
}

/** The tensors of a state, in a fixed order, as one tree (numbers are compared exactly). */
function stateTensors(state: unknown): { tensors: tf.Tensor[]; numbers: string } {
  const numbers: unknown[] = [];
  const visit = (x: unknown): unknown => {
    if (x instanceof tf.Tensor) return undefined;
    if (Array.isArray(x)) return x.map(visit);
    if (typeof x === 'object' && x !== null) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, visit((x as Record<string, unknown>)[k])]));
    if (typeof x !== 'function') numbers.push(x);
    return x;
  };
  visit(state);
  return { tensors: [...collectTensors(state)], numbers: JSON.stringify(numbers) };
}

export interface FusedCaseResult {
  name: string;
  /** Whether the active backend runs this case's kernel (else both sides are composed). */
  fused: boolean;
  /** Worst relative error of the updates (update), the new params (updateAndApply), the state. */
  updateError: number;
  applyError: number;
  stateError: number;
  /** Number-valued state entries (counts) differ. */
  countsDiffer: boolean;
  /** Tensors left behind by the fused steps. */
  leaked: number;
}

interface Trajectory {
  initial: unknown;
  updates: Tree[];
  params: Tree[];
  states: unknown[];
}

const kernelsOf = (c: { kernel: string | readonly string[] }): readonly string[] => (typeof c.kernel === 'string' ? [c.kernel] : c.kernel);

function trajectory(c: FusedCase, steps: number, mode: 'update' | 'apply'): Trajectory {
  const t = c.make();
  let params = makeTree(1);
  let state = t.init(params);
  const out: Trajectory = { initial: [params, state], updates: [], params: [], states: [] };
  for (let k = 0; k < steps; k++) {
    const grads = makeTree(100 + k, c.gradScale ?? 1);
    if (mode === 'update') {
      const [u, s] = t.update(grads, state, params);
      const next = applyUpdates(params, u);
      out.updates.push(u);
      state = s;
      params = next;
    } else {
      const [next, s] = updateAndApply(t, grads, state, params);
      state = s;
      params = next;
    }
    out.params.push(params);
    out.states.push(state);
    treeDispose(grads);
  }
  return out;
}

interface Runs {
  reference: Trajectory;
  viaUpdate: Trajectory;
  viaApply: Trajectory;
  fused: boolean;
  leaked: number;
}

function runAll(c: FusedCase, steps: number): Runs {
  const reference = withFusedUpdates(false, () => trajectory(c, steps, 'update'));
  const fused = kernelsOf(c).some(fusedKernelAvailable);
  const before = tf.memory().numTensors;
  const viaUpdate = trajectory(c, steps, 'update');
  const viaApply = trajectory(c, steps, 'apply');
  // Every tensor the fused runs made is in their trajectories; anything else leaked.
  const leaked = tf.memory().numTensors - before - collectTensors([viaUpdate, viaApply]).size;
  return { reference, viaUpdate, viaApply, fused, leaked };
}

function compare(c: FusedCase, steps: number, runs: Runs, read: Reader): FusedCaseResult {
  const { reference, viaUpdate, viaApply } = runs;
  let updateError = 0;
  let applyError = 0;
  let stateError = 0;
  let countsDiffer = false;
  for (let k = 0; k < steps; k++) {
    updateError = Math.max(updateError, treeRelativeError(viaUpdate.updates[k], reference.updates[k], read));
    applyError = Math.max(applyError, treeRelativeError(viaUpdate.params[k], reference.params[k], read), treeRelativeError(viaApply.params[k], reference.params[k], read));
    const ref = stateTensors(reference.states[k]);
    for (const run of [viaUpdate, viaApply]) {
      const got = stateTensors(run.states[k]);
      countsDiffer ||= got.numbers !== ref.numbers || got.tensors.length !== ref.tensors.length;
      got.tensors.forEach((x, i) => (stateError = Math.max(stateError, ref.tensors[i] ? relativeError(read(x), read(ref.tensors[i])) : Infinity)));
    }
  }
  return { name: c.name, fused: runs.fused, updateError, applyError, stateError, countsDiffer, leaked: runs.leaked };
}

function disposeRuns(runs: Runs): void {
  collectTensors([runs.reference, runs.viaUpdate, runs.viaApply]).forEach((x) => x.dispose());
}

/** Runs `steps` steps composed, fused (`update` then `applyUpdates`) and fused (`updateAndApply`). */
export function runFusedCase(c: FusedCase, steps = 5): FusedCaseResult {
  const runs = runAll(c, steps);
  try {
    return compare(c, steps, runs, syncReader);
  } finally {
    disposeRuns(runs);
  }
}

/** `runFusedCase` reading values with `await data()` (WebGPU, where `dataSync` may be wrong). */
export async function runFusedCaseAsync(c: FusedCase, steps = 5): Promise<FusedCaseResult> {
  const runs = runAll(c, steps);
  try {
    const tensors = [...collectTensors([runs.reference, runs.viaUpdate, runs.viaApply])];
    const values = await Promise.all(tensors.map((t) => t.data()));
    const byTensor = new Map(tensors.map((t, i) => [t, values[i] as ArrayLike<number>]));
    return compare(c, steps, runs, (t) => byTensor.get(t)!);
  } finally {
    disposeRuns(runs);
  }
}

export interface FusedCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** One line per case: `fused:<name> <worst error> ok|FAIL (notes)`, and whether it passed. */
export function describeResult(c: { name: string; kernel: string | readonly string[] }, r: FusedCaseResult, residue: number): { line: string; ok: boolean } {
  const worst = Math.max(r.updateError, r.applyError, r.stateError);
  const ok = worst <= FUSED_TOLERANCE && !r.countsDiffer && r.leaked === 0 && residue === 0;
  const notes = [
    r.fused ? '' : `composed: no ${kernelsOf(c).join(' or ')} kernel on ${tf.getBackend()}`,
    r.countsDiffer ? 'state counts differ' : '',
    r.leaked !== 0 ? `${r.leaked} tensors leaked` : '',
    residue !== 0 ? `${residue} tensors left after disposal` : '',
  ].filter((n) => n !== '');
  return { line: `fused:${c.name} ${worst.toExponential(2)} ${ok ? 'ok' : 'FAIL'}${notes.length ? ` (${notes.join('; ')})` : ''}`, ok };
}

/**
 * Runs every case and prints `fused:<name> <worst error> ok|FAIL`, with `(composed: no <kernel>
 * kernel on <backend>)` where the backend has none, for the conformance suite.
 */
export function runFusedCases(log: (line: string) => void, { steps = 5, cases = FUSED_CASES }: { steps?: number; cases?: FusedCase[] } = {}): FusedCounts {
  const counts: FusedCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const c of cases) {
    const outside = tf.memory().numTensors;
    try {
      const r = runFusedCase(c, steps);
      const { line, ok } = describeResult(c, r, tf.memory().numTensors - outside);
      log(line);
      if (ok) counts.passed++;
      else counts.failed++;
    } catch (e) {
      log(`fused:${c.name} NaN FAIL (${(e as Error).message})`);
      counts.failed++;
    }
  }
  return counts;
}

/** `runFusedCases` with asynchronous readback (WebGPU). */
export async function runFusedCasesAsync(log: (line: string) => void, { steps = 5, cases = FUSED_CASES }: { steps?: number; cases?: FusedCase[] } = {}): Promise<FusedCounts> {
  const counts: FusedCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const c of cases) {
    const outside = tf.memory().numTensors;
    try {
      const r = await runFusedCaseAsync(c, steps);
      const { line, ok } = describeResult(c, r, tf.memory().numTensors - outside);
      log(line);
      if (ok) counts.passed++;
      else counts.failed++;
    } catch (e) {
      log(`fused:${c.name} NaN FAIL (${(e as Error).message})`);
      counts.failed++;
    }
  }
  return counts;
}

/**
 * A function of (params, grads) with a fused path, such as SAM's ascent point `w + c g` or a tree
 * norm: run once fused and once composed (fused updates off) on the same inputs.
 */
export interface FusedFunctionCase {
  name: string;
  /** The kernels the fused path may run (the case is composed-only where the backend has none). */
  kernel: string | readonly string[];
  /** New tensors the caller owns; the inputs are left alone. */
  run: (params: Tree, grads: Tree) => Tree;
  /** Gradient scale. */
  gradScale?: number;
}

export const FUSED_FUNCTION_CASES: FusedFunctionCase[] = [
  { name: 'treeGlobalNorm', kernel: BASIN_GLOBAL_NORM, run: (_w, g) => treeGlobalNorm(g) },
  { name: 'treeScale(number)', kernel: BASIN_SCALED_ADD, run: (_w, g) => treeScale(g, -0.37) },
  { name: 'treeScale(scalar tensor)', kernel: BASIN_SCALED_ADD, run: (_w, g) => tf.tidy(() => treeScale(g, tf.scalar(0.61)) as tf.TensorContainer) as Tree },
  { name: 'treeAddScaled(number)', kernel: BASIN_SCALED_ADD, run: (w, g) => treeAddScaled(w, g, 0.05) },
  {
    name: 'treeAddScaled(scalar tensor: rho / ||g||)',
    kernel: [BASIN_GLOBAL_NORM, BASIN_SCALED_ADD],
    gradScale: 3,
    run: (w, g) => tf.tidy(() => treeAddScaled(w, g, tf.divNoNan(tf.scalar(0.05), tf.add(treeGlobalNorm(g), 1e-12)) as tf.Scalar) as tf.TensorContainer) as Tree,
  },
];

/** One function case: fused against composed, and the tensors the fused run left behind. */
export function runFusedFunctionCase(c: FusedFunctionCase, read: Reader = syncReader): FusedCaseResult {
  const params = makeTree(1);
  const grads = makeTree(100, c.gradScale ?? 1);
  try {
    const reference = withFusedUpdates(false, () => c.run(params, grads));
    const fused = kernelsOf(c).some(fusedKernelAvailable);
    const before = tf.memory().numTensors;
    const got = c.run(params, grads);
    const leaked = tf.memory().numTensors - before - collectTensors(got).size;
    const error = treeRelativeError(got, reference, read);
    treeDispose([reference, got]);
    return { name: c.name, fused, updateError: error, applyError: 0, stateError: 0, countsDiffer: false, leaked };
  } finally {
    treeDispose([params, grads]);
  }
}

/** Runs every function case: `fused:<name> <error> ok|FAIL`, as `runFusedCases`. */
export function runFusedFunctionCases(log: (line: string) => void, cases: FusedFunctionCase[] = FUSED_FUNCTION_CASES): FusedCounts {
  const counts: FusedCounts = { passed: 0, failed: 0, skipped: 0 };
  for (const c of cases) {
    const outside = tf.memory().numTensors;
    try {
      const r = runFusedFunctionCase(c);
      const { line, ok } = describeResult(c, r, tf.memory().numTensors - outside);
      log(line);
      if (ok) counts.passed++;
      else counts.failed++;
    } catch (e) {
      log(`fused:${c.name} NaN FAIL (${(e as Error).message})`);
      counts.failed++;
    }
  }
  return counts;
}
