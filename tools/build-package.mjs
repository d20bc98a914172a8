// Builds the package in the current directory: ESM and CommonJS bundles of src/index.ts
// (esbuild; dependencies and peers stay external) and type declarations (tsc).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const cwd = process.cwd();
const pkg = JSON.parse(readFileSync(path.join(cwd, 'package.json'), 'utf8'));
const external = [
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
  ...Object.keys(pkg.optionalDependencies ?? {}),
].flatMap((name) => [name, `${name}/*`]);

rmSync(path.join(cwd, 'dist'), { recursive: true, force: true });
const common = {
  entryPoints: [path.join(cwd, 'src/index.ts')],
  bundle: true,
  platform: 'neutral',
  target: 'es2020',
  external,
  sourcemap: true,
  logLevel: 'warning',
};
await build({ ...common, format: 'esm', outfile: path.join(cwd, 'dist/index.mjs') });
await build({ ...common, format: 'cjs', outfile: path.join(cwd, 'dist/index.cjs') });

// Declarations: a build-only tsconfig that resolves @basin/* to the built packages' types.
const tsconfig = {
  extends: '../../tsconfig.base.json',
  compilerOptions: {
    declaration: true,
    emitDeclarationOnly: true,
    noEmit: false,
    outDir: 'dist/types',
    rootDir: 'src',
    paths: {},
    types: [],
  },
  include: ['src/**/*.ts'],
  // Tests never ship; their helpers live in <package>/test-helpers, outside src.
  exclude: ['src/**/*.test.ts'],
};
mkdirSync(path.join(cwd, 'dist'), { recursive: true });
const tmp = path.join(cwd, 'tsconfig.build.tmp.json');
writeFileSync(tmp, JSON.stringify(tsconfig, null, 2));
try {
  const require = createRequire(import.meta.url);
  const tsc = require.resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', tmp], { stdio: 'inherit' });
} finally {
  rmSync(tmp, { force: true });
}
// ESM consumers get their own declaration entry, so TypeScript reads the types as ESM under
// the "import" condition (publint's "types interpreted as CJS" warning).
writeFileSync(path.join(cwd, 'dist/index.d.mts'), "export * from './types/index.js';\n");
console.log(`built ${pkg.name}`);
