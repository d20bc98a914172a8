// esbuild bundles for the browser: @basin/* resolve to package sources, so browser tests and
// the playground never need a build of the packages first.
import { build, type Plugin, type BuildOptions } from 'esbuild';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

/** Resolves `@basin/<pkg>` to packages/<pkg>/src/index.ts (and @basin/testing is not for browsers). */
export const basinSources: Plugin = {
  name: 'basin-sources',
  setup(b) {
    b.onResolve({ filter: /^@basin\/[^/]+$/ }, (args) => {
      const pkg = args.path.slice('@basin/'.length);
      const file = path.join(REPO_ROOT, 'packages', pkg, 'src/index.ts');
      if (!existsSync(file)) return { errors: [{ text: `no sources for ${args.path} (${file})` }] };
      return { path: file };
    });
  },
};

/** Bundles `entry` to one browser IIFE script at `outfile`. */
export async function bundleForBrowser(entry: string, outfile: string, extra: Partial<BuildOptions> = {}): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    sourcemap: 'linked',
    logLevel: 'error',
    // Bare `process.env.NODE_ENV` reads in dependencies.
    define: { 'process.env.NODE_ENV': '"production"' },
    ...extra,
    plugins: [basinSources, ...(extra.plugins ?? [])],
  });
}
