// Browser test of the playground in real headless Chromium: builds it, loads it, races every
// available optimizer on each surface and the MLP, screenshots each surface to a temp dir,
// and asserts that trajectories moved, losses fell, nothing failed and no tensors leaked.
//
//   npx tsx tools/browser/playground.ts [--backend webgl|wasm|cpu] [--only grokking,double-descent]
//
// --only runs just the named lecture demos (ids from docs/playground/src/lectures.ts), not the race.
//
// Exits non-zero on failure; the closing line is `N passed, N failed`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildPlayground } from './build-playground';
import { launchChromium } from './chromium';
import { serveStatic } from './server';
import type { PlaygroundApi } from '../../docs/playground/src/main';

const STEPS = 40;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const backend = argv.includes('--backend') ? argv[argv.indexOf('--backend') + 1] : 'webgl';
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : undefined;
  let passed = 0;
  let failed = 0;
  const check = (name: string, ok: boolean, detail = '') => {
    console.log(`${name} ${ok ? 'ok' : 'FAIL'}${detail ? ` (${detail})` : ''}`);
    if (ok) passed++;
    else failed++;
  };
  const t0 = Date.now();
  const shots = mkdtempSync(path.join(tmpdir(), 'basin-playground-'));
  const dist = await buildPlayground(path.join(shots, 'dist'));
  const server = await serveStatic({ '/': dist });
  const browser = await launchChromium({ onConsole: (type, text) => type === 'error' && console.log(`[chromium error] ${text}`) });
  try {
    const { page } = browser;
    await page.goto(`${server.url}/index.html?backend=${backend}`);
    const choice = await page.evaluate(async () => {
      const c = await (window as unknown as { __playground: PlaygroundApi }).__playground.ready;
      return { name: c.name, precision: c.precision, reason: c.reason };
    });
    console.log(`playground: loaded on backend '${choice.name}' (float${choice.precision}) - ${choice.reason} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    check('load:backend', choice.name === backend, `wanted ${backend}`);
    if (!only) {
      const available: string[] = await page.evaluate(() => (window as unknown as { __playground: PlaygroundApi }).__playground.available);
      const expected = ['sgd', 'adam', 'sam', 'msam', 'sasam', 'muon', 'shampoo'];
      const missing = expected.filter((id) => !available.includes(id));
      console.log(`playground: optimizers available: ${available.join(', ')}${missing.length ? `; unavailable: ${missing.join(', ')}` : ''}`);
      check('load:optimizers', available.length >= 2, `${available.length} of ${expected.length}`);
      const surfaces: string[] = await page.evaluate(() => (window as unknown as { __playground: PlaygroundApi }).__playground.surfaces);
      for (const surface of surfaces) {
        const snap = await page.evaluate(
          ({ surface, steps }) => {
            const p = (window as unknown as { __playground: PlaygroundApi }).__playground;
            p.setSurface(surface);
            p.runSteps(1); // warm up (kernels compile, state is created)
            const before = p.snapshot().numTensors;
            p.runSteps(steps);
            const s = p.snapshot();
            return { ...s, before };
          },
          { surface, steps: STEPS },
        );
        const file = path.join(shots, `${surface}.png`);
        await page.screenshot({ path: file, fullPage: true });
        for (const r of snap.racers) {
          const moved = Math.hypot(r.end[0] - r.start[0], r.end[1] - r.start[1]);
          check(`${surface}:${r.id}:moved`, !r.error && Number.isFinite(moved) && moved > 1e-3 && r.points === STEPS + 2, r.error ?? `moved ${moved.toFixed(3)} in ${r.points - 1} steps`);
        }
        check(`${surface}:tensors-flat`, snap.numTensors === snap.before, `${snap.before} -> ${snap.numTensors} over ${STEPS} steps`);
        if (surface === surfaces[0]) {
          // The mean of the last five losses, not the last one: SA-SAM's adaptive step sizes make
          // single losses jump (a spike at step 40 said nothing about training).
          for (const m of snap.mlp) check(`mlp:${m.id}:loss-fell`, !m.error && m.tail < m.first, m.error ?? `${m.first.toFixed(4)} -> ${m.last.toFixed(4)} (last five: ${m.tail.toFixed(4)})`);
        }
      }
      // The variance-reduction demo and the lecture demos, with small options: they run, show
      // what their lectures claim, and leak nothing.
      const variance = await page.evaluate(() => {
        const api = (window as unknown as { __playground: PlaygroundApi }).__playground;
        const race = api.variance();
        const before = race.snapshot().numTensors;
        race.step(120);
        return { ...race.snapshot(), before };
      });
      check('variance:ran', variance.steps >= 120 && variance.racers.every((r) => !r.error && Number.isFinite(r.distance)), JSON.stringify(variance.racers));
      check('variance:ratio-finite', variance.lastRatio !== undefined && Number.isFinite(variance.lastRatio) && variance.lastRatio > 0, `last ratio ${variance.lastRatio}`);
      check('variance:tensors-flat', variance.numTensors === variance.before, `${variance.before} -> ${variance.numTensors}`);
    }
    // The lecture demos, each with its small options: they run, show what their lectures claim,
    // and leak nothing. One screenshot each.
    const ids: string[] = await page.evaluate(() => (window as unknown as { __playground: PlaygroundApi }).__playground.lectures.ids);
    for (const id of only ?? ids) {
      if (!ids.includes(id)) {
        check(`lecture:${id}`, false, `no such lecture demo; there are ${ids.join(', ')}`);
        continue;
      }
      const r = await page.evaluate((id) => (window as unknown as { __playground: PlaygroundApi }).__playground.lectures.check(id), id);
      await page.screenshot({ path: path.join(shots, `lecture-${id}.png`), fullPage: true });
      check(`lecture:${id}:claim`, r.ok, `${r.detail}, ${r.seconds.toFixed(1)} s`);
      check(`lecture:${id}:tensors-flat`, r.leakedTensors === 0, `leaked ${r.leakedTensors}`);
    }
    console.log(`playground: screenshots in ${shots}`);
    const errors = browser.errors;
    check('page:no-errors', errors.length === 0, errors.slice(0, 3).join(' | '));
  } finally {
    await browser.close();
    await server.close();
  }
  console.log(`playground test took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed;
}

main()
  .then((failed) => process.exit(failed > 0 ? 1 : 0))
  .catch((e) => {
    console.error(e);
    console.log('0 passed, 1 failed');
    process.exit(1);
  });
