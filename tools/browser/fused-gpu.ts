// The fused-update cases on a GPU backend in headless Chromium, with asynchronous readback: the
// way to check the WebGPU kernels where the conformance suite cannot run (it needs a working
// dataSync, which WebGPU on SwiftShader lacks). WebGL also runs them in tools/browser/conformance.ts.
//   npx tsx tools/browser/fused-gpu.ts [--backend webgpu|webgl] [--flag NAME=value ...]
// (`--flag WEBGL_PACK=false` checks the unpacked WebGL programs.)
// Exits non-zero on any failure; the closing line is `N passed, N failed`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleForBrowser } from './bundle';
import { launchChromium } from './chromium';
import { serveStatic } from './server';

async function main(): Promise<void> {
  const i = process.argv.indexOf('--backend');
  const backend = i >= 0 ? process.argv[i + 1] : 'webgpu';
  const flags: Record<string, boolean | number> = {};
  process.argv.forEach((a, k) => {
    if (a !== '--flag') return;
    const [name, value] = process.argv[k + 1].split('=');
    flags[name] = value === 'true' ? true : value === 'false' ? false : Number(value);
  });
  const out = mkdtempSync(path.join(tmpdir(), 'basin-fused-gpu-'));
  await bundleForBrowser(path.join(__dirname, 'fused-gpu-entry.ts'), path.join(out, 'fused.js'));
  writeFileSync(path.join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script src="fused.js"></script>');
  const server = await serveStatic({ '/': out });
  const browser = await launchChromium({
    webgpu: backend === 'webgpu',
    onConsole: (type, text) => {
      if (type === 'error' && !text.includes('GL Driver Message')) console.log(`[chromium ${type}] ${text.split('\n')[0]}`);
    },
  });
  let failed = 1;
  try {
    await browser.page.exposeFunction('__basinLog', (line: string) => console.log(line));
    await browser.page.goto(`${server.url}/index.html`);
    const counts = await browser.page.evaluate(
      (args) => (window as unknown as { __basinFusedGpu: (a: unknown) => Promise<{ passed: number; failed: number }> }).__basinFusedGpu(args),
      { backend, flags },
    );
    const pageErrors = browser.errors.filter((e) => e.startsWith('pageerror'));
    pageErrors.forEach((e) => console.log(e));
    failed = counts.failed + pageErrors.length;
    console.log(`${counts.passed} passed, ${failed} failed`);
  } finally {
    await browser.close();
    await server.close();
    rmSync(out, { recursive: true, force: true });
  }
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
