// The fused-update benchmark on whatever backend is active, free of Node built-ins so Node (cpu,
// wasm) and headless Chromium (webgl) run the same code: kernels launched per update and update
// time against tf.train on the same backend.
import * as tf from '@tensorflow/tfjs';
import { adam, adamw, applyUpdates, chain, clipByGlobalNorm, lion, rmsprop, sgd, treeDispose, treeGlobalNorm, type Transform, type Tree } from '@basin/core';
import { perturbed } from '@basin/sam';
import { setFusedUpdates, updateAndApply, withFusedUpdates } from '../../packages/core/src/fused';

export interface BenchOptions {
  /** 60 leaves: `layers` dense layers (a kernel and a bias each) of width `width`. */
  layers?: number;
  width?: number;
  /** Timing rounds (each variant runs `stepsPerRound` steps per round, variants interleaved). */
  rounds?: number;
  stepsPerRound?: number;
  /** Only SAM's ascent point and clipping (skip the optimizer updates). */
  samClipOnly?: boolean;
  log: (line: string) => void;
}

export interface Problem {
  shapes: number[][];
  params: tf.Tensor[];
  grads: tf.Tensor[];
}

export function makeProblem(layers: number, width: number): Problem {
  const shapes: number[][] = [];
  for (let i = 0; i < layers; i++) shapes.push([width, width], [width]);
  return {
    shapes,
    params: shapes.map((s, i) => tf.randomNormal(s, 0, 0.1, 'float32', 10 + i)),
    grads: shapes.map((s, i) => tf.randomNormal(s, 0, 0.01, 'float32', 1000 + i)),
  };
}

/** Finishes queued GPU work (WebGL), so a timer sees it; a no-op on cpu and wasm. */
export function sync(): void {
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
  gl?.finish();
}

/** GPU programs run by `fn` on WebGL (each a dispatch), or undefined elsewhere. */
export function countPrograms(fn: () => void): number | undefined {
  const backend = tf.backend() as unknown as { runWebGLProgram?: (...args: unknown[]) => unknown };
  const original = backend.runWebGLProgram;
  if (typeof original !== 'function') return undefined;
  let n = 0;
  backend.runWebGLProgram = function (this: unknown, ...args: unknown[]) {
    n++;
    return original.apply(this, args);
  };
  try {
    fn();
  } finally {
    backend.runWebGLProgram = original;
  }
  return n;
}

type Stepper = { step: () => void; dispose: () => void };

/** A Basin transform stepping on copies of the problem: 'composed', 'fused' (update + applyUpdates) or 'apply' (updateAndApply). */
function basinStepper(make: () => Transform<any>, p: Problem, mode: 'composed' | 'fused' | 'apply'): Stepper {
  const t = make();
  let params: Tree = p.params.map((x) => tf.clone(x));
  let state = t.init(params);
  const step = () => {
    if (mode === 'apply') {
      const [next, s] = updateAndApply(t, p.grads, state, params);
      treeDispose([params, state]);
      params = next;
      state = s;
      return;
    }
    const previous = setFusedUpdates(mode === 'fused');
    try {
      const [u, s] = t.update(p.grads, state, params);
      const next = applyUpdates(params, u);
      treeDispose([params, state, u]);
      params = next;
      state = s;
    } finally {
      setFusedUpdates(previous);
    }
  };
  return { step, dispose: () => treeDispose([params, state]) };
}

/** A tf.train optimizer stepping on variables holding copies of the problem's params. */
function tfTrainStepper(make: () => tf.Optimizer, p: Problem, tag: string): Stepper {
  const vars = p.params.map((x, i) => tf.variable(tf.clone(x), true, `fused_bench_${tag}_${i}_${Math.random().toString(36).slice(2)}`));
  const grads = Object.fromEntries(vars.map((v, i) => [v.name, p.grads[i]]));
  const opt = make();
  return {
    step: () => opt.applyGradients(grads),
    dispose: () => {
      opt.dispose();
      vars.forEach((v) => v.dispose());
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface CountRow {
  name: string;
  composed: number;
  fused: number;
  apply: number;
  programs?: { composed: number; fused: number; apply: number };
}

/** Kernels (tf.profile) and, on WebGL, GPU programs per step, for one steady-state step. */
async function counts(make: () => Transform<any>, p: Problem): Promise<{ kernels: number; programs?: number }[]> {
  const out: { kernels: number; programs?: number }[] = [];
  for (const mode of ['composed', 'fused', 'apply'] as const) {
    const s = basinStepper(make, p, mode);
    s.step(); // warm-up: guard caches, shader compiles
    const programs = countPrograms(() => s.step());
    const profile = await tf.profile(() => s.step());
    out.push({ kernels: profile.kernels.length, programs });
    s.dispose();
  }
  return out;
}

async function tfCounts(make: () => tf.Optimizer, p: Problem): Promise<{ kernels: number; programs?: number }> {
  const s = tfTrainStepper(make, p, 'count');
  s.step();
  const programs = countPrograms(() => s.step());
  const profile = await tf.profile(() => s.step());
  s.dispose();
  return { kernels: profile.kernels.length, programs };
}

const fix = (x: number, d = 1) => (Number.isInteger(x) ? String(x) : x.toFixed(d));

export async function runFusedBench(o: BenchOptions): Promise<void> {
  const { log, layers = 30, width = 128, rounds = 7, stepsPerRound = 4 } = o;
  const backend = tf.getBackend();
  const p = makeProblem(layers, width);
  const leaves = p.shapes.length;
  const size = p.shapes.reduce((n, s) => n + tf.util.sizeFromShape(s), 0);
  log(`backend ${backend}: ${leaves} leaves (${layers} x [${width},${width}] + [${width}]), ${size} parameters`);
  if (o.samClipOnly) {
    await runTreeFunctionBench(p, o);
    tf.dispose([...p.params, ...p.grads]);
    return;
  }

  // 1. Kernels launched per update.
  const transforms: [string, () => Transform<any>, (() => tf.Optimizer)?][] = [
    ['sgd', () => sgd({ learningRate: 0.01 }), () => tf.train.sgd(0.01)],
    ['momentum', () => sgd({ learningRate: 0.01, momentum: 0.9 }), () => tf.train.momentum(0.01, 0.9)],
    ['nesterov', () => sgd({ learningRate: 0.01, momentum: 0.9, nesterov: true }), () => tf.train.momentum(0.01, 0.9, true)],
    ['adam', () => adam({ learningRate: 1e-3 }), () => tf.train.adam(1e-3)],
    ['adamw', () => adamw({ learningRate: 1e-3, weightDecay: 1e-2 })],
    ['clip+adamw', () => chain(clipByGlobalNorm(1), adamw({ learningRate: 1e-3, weightDecay: 1e-2 }))],
    ['lion', () => lion({ learningRate: 1e-4 })],
    ['rmsprop', () => rmsprop({ learningRate: 1e-3 }), () => tf.train.rmsprop(1e-3, 0.9, 0, 1e-8)],
  ];
  const rows: (CountRow & { tf?: { kernels: number; programs?: number } })[] = [];
  for (const [name, make, tfMake] of transforms) {
    const [c, f, a] = await counts(make, p);
    rows.push({
      name,
      composed: c.kernels,
      fused: f.kernels,
      apply: a.kernels,
      programs: c.programs === undefined ? undefined : { composed: c.programs, fused: f.programs!, apply: a.programs! },
      tf: tfMake ? await tfCounts(tfMake, p) : undefined,
    });
  }
  const perLeaf = (n: number) => fix(n / leaves, 2);
  log('kernels per update (tf.profile), per leaf [per step]: composed = update + applyUpdates with fused updates off; fused = update + applyUpdates; updateAndApply = fused, params written by the kernel');
  for (const r of rows) {
    log(
      `  ${r.name.padEnd(11)} composed ${perLeaf(r.composed).padStart(5)} [${r.composed}]  fused ${perLeaf(r.fused).padStart(5)} [${r.fused}]  updateAndApply ${perLeaf(r.apply).padStart(5)} [${r.apply}]` +
        (r.tf ? `  tf.train ${perLeaf(r.tf.kernels)} [${r.tf.kernels}]` : ''),
    );
  }
  if (rows[0].programs) {
    log('GPU programs per update (WebGL dispatches, packing included), per leaf [per step]');
    for (const r of rows) {
      const g = r.programs!;
      log(
        `  ${r.name.padEnd(11)} composed ${perLeaf(g.composed).padStart(5)} [${g.composed}]  fused ${perLeaf(g.fused).padStart(5)} [${g.fused}]  updateAndApply ${perLeaf(g.apply).padStart(5)} [${g.apply}]` +
          (r.tf?.programs !== undefined ? `  tf.train ${perLeaf(r.tf.programs)} [${r.tf.programs}]` : ''),
      );
    }
  }

  // 2. Update time against tf.train on this backend: variants interleaved, medians of per-round ratios.
  const timed: [string, () => Transform<any>, () => tf.Optimizer][] = [
    ['adam', () => adam({ learningRate: 1e-3 }), () => tf.train.adam(1e-3)],
    ['adamw', () => adamw({ learningRate: 1e-3, weightDecay: 1e-2 }), () => tf.train.adam(1e-3)],
    ['momentum', () => sgd({ learningRate: 0.01, momentum: 0.9 }), () => tf.train.momentum(0.01, 0.9)],
  ];
  log(`update time (${rounds} interleaved rounds of ${stepsPerRound} steps; median ms per update; ratio = median of per-round ratios to tf.train; adamw against tf.train.adam)`);
  for (const [name, make, tfMake] of timed) {
    const steppers: [string, Stepper][] = [
      ['tf.train', tfTrainStepper(tfMake, p, name)],
      ['composed', basinStepper(make, p, 'composed')],
      ['fused', basinStepper(make, p, 'fused')],
      ['updateAndApply', basinStepper(make, p, 'apply')],
    ];
    for (const [, s] of steppers) {
      for (let i = 0; i < 2; i++) s.step();
      sync();
    }
    const times: number[][] = steppers.map(() => []);
    for (let r = 0; r < rounds; r++) {
      steppers.forEach(([, s], k) => {
        const t0 = performance.now();
        for (let i = 0; i < stepsPerRound; i++) s.step();
        sync();
        times[k].push((performance.now() - t0) / stepsPerRound);
      });
    }
    const cells = steppers.map(([label], k) => {
      const ratio = k === 0 ? '' : ` (${median(times[k].map((t, i) => t / times[0][i])).toFixed(2)}x)`;
      return `${label} ${median(times[k]).toFixed(2)} ms${ratio}`;
    });
    log(`  ${name.padEnd(9)} ${cells.join('  ')}`);
    steppers.forEach(([, s]) => s.dispose());
  }
  await runTreeFunctionBench(p, o);
  tf.dispose([...p.params, ...p.grads]);
}

/**
 * SAM's ascent point and clipping (the norm over the whole tree, then a scaling per leaf), fused
 * against composed on this backend: kernels (and WebGL programs) per call, and time in alternating
 * rounds (composed, fused, composed, ...; ratio = median of per-round fused/composed ratios).
 */
async function runTreeFunctionBench(p: Problem, o: BenchOptions): Promise<void> {
  const { log, rounds = 7, stepsPerRound = 4 } = o;
  const leaves = p.shapes.length;
  const big = p.grads.map((g) => tf.mul(g, 100));
  const clip = clipByGlobalNorm(1);
  const fns: [string, () => tf.TensorContainer][] = [
    ['sam ascent point w + rho g/||g||', () => perturbed(p.grads, p.params, { rho: 0.05 }) as tf.TensorContainer],
    ['sam ascent point, unnormalised', () => perturbed(p.grads, p.params, { rho: 0.05, normalize: false }) as tf.TensorContainer],
    ['clipByGlobalNorm(1), clipping', () => clip.update(big, {})[0] as tf.TensorContainer],
    ['treeGlobalNorm', () => treeGlobalNorm(p.grads)],
  ];
  log('SAM ascent point and clipping: kernels per call (tf.profile), per leaf [per call]; GPU programs on WebGL; time fused/composed (alternating rounds, median ms per call)');
  for (const [name, fn] of fns) {
    const once = (fused: boolean) => () => withFusedUpdates(fused, () => tf.dispose(fn()));
    once(false)();
    once(true)();
    const kernels = async (fused: boolean) => (await tf.profile(once(fused))).kernels.length;
    const [kc, kf] = [await kernels(false), await kernels(true)];
    const [pc, pf] = [countPrograms(once(false)), countPrograms(once(true))];
    const times: number[][] = [[], []];
    for (let r = 0; r < rounds; r++) {
      [false, true].forEach((fused, k) => {
        const t0 = performance.now();
        for (let i = 0; i < stepsPerRound; i++) once(fused)();
        sync();
        times[k].push((performance.now() - t0) / stepsPerRound);
      });
    }
    const ratio = median(times[1].map((t, i) => t / times[0][i]));
    const per = (n: number) => fix(n / leaves, 2);
    const programs = pc === undefined ? '' : `  programs composed ${per(pc)} [${pc}] fused ${per(pf!)} [${pf}]`;
    log(
      `  ${name.padEnd(33)} kernels composed ${per(kc).padStart(5)} [${kc}]  fused ${per(kf).padStart(5)} [${kf}]${programs}  ` +
        `time composed ${median(times[0]).toFixed(2)} ms  fused ${median(times[1]).toFixed(2)} ms (${ratio.toFixed(2)}x)`,
    );
  }
  tf.dispose(big);
}

/** Runs `fn` with fused updates forced off (the composed reference). */
export const composed = <R>(fn: () => R): R => withFusedUpdates(false, fn);
