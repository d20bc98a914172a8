// Browser side of the conformance suite: bundled by conformance-lib.ts with every parity case
// file that bundles, run in headless Chromium on webgl, webgpu or wasm.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { useBackend, verifyBackend, type BackendName } from '@basin/backends';
// Virtual module made by conformance-lib.ts: the handlers of tools/parity/cases/*.ts.
import { handlers, excluded } from 'basin:parity-cases';
import type { FixtureFile } from '../parity/fixture-types';
import { runConformance, type Part } from '../conformance/suite';

export interface BrowserRunOptions {
  backend: BackendName;
  parts: Part[];
  fixturesUrl: string;
  wasmPath: string;
}

declare global {
  interface Window {
    __basinLog: (line: string) => void;
    __basinConformance: (o: BrowserRunOptions) => Promise<{ passed: number; failed: number; skipped: number; backend: string }>;
    __basinFloat16Check: () => Promise<{ passed: number; failed: number; lines: string[] }>;
  }
}

// For ad-hoc checks from the test driver (page.evaluate).
(window as unknown as { __tf: typeof tf }).__tf = tf;

window.__basinConformance = async ({ backend, parts, fixturesUrl, wasmPath }) => {
  const log = (line: string) => window.__basinLog(line);
  setWasmPaths(wasmPath);
  // WebGPU registers only where navigator.gpu exists, so it is loaded after useBackend checks.
  const choice = await useBackend(backend, { loaders: { webgpu: () => import('@tensorflow/tfjs-backend-webgpu') } });
  const details = Object.entries(choice.details).map(([k, v]) => `${k}=${v}`).join(', ');
  log(`conformance: backend '${choice.name}' in Chromium (float${choice.precision}; ${details}) - ${choice.reason}`);
  if (choice.precision === 16) log(`conformance: WARNING float16 backend: float32-only cases are skipped`);
  const v = await verifyBackend();
  if (!v.syncReadback) {
    // Everything below reads synchronously (finite checks, error measures): results would be noise.
    log(`readback:sync NaN FAIL (dataSync returns wrong values on this adapter, max error ${v.maxError}; async data() ${v.asyncReadback ? 'is right' : 'is wrong too'}): the suite was not run`);
    return { passed: 0, failed: 1, skipped: 0, backend: tf.getBackend() };
  }
  for (const e of excluded) log(`conformance: case file ${e.file} left out of the browser bundle: ${e.reason}`);
  const fixtures = parts.includes('parity') ? ((await (await fetch(fixturesUrl)).json()) as FixtureFile) : undefined;
  const counts = await runConformance({ parts, fixtures, handlers, log, float16: choice.precision === 16 });
  return { ...counts, backend: tf.getBackend() };
};

/**
 * Forces WebGL to half-float textures (as on GPUs without float32 render targets) before the
 * backend starts, and checks that @basin/backends detects it: a warning by default, a refusal
 * (falling back to cpu) with requireFloat32. Run on a fresh page.
 */
window.__basinFloat16Check = async () => {
  const lines: string[] = [];
  let passed = 0;
  let failed = 0;
  const check = (name: string, ok: boolean, detail: string) => {
    lines.push(`precision:${name} - ${ok ? 'ok' : 'FAIL'} (${detail})`);
    if (ok) passed++;
    else failed++;
  };
  tf.env().set('WEBGL_FORCE_F16_TEXTURES', true);
  const refused = await useBackend(['webgl', 'cpu'], { requireFloat32: true });
  check('float16-refused', refused.name === 'cpu' && /refused: .*float16/.test(refused.skipped[0]?.reason ?? ''), `chose ${refused.name}; ${refused.skipped[0]?.reason.slice(0, 80)}`);
  const warnings: string[] = [];
  const accepted = await useBackend('webgl', { warn: (m) => warnings.push(m) });
  check('float16-detected', accepted.precision === 16 && warnings.length === 1, `precision ${accepted.precision}, ${warnings.length} warning(s)`);
  return { passed, failed, lines };
};
