// Proves every package is publishable: publint on each (warnings count as failures), then
// `npm pack` of all of them, installed together into a scratch project beside
// @tensorflow/tfjs, and each imported both as ESM (`import`) and as CommonJS (`require`).
// Needs the packages built first (`npm run build`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = path.resolve(__dirname, '..');
const packages = readdirSync(path.join(root, 'packages'))
  .map((dir) => path.join(root, 'packages', dir))
  .filter((dir) => existsSync(path.join(dir, 'package.json')))
  // `tsx tools/check-publish.ts core sam` checks just those (their internal deps still install from the registry otherwise).
  .filter((dir) => process.argv.length <= 2 || process.argv.slice(2).includes(path.basename(dir)));

async function main(): Promise<void> {
  let failures = 0;
  for (const dir of packages) {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    if (!existsSync(path.join(dir, 'dist'))) throw new Error(`${pkg.name} is not built: run npm run build first`);
    const { messages } = await publint({ pkgDir: dir, level: 'warning', strict: true });
    for (const m of messages) console.log(`publint ${pkg.name}: ${formatMessage(m, pkg)}`);
    if (messages.length > 0) failures++;
  }

  const scratch = mkdtempSync(path.join(os.tmpdir(), 'basin-pack-'));
  const tarballs = packages.map((dir) => {
    const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: dir, encoding: 'utf8' });
    return path.join(scratch, out.trim().split('\n').pop()!);
  });
  writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  const tfjsVersion = JSON.parse(readFileSync(path.join(root, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8')).version;
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs, `@tensorflow/tfjs-core@${tfjsVersion}`, `@tensorflow/tfjs@${tfjsVersion}`], { cwd: scratch, stdio: 'inherit' });

  for (const dir of packages) {
    const name = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).name as string;
    const probe = (kind: 'esm' | 'cjs'): string => {
      const code =
        kind === 'esm'
          ? `import * as m from '${name}'; import '@tensorflow/tfjs'; console.log(Object.keys(m).length);`
          : `require('@tensorflow/tfjs'); const m = require('${name}'); console.log(Object.keys(m).length);`;
      const file = path.join(scratch, `probe-${kind}.${kind === 'esm' ? 'mjs' : 'cjs'}`);
      writeFileSync(file, code);
      return execFileSync(process.execPath, [file], { cwd: scratch, encoding: 'utf8' }).trim().split('\n').pop()!;
    };
    try {
      const esm = Number(probe('esm'));
      const cjs = Number(probe('cjs'));
      const ok = esm > 0 && esm === cjs;
      console.log(`pack ${name}: ESM ${esm} exports, CJS ${cjs} exports ${ok ? 'ok' : 'FAIL'}`);
      if (!ok) failures++;
    } catch (e) {
      console.log(`pack ${name}: import failed: ${(e as Error).message.split('\n')[0]}`);
      failures++;
    }
  }
  // A BasinError thrown by one build must be recognised by the other (users mix them through
  // dependencies): both `isBasinError` and `instanceof` go by a Symbol.for brand.
  const dual = path.join(scratch, 'probe-dual.mjs');
  writeFileSync(
    dual,
    [
      `import { createRequire } from 'node:module'; import '@tensorflow/tfjs';`,
      `import * as esm from '@basin/core'; const cjs = createRequire(import.meta.url)('@basin/core');`,
      `let thrown; try { cjs.sgd({ learningRate: NaN }); } catch (e) { thrown = e; }`,
      `const checks = [esm.isBasinError(thrown), thrown instanceof esm.BasinError, cjs.isBasinError(new esm.BasinError('x')), new esm.BasinError('x') instanceof cjs.BasinError, !esm.isBasinError(new Error('x'))];`,
      `console.log(checks.every(Boolean) ? 'ok' : 'FAIL ' + JSON.stringify(checks));`,
    ].join('\n'),
  );
  const dualResult = execFileSync(process.execPath, [dual], { cwd: scratch, encoding: 'utf8' }).trim().split('\n').pop();
  console.log(`pack @basin/core: BasinError recognised across ESM and CJS builds: ${dualResult}`);
  if (dualResult !== 'ok') failures++;
  console.log(`check-publish: ${packages.length + 1 - failures} passed, ${failures} failed`);
  process.exit(failures > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
