// Runs the conformance suite (tools/conformance/suite.ts) in headless Chromium: bundles the
// browser entry with every parity case file that bundles, serves it with the fixtures and the
// WASM files on 127.0.0.1, and streams the page's result lines back.
import { build, type Plugin } from 'esbuild';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { basinSources, bundleForBrowser, REPO_ROOT } from './bundle';
import { launchChromium } from './chromium';
import { serveStatic } from './server';
import type { Part } from '../conformance/suite';

const CASES_DIR = path.join(REPO_ROOT, 'tools/parity/cases');
const WASM_DIR = path.join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');

/** Case files that bundle for the browser; a package mid-rewrite must not break the others. */
async function bundleableCaseFiles(log: (line: string) => void): Promise<{ files: string[]; excluded: { file: string; reason: string }[] }> {
  const files: string[] = [];
  const excluded: { file: string; reason: string }[] = [];
  for (const name of readdirSync(CASES_DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.endsWith('.test.ts')).sort()) {
    const file = path.join(CASES_DIR, name);
    try {
      await build({ entryPoints: [file], bundle: true, write: false, platform: 'browser', logLevel: 'silent', external: ['@tensorflow/*'], plugins: [basinSources] });
      files.push(file);
    } catch (e) {
      const reason = ((e as { errors?: { text: string }[] }).errors?.[0]?.text ?? String(e)).split('\n')[0];
      excluded.push({ file: name, reason });
      log(`conformance: leaving out ${name}: ${reason}`);
    }
  }
  return { files, excluded };
}

/** `basin:parity-cases`: imports each case file and merges its `cases` (or `coreCases`). */
function parityCasesModule(files: string[], excluded: { file: string; reason: string }[]): Plugin {
  return {
    name: 'basin-parity-cases',
    setup(b) {
      b.onResolve({ filter: /^basin:parity-cases$/ }, () => ({ path: 'parity-cases', namespace: 'basin' }));
      b.onLoad({ filter: /.*/, namespace: 'basin' }, () => ({
        resolveDir: CASES_DIR,
        loader: 'ts',
        contents: [
          ...files.map((f, i) => `import * as m${i} from ${JSON.stringify(f)};`),
          'const pick = (m: Record<string, unknown>) => Object.assign({}, ...Object.entries(m).filter(([k, v]) => /[cC]ases$/.test(k) && v && typeof v === "object").map(([, v]) => v));',
          `export const handlers = Object.assign({}, ${files.map((_, i) => `pick(m${i})`).join(', ')});`,
          `export const excluded = ${JSON.stringify(excluded)};`,
        ].join('\n'),
      }));
    },
  };
}

export interface ChromiumRunOptions {
  fixturesFile?: string;
  backend: string;
  parts: Part[];
  log: (line: string) => void;
  /** Also run the forced-float16 detection check (webgl only). Default: true for webgl. */
  float16Check?: boolean;
}

export async function runInChromium(o: ChromiumRunOptions): Promise<{ passed: number; failed: number; skipped: number }> {
  const t0 = Date.now();
  const out = mkdtempSync(path.join(tmpdir(), 'basin-conformance-'));
  const { files, excluded } = await bundleableCaseFiles(o.log);
  await bundleForBrowser(path.join(__dirname, 'conformance-entry.ts'), path.join(out, 'conformance.js'), { plugins: [parityCasesModule(files, excluded)] });
  writeFileSync(path.join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><title>Basin conformance</title><link rel="icon" href="data:,"><script src="conformance.js"></script>');
  const routes: Record<string, string> = { '/': out, '/wasm/': WASM_DIR };
  if (o.fixturesFile) routes['/fixtures.json'] = path.resolve(o.fixturesFile);
  const server = await serveStatic(routes);
  const browser = await launchChromium({
    webgpu: o.backend === 'webgpu',
    onConsole: (type, text) => {
      if ((type === 'error' || type === 'warning') && !text.includes('GL Driver Message')) o.log(`[chromium ${type}] ${text.split('\n')[0]}`);
    },
  });
  try {
    await browser.page.exposeFunction('__basinLog', (line: string) => o.log(line));
    await browser.page.goto(`${server.url}/index.html`);
    o.log(`conformance: bundled and loaded in Chromium in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const counts = await browser.page.evaluate(
      (args) => window.__basinConformance(args as never),
      { backend: o.backend, parts: o.parts, fixturesUrl: '/fixtures.json', wasmPath: `${server.url}/wasm/` },
    );
    const total = { passed: counts.passed, failed: counts.failed, skipped: counts.skipped };
    if (o.float16Check ?? o.backend === 'webgl') {
      await browser.page.reload();
      const f16 = await browser.page.evaluate(() => window.__basinFloat16Check());
      f16.lines.forEach((l) => o.log(l));
      total.passed += f16.passed;
      total.failed += f16.failed;
    }
    const pageErrors = browser.errors.filter((e) => e.startsWith('pageerror'));
    for (const e of pageErrors) o.log(`conformance: ${e}`);
    total.failed += pageErrors.length;
    o.log(`conformance on '${counts.backend}' in Chromium: ${total.skipped} skipped (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    o.log(`${total.passed} passed, ${total.failed} failed`);
    return total;
  } finally {
    await browser.close();
    await server.close();
    rmSync(out, { recursive: true, force: true });
  }
}
