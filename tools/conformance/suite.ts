// The conformance suite, in the spirit of TF.js's shared backend tests: the parity fixtures and
// a leak loop per transform of every package, on whatever backend is active. Free of Node
// built-ins so Node (cpu, wasm) and headless Chromium (webgl, webgpu, wasm) run the same code.
import * as tf from '@tensorflow/tfjs';
import { step, treeDispose, type Tree } from '@basin/core';
import type { CaseHandler, FixtureFile } from '../parity/fixture-types';
import { runParity } from '../parity/run-cases';
import { LEAK_CASES, makeProblem, PACKAGES, type LeakCase } from './leak-cases';
import { runFusedPart } from './fused';

export type Part = 'parity' | 'leaks' | 'fused';

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface ConformanceOptions {
  parts: readonly Part[];
  fixtures?: FixtureFile;
  handlers?: Record<string, CaseHandler>;
  log: (line: string) => void;
  /** The backend computes in float16: float32-only cases are skipped with a reason. */
  float16?: boolean;
  /** Warm-up steps before counting tensors, then counted steps. */
  warmup?: number;
  steps?: number;
}

/** Steps `transform` on the leak problem; returns how many tensors the counted steps left behind. */
function leakOfTransform(transform: ReturnType<NonNullable<LeakCase['transform']>>, warmup: number, steps: number): number {
  const problem = makeProblem();
  let params: Tree = problem.params;
  let state = transform!.init(params);
  const run = () => {
    const next = step(transform!, problem.loss, params, state, problem.batch);
    treeDispose(params);
    treeDispose(state);
    next.loss.dispose();
    params = next.params;
    state = next.state;
  };
  try {
    for (let i = 0; i < warmup; i++) run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < steps; i++) run();
    return tf.memory().numTensors - before;
  } finally {
    treeDispose([params, state, problem.batch]);
  }
}

function leakOfCall(c: LeakCase, warmup: number, steps: number): number | undefined {
  const problem = makeProblem();
  try {
    const call = c.call!(problem);
    if (!call) return undefined;
    for (let i = 0; i < warmup; i++) call();
    const before = tf.memory().numTensors;
    for (let i = 0; i < steps; i++) call();
    const leaked = tf.memory().numTensors - before;
    call.dispose?.();
    return leaked;
  } finally {
    treeDispose([problem.params, problem.batch]);
  }
}

/** Runs the leak loop of every case; prints `leak:<pkg>/<name> <tensors left> ok|FAIL|skip`. */
export function runLeaks(log: (line: string) => void, { float16 = false, warmup = 2, steps = 3 } = {}): Counts {
  const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
  const empty = Object.entries(PACKAGES).filter(([, ns]) => Object.keys(ns).length === 0).map(([name]) => name);
  for (const c of LEAK_CASES) {
    const label = `leak:${c.pkg}/${c.name}`;
    if (float16 && c.float32) {
      log(`${label} - skip (needs float32; this backend computes in float16)`);
      counts.skipped++;
      continue;
    }
    const outside = tf.memory().numTensors;
    try {
      let leaked: number | undefined;
      if (c.transform) {
        const t = c.transform();
        leaked = t ? leakOfTransform(t, warmup, steps) : undefined;
      } else {
        leaked = leakOfCall(c, warmup, steps);
      }
      if (leaked === undefined) {
        log(`${label} - skip (${empty.includes(c.pkg) ? `@basin/${c.pkg} exports nothing yet` : 'export not found'})`);
        counts.skipped++;
        continue;
      }
      const residue = tf.memory().numTensors - outside;
      const ok = leaked === 0 && residue === 0;
      log(`${label} ${leaked} ${ok ? 'ok' : 'FAIL'}${residue !== 0 ? ` [${residue} tensors left after disposal]` : ''}`);
      if (ok) counts.passed++;
      else counts.failed++;
    } catch (e) {
      log(`${label} NaN FAIL (${(e as Error).message})`);
      counts.failed++;
    }
  }
  return counts;
}

/** Runs the requested parts and prints one line per case; returns the totals. */
export async function runConformance(o: ConformanceOptions): Promise<Counts> {
  const total: Counts = { passed: 0, failed: 0, skipped: 0 };
  const add = (c: Counts) => {
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  };
  if (o.parts.includes('parity')) {
    if (!o.fixtures || !o.handlers) throw new Error('conformance: the parity part needs fixtures and handlers');
    add(await runParity(o.fixtures, o.handlers, o.log, { float16: o.float16, failOnLeak: true }));
  }
  if (o.parts.includes('leaks')) add(runLeaks(o.log, { float16: o.float16, warmup: o.warmup, steps: o.steps }));
  if (o.parts.includes('fused')) add(runFusedPart(o.log, { float16: o.float16 }));
  return total;
}
