// Conformance in real headless Chromium: the parity fixtures and every package's leak loops on
// WebGL (SwiftShader when there is no GPU), or on webgpu / wasm in the browser.
//
//   npx tsx tools/browser/conformance.ts [--backend webgl|webgpu|wasm|cpu] [--only parity|leaks] [fixtures.json]
//
// Exits non-zero on any failure; the closing line is `N passed, N failed`.
import { parseConformanceArgs } from '../conformance/run';
import { runInChromium } from './conformance-lib';

async function main(): Promise<void> {
  const { backend, parts, file } = parseConformanceArgs(process.argv.slice(2), 'webgl');
  const { failed } = await runInChromium({ fixturesFile: file, backend, parts, log: console.log });
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
