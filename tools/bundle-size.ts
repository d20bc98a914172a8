// Bundles each package's src/index.ts for the browser (platform browser, minified, ES2020;
// TF.js and other @basin packages external, as an app's bundler would share them), fails if
// any Node built-in is pulled in, and prints the minified and gzipped size of each.
//
//   npx tsx tools/bundle-size.ts [--write]   (--write updates the table in docs/backends.md)
import { build, type Plugin } from 'esbuild';
import { builtinModules } from 'node:module';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Records every import of a Node built-in (and refuses it, so the build reports where). */
function noNodeBuiltins(found: string[]): Plugin {
  return {
    name: 'no-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!BUILTINS.has(args.path) && !args.path.startsWith('node:')) return undefined;
        found.push(`${args.path} (imported by ${path.relative(ROOT, args.importer)})`);
        return { path: args.path, external: true };
      });
    },
  };
}

interface Row {
  pkg: string;
  minified: number;
  gzipped: number;
  builtins: string[];
}

async function measure(pkgDir: string): Promise<Row> {
  const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).name as string;
  const builtins: string[] = [];
  const result = await build({
    entryPoints: [path.join(pkgDir, 'src/index.ts')],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    logLevel: 'silent',
    external: ['@tensorflow/*', '@basin/*'],
    plugins: [noNodeBuiltins(builtins)],
  });
  const code = result.outputFiles[0].contents;
  return { pkg, minified: code.length, gzipped: gzipSync(code).length, builtins };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  const dirs = readdirSync(path.join(ROOT, 'packages'))
    .map((d) => path.join(ROOT, 'packages', d))
    .filter((d) => existsSync(path.join(d, 'src/index.ts')))
    .sort();
  const rows: Row[] = [];
  let failed = 0;
  for (const dir of dirs) {
    try {
      const row = await measure(dir);
      rows.push(row);
      const ok = row.builtins.length === 0;
      if (!ok) failed++;
      console.log(`${row.pkg} ${kb(row.minified)} min, ${kb(row.gzipped)} gzip ${ok ? 'ok' : `FAIL (Node built-ins: ${row.builtins.join(', ')})`}`);
    } catch (e) {
      failed++;
      console.log(`${path.basename(dir)} - FAIL (does not bundle: ${((e as { errors?: { text: string }[] }).errors?.[0]?.text ?? String(e)).split('\n')[0]})`);
    }
  }
  const table = [
    '| package | minified | min + gzip |',
    '| --- | ---: | ---: |',
    ...rows.map((r) => `| \`${r.pkg}\` | ${kb(r.minified)} | ${kb(r.gzipped)} |`),
  ].join('\n');
  if (process.argv.includes('--write')) {
    const doc = path.join(ROOT, 'docs/backends.md');
    const text = readFileSync(doc, 'utf8');
    const next = text.replace(/(<!-- bundle-sizes:start -->\n)[\s\S]*?(<!-- bundle-sizes:end -->)/, `$1${table}\n$2`);
    if (next === text && !text.includes(table)) throw new Error('docs/backends.md has no <!-- bundle-sizes:start/end --> markers');
    writeFileSync(doc, next);
    console.log('bundle-size: table written to docs/backends.md');
  }
  console.log(`${dirs.length - failed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
