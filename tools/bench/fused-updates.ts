// Fused optimizer updates (packages/core/src/fused): kernels launched per update and update time
// against tf.train on the same backend, in one run: cpu and wasm in Node, then WebGL in headless
// Chromium (SwiftShader when there is no GPU) through tools/browser's harness.
//   npx tsx tools/bench/fused-updates.ts [--backends cpu,wasm,webgl] [--rounds 7] [--steps 4] [--sam-clip-only]
// The last section times SAM's ascent point and clipping (norm + scaling), fused against composed.
// On wasm, @basin/core keeps the composed path by default; the wasm section also times its
// JavaScript kernels registered for wasm (`registerJsFusedKernels('wasm')`, opt-in).
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { useBackend, type BackendName } from '../shared/backend';
import { bundleForBrowser } from '../browser/bundle';
import { launchChromium } from '../browser/chromium';
import { serveStatic } from '../browser/server';
import { FUSED_KERNEL_NAMES, registerJsFusedKernels } from '../../packages/core/src/fused';
import { runFusedBench } from './fused-updates-lib';

const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function inChromium(rounds: number, steps: number, samClipOnly: boolean): Promise<void> {
  const out = mkdtempSync(path.join(tmpdir(), 'basin-fused-bench-'));
  await bundleForBrowser(path.join(__dirname, '../browser/fused-bench-entry.ts'), path.join(out, 'bench.js'));
  writeFileSync(path.join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script src="bench.js"></script>');
  const server = await serveStatic({ '/': out });
  const browser = await launchChromium({
    onConsole: (type, text) => {
      if (type === 'error' && !text.includes('GL Driver Message')) console.log(`[chromium ${type}] ${text.split('\n')[0]}`);
    },
  });
  try {
    await browser.page.exposeFunction('__basinLog', (line: string) => console.log(line));
    await browser.page.goto(`${server.url}/index.html`);
    await browser.page.evaluate((args) => (window as unknown as { __basinFusedBench: (a: unknown) => Promise<void> }).__basinFusedBench(args), { rounds, steps, samClipOnly });
  } finally {
    await browser.close();
    await server.close();
    rmSync(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const backends = (flag('--backends') ?? 'cpu,wasm,webgl').split(',');
  const rounds = Number(flag('--rounds') ?? 7);
  const steps = Number(flag('--steps') ?? 4);
  const samClipOnly = process.argv.includes('--sam-clip-only');
  for (const backend of backends) {
    if (backend === 'webgl') {
      await inChromium(rounds, steps, samClipOnly);
      continue;
    }
    await useBackend(backend as BackendName);
    await runFusedBench({ log: console.log, rounds, stepsPerRound: steps, samClipOnly });
    if (backend === 'wasm') {
      console.log('wasm with @basin/core\'s JavaScript kernels registered (opt-in):');
      const added = FUSED_KERNEL_NAMES.filter((name) => tf.getKernel(name, 'wasm') === undefined);
      registerJsFusedKernels('wasm');
      try {
        await runFusedBench({ log: console.log, rounds, stepsPerRound: steps, samClipOnly });
      } finally {
        added.forEach((name) => tf.unregisterKernel(name, 'wasm'));
      }
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
