// Parity runner: replays every case of a reference-trajectory file (format in
// shared/fixtures/README.md) through Basin's public API and prints, per case,
// `<name> <max relative error> ok|FAIL|skip`. Exits non-zero on any FAIL.
//
//   npm run parity -- ../shared/fixtures/reference-trajectories.json [--backend cpu|wasm|webgl|webgpu]
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '../shared/backend';
import type { CaseHandler, FixtureFile } from './fixture-types';
import { loadHandlers } from './cases';

function parseArgs(argv: string[]): { file: string; backend: BackendName | 'auto' } {
  let file = '';
  let backend: BackendName | 'auto' = 'cpu';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--backend') backend = argv[++i] as BackendName;
    else if (argv[i].startsWith('--backend=')) backend = argv[i].slice('--backend='.length) as BackendName;
    else file = argv[i];
  }
  if (!file) {
    console.error('usage: npm run parity -- <fixtures.json> [--backend cpu|wasm|webgl|webgpu]');
    process.exit(2);
  }
  return { file, backend };
}

export async function runParity(fixtures: FixtureFile, handlers: Record<string, CaseHandler>, log = console.log): Promise<{ failed: number; passed: number; skipped: number }> {
  let failed = 0;
  let passed = 0;
  let skipped = 0;
  for (const c of fixtures.cases) {
    const handler = handlers[c.name];
    if (!handler) {
      log(`${c.name} - skip`);
      skipped++;
      continue;
    }
    const before = tf.memory().numTensors;
    try {
      const { error, tolerance, detail } = await handler(c);
      const ok = Number.isFinite(error) && error <= tolerance;
      const leaked = tf.memory().numTensors - before;
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

async function main(): Promise<void> {
  const { file, backend } = parseArgs(process.argv.slice(2));
  const fixtures = JSON.parse(readFileSync(file, 'utf8')) as FixtureFile;
  if (!Array.isArray(fixtures.cases)) throw new Error(`${file}: no 'cases' array`);
  const chosen = await useBackend(backend);
  console.log(`parity: ${fixtures.cases.length} cases from ${file} (tag ${fixtures.tag}, seed ${fixtures.seed}) on backend '${chosen}'`);
  const { failed, passed, skipped } = await runParity(fixtures, await loadHandlers());
  console.log(`parity: ${passed} ok, ${failed} FAIL, ${skipped} skip`);
  process.exit(failed > 0 ? 1 : 0);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
