// Conformance in Node: the parity fixtures and the leak loops of every package on cpu, wasm
// (or tensorflow / webgpu where installed). For webgl (and webgpu without the `webgpu`
// package) use tools/browser/conformance.ts, which runs the same suite in headless Chromium.
//
//   npx tsx tools/conformance/run.ts [--backend cpu|wasm|tensorflow|webgpu|auto] [--only parity|leaks|fused] [fixtures.json]
//
// Prints one line per case (`<name> <error> ok|FAIL|skip`) and a closing `N passed, N failed`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { verifyBackend } from '@basin/backends';
import { useBackendWithReport, describeChoice, type BackendName } from '../shared/backend';
import { loadHandlers } from '../parity/cases';
import type { FixtureFile } from '../parity/fixture-types';
import { runConformance, type Part } from './suite';

export const DEFAULT_FIXTURES = path.resolve(__dirname, '../../../shared/fixtures/reference-trajectories.json');

export function parseConformanceArgs(argv: string[], defaultBackend: string): { backend: string; parts: Part[]; file: string } {
  let backend = defaultBackend;
  let parts: Part[] = ['parity', 'leaks', 'fused'];
  let file = process.env.BASIN_FIXTURES ?? DEFAULT_FIXTURES;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--backend') backend = argv[++i];
    else if (a.startsWith('--backend=')) backend = a.slice(10);
    else if (a === '--only') parts = [argv[++i] as Part];
    else if (a.startsWith('--only=')) parts = [a.slice(7) as Part];
    else file = a;
  }
  return { backend, parts, file };
}

async function main(): Promise<void> {
  const { backend, parts, file } = parseConformanceArgs(process.argv.slice(2), 'cpu');
  const choice = await useBackendWithReport(backend as BackendName);
  console.log(`conformance: ${describeChoice(choice)}`);
  const v = await verifyBackend();
  if (!v.syncReadback || !v.asyncReadback) {
    console.log(`readback NaN FAIL (a 16x16 matmul read back wrong: sync ${v.syncReadback}, async ${v.asyncReadback}, max error ${v.maxError})`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  const fixtures = parts.includes('parity') ? (JSON.parse(readFileSync(file, 'utf8')) as FixtureFile) : undefined;
  const { passed, failed, skipped } = await runConformance({
    parts,
    fixtures,
    handlers: parts.includes('parity') ? await loadHandlers() : undefined,
    log: console.log,
    float16: choice.precision === 16,
  });
  console.log(`conformance on '${choice.name}': ${skipped} skipped`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
    process.exit(1);
  });
}
