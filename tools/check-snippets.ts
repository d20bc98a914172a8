// Runs the TypeScript snippets of the READMEs and docs/*.md, so the examples users copy keep working.
// Every ```ts block that imports something is a complete program (a block fenced ```ts no-run,
// for browser-only code or hardware the machine lacks, is shown but not run): it is written beside the
// tools (so @basin/* resolve to the sources) and run with tsx; a throw or non-zero exit fails.
//   npx tsx tools/check-snippets.ts [README paths...]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : [
      'README.md',
      ...readdirSync(path.join(root, 'packages')).map((p) => `packages/${p}/README.md`),
      ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
    ].filter((f) => existsSync(path.join(root, f)));

const workDir = path.join(root, 'tools', '.snippets');
rmSync(workDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });
let passed = 0;
let failed = 0;
for (const file of files) {
  const text = readFileSync(path.join(root, file), 'utf8');
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => /^import /m.test(code));
  blocks.forEach((code, i) => {
    const name = `${file.replace(/[/.]/g, '_')}_${i}.ts`;
    const target = path.join(workDir, name);
    // tfjs prints a banner suggesting tfjs-node; the snippet's own output is what matters.
    writeFileSync(target, code);
    try {
      execFileSync(process.execPath, [require.resolve('tsx/cli'), target], { cwd: root, stdio: 'pipe', timeout: 180_000 });
      console.log(`snippet ${file} #${i + 1} ok`);
      passed++;
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      console.log(`snippet ${file} #${i + 1} FAIL\n${(err.stderr?.toString() || err.message).split('\n').slice(0, 15).join('\n')}`);
      failed++;
    }
  });
}
rmSync(workDir, { recursive: true, force: true });
console.log(`snippets: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
