// Builds the browser playground (docs/playground) with esbuild into docs/playground/dist:
// index.html, playground.js (minified, @basin/* from sources) and the WASM backend's files.
//
//   npx tsx tools/browser/build-playground.ts
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { bundleForBrowser, REPO_ROOT } from './bundle';

export const PLAYGROUND_DIR = path.join(REPO_ROOT, 'docs/playground');
export const PLAYGROUND_DIST = path.join(PLAYGROUND_DIR, 'dist');

/** Builds into `outDir` (default docs/playground/dist; the browser test builds into a temporary folder so that runs side by side do not overwrite each other). */
export async function buildPlayground(outDir = PLAYGROUND_DIST): Promise<string> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await bundleForBrowser(path.join(PLAYGROUND_DIR, 'src/main.ts'), path.join(outDir, 'playground.js'), { minify: true });
  copyFileSync(path.join(PLAYGROUND_DIR, 'index.html'), path.join(outDir, 'index.html'));
  const wasmDir = path.join(REPO_ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(path.join(wasmDir, f), path.join(outDir, f));
  return outDir;
}

if (require.main === module) {
  const t0 = Date.now();
  buildPlayground()
    .then((dir) => {
      const size = statSync(path.join(dir, 'playground.js')).size;
      console.log(`playground built in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${path.relative(process.cwd(), dir)}/ (playground.js ${(size / 1024).toFixed(0)} KiB)`);
    })
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
