// Keeps every publishable package.json consistent: dual ESM/CJS exports with their own type
// entries, files, side effects, the tfjs-core peer range, engines, and the Nx task scripts.
// Run `node tools/normalize-packages.mjs` after adding a package; `--check` fails on drift (CI).
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const check = process.argv.includes('--check');
const TFJS_RANGE = '^4.22.0';
// Each package's benchmark in tools/bench (run from the root so tsconfig paths resolve);
// sam's covers m-sam and sa-sam too.
const BENCHES = {
  core: 'core-adam',
  sam: 'sam-family',
  muon: 'muon',
  shampoo: 'shampoo',
  hessian: 'hessian',
  'curve-finding': 'curve-finding',
};
// Packages that never touch TF.js (data to SVG strings): no tfjs-core peer.
const NO_TFJS = new Set(['plot']);
let drift = 0;

for (const dir of readdirSync(path.join(root, 'packages'))) {
  const file = path.join(root, 'packages', dir, 'package.json');
  if (!existsSync(file)) continue;
  const before = readFileSync(file, 'utf8');
  const pkg = JSON.parse(before);
  const expected = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: 'Apache-2.0',
    keywords: pkg.keywords,
    type: 'commonjs',
    main: './dist/index.cjs',
    module: './dist/index.mjs',
    types: './dist/types/index.d.ts',
    exports: {
      '.': {
        import: { types: './dist/index.d.mts', default: './dist/index.mjs' },
        require: { types: './dist/types/index.d.ts', default: './dist/index.cjs' },
      },
      './package.json': './package.json',
    },
    sideEffects: false,
    files: ['dist', 'README.md', 'CHANGELOG.md'],
    engines: { node: '>=18' },
    publishConfig: { access: 'public' },
    dependencies: pkg.dependencies,
    peerDependencies: NO_TFJS.has(dir) ? pkg.peerDependencies : { ...(pkg.peerDependencies ?? {}), '@tensorflow/tfjs-core': TFJS_RANGE },
    peerDependenciesMeta: pkg.peerDependenciesMeta,
    scripts: {
      ...(pkg.scripts ?? {}),
      build: 'node ../../tools/build-package.mjs',
      test: 'jest',
      typecheck: 'tsc -p tsconfig.json --noEmit',
      lint: 'eslint src',
      ...(BENCHES[dir] ? { bench: `cd ../.. && tsx tools/bench/${BENCHES[dir]}.ts --backend \${BACKEND:-wasm}` } : {}),
    },
  };
  for (const key of Object.keys(expected)) if (expected[key] === undefined) delete expected[key];
  const after = JSON.stringify(expected, null, 2) + '\n';
  if (after !== before) {
    drift++;
    if (check) console.error(`packages/${dir}/package.json is not normalized`);
    else writeFileSync(file, after);
  }
}
if (check && drift > 0) {
  console.error('run: node tools/normalize-packages.mjs');
  process.exit(1);
}
console.log(check ? 'package.json files are consistent' : `normalized (${drift} changed)`);
