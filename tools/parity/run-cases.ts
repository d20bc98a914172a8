// The parity loop, free of Node built-ins so the browser conformance bundle can run it too.
// Prints, per case, `<name> <max relative error> ok|FAIL|skip`.
import * as tf from '@tensorflow/tfjs';
import type { CaseHandler, FixtureFile } from './fixture-types';

/**
 * Cases whose algorithms need float32 (matrix roots, Newton-Schulz, Hessian quantities): on a
 * float16 backend (WebGL without float32 render targets) they are skipped with a reason
 * instead of failing with meaningless errors.
 */
export const FLOAT32_CASES = new Set(['muon', 'shampoo_plain', 'newton_schulz5', 'inverse_pth_root', 'hessian_mlp']);

export interface ParityOptions {
  /** The backend computes in float16: skip FLOAT32_CASES. */
  float16?: boolean;
  /** Count a case that leaves tensors behind as FAIL (the conformance suite does). */
  failOnLeak?: boolean;
}

export async function runParity(
  fixtures: FixtureFile,
  handlers: Record<string, CaseHandler>,
  log: (line: string) => void = console.log,
  { float16 = false, failOnLeak = false }: ParityOptions = {},
): Promise<{ failed: number; passed: number; skipped: number }> {
  let failed = 0;
  let passed = 0;
  let skipped = 0;
  for (const c of fixtures.cases) {
    const handler: CaseHandler | undefined = handlers[c.name];
    if (!handler) {
      log(`${c.name} - skip`);
      skipped++;
      continue;
    }
    if (float16 && FLOAT32_CASES.has(c.name)) {
      log(`${c.name} - skip (needs float32; this backend computes in float16)`);
      skipped++;
      continue;
    }
    const before = tf.memory().numTensors;
    try {
      const { error, tolerance, detail } = await handler(c);
      const leaked = tf.memory().numTensors - before;
      const ok = Number.isFinite(error) && error <= tolerance && !(failOnLeak && leaked !== 0);
      log(`${c.name} ${error.toExponential(2)} ${ok ? 'ok' : 'FAIL'}${detail ? ` (${detail})` : ''}${leaked !== 0 ? ` [leaked ${leaked} tensors]` : ''}`);
      if (ok) passed++;
      else failed++;
    } catch (e) {
      log(`${c.name} NaN FAIL (${(e as Error).message})`);
      failed++;
    }
  }
  return { failed, passed, skipped };
}
