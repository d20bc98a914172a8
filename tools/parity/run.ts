// Parity runner: replays every case of a reference-trajectory file (format in
// shared/fixtures/README.md) through Basin's public API and prints, per case,
// `<name> <max relative error> ok|FAIL|skip`. Exits non-zero on any FAIL.
//
//   npm run parity -- ../shared/fixtures/reference-trajectories.json [--backend cpu|wasm|webgl|webgpu|tensorflow|auto]
//
// cpu, wasm and tensorflow run here in Node. webgl runs in headless Chromium (tools/browser);
// webgpu runs in Node when the `webgpu` package is installed, else in Chromium where it has
// an adapter.
import { readFileSync } from 'node:fs';
import { useBackendWithReport, describeChoice, type BackendName } from '../shared/backend';
import type { FixtureFile } from './fixture-types';
import { loadHandlers } from './cases';
import { runParity } from './run-cases';

export { runParity } from './run-cases';

function parseArgs(argv: string[]): { file: string; backend: BackendName | 'auto' } {
  let file = '';
  let backend: BackendName | 'auto' = 'cpu';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--backend') backend = argv[++i] as BackendName;
    else if (argv[i].startsWith('--backend=')) backend = argv[i].slice('--backend='.length) as BackendName;
    else file = argv[i];
  }
  if (!file) {
    console.error('usage: npm run parity -- <fixtures.json> [--backend cpu|wasm|webgl|webgpu|tensorflow|auto]');
    process.exit(2);
  }
  return { file, backend };
}

/** True when Node can run WebGPU itself (the `webgpu` Dawn package is installed). */
function nodeHasWebGpu(): boolean {
  try {
    require.resolve('webgpu');
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { file, backend } = parseArgs(process.argv.slice(2));
  const fixtures = JSON.parse(readFileSync(file, 'utf8')) as FixtureFile;
  if (!Array.isArray(fixtures.cases)) throw new Error(`${file}: no 'cases' array`);
  if (backend === 'webgl' || (backend === 'webgpu' && !nodeHasWebGpu())) {
    // Browser backends: the same cases, bundled and run in headless Chromium.
    const { runInChromium } = await import('../browser/conformance-lib');
    console.log(`parity: ${fixtures.cases.length} cases from ${file} (tag ${fixtures.tag}, seed ${fixtures.seed}) on backend '${backend}' in headless Chromium`);
    const { failed, passed, skipped } = await runInChromium({ fixturesFile: file, backend, parts: ['parity'], log: console.log, float16Check: false });
    console.log(`parity: ${passed} ok, ${failed} FAIL, ${skipped} skip (backend '${backend}', Chromium)`);
    process.exit(failed > 0 ? 1 : 0);
  }
  const choice = await useBackendWithReport(backend);
  console.log(`parity: ${fixtures.cases.length} cases from ${file} (tag ${fixtures.tag}, seed ${fixtures.seed}) on backend '${choice.name}'`);
  console.log(`parity: ${describeChoice(choice)}`);
  const { failed, passed, skipped } = await runParity(fixtures, await loadHandlers(), console.log, { float16: choice.precision === 16 });
  console.log(`parity: ${passed} ok, ${failed} FAIL, ${skipped} skip (backend '${choice.name}')`);
  process.exit(failed > 0 ? 1 : 0);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
    process.exit(1);
  });
}
