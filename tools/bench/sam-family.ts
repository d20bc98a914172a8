// Step time of the sharpness-aware wrappers divided by the base transform's step time, on the
// same MLP, batch and backend, measured in one run (interleaved steps, medians).
//   npx tsx tools/bench/sam-family.ts [--backend cpu|wasm] [--only lookSam,gsam] [--iterations 30]
// `--only` keeps the variants whose name contains one of the given strings (and the base);
// `--iterations` overrides the default (15 on cpu, 40 otherwise).
// Floors are the gradient counts per step under core's step helper: SAM 2, SA-SGD 2, SA-SAM 3,
// and m-SAM 2 (one clean and one perturbed gradient per chunk, which add up to two full
// batches; m-SAM sets `computesOwnGradients`, so the helper skips the full-batch gradient).
// Chunks are smaller matmuls, which backends run less efficiently per row than a full batch.
// GSAM and SAM with an adversary transform take 2; LookSAM 1 + 1/k on average (one SAM step
// every k), so it is timed over whole cycles of k steps.
import { chain, normalizeByGlobalNorm, sgd, step, treeDispose, type Transform, type Tree } from '@basin/core';
import { gsam, lookSam, sam } from '@basin/sam';
import { mSam } from '@basin/m-sam';
import { saSam, saSgd } from '@basin/sa-sam';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '../shared/backend';
import { backendArg, makeMlp, median } from './mlp';

async function main(): Promise<void> {
  const backend = await useBackend(backendArg() as BackendName);
  const sizes = [784, 128, 10];
  const rows = 128;
  const { params, batch, loss } = makeMlp(sizes, rows);
  const flag = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const iterations = Number(flag('--iterations') ?? (backend === 'cpu' ? 15 : 40));
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`--iterations must be an integer >= 1, got ${flag('--iterations')}`);
  const only = flag('--only')?.split(',').filter((x) => x.length > 0);

  const variants: { name: string; floor: number; target?: number; steps?: number; make: () => Transform<any> }[] = [
    { name: 'sgd (base)', floor: 1, make: () => sgd({ learningRate: 0.01, momentum: 0.9 }) },
    { name: 'sam(sgd)', floor: 2, target: 2.1, make: () => sam(sgd({ learningRate: 0.01, momentum: 0.9 }), { rho: 0.05 }) },
    {
      name: 'sam(sgd), adversary',
      floor: 2,
      target: 2.1,
      make: () => sam(sgd({ learningRate: 0.01, momentum: 0.9 }), { adversary: chain(normalizeByGlobalNorm(), sgd({ learningRate: 0.05 })) }),
    },
    { name: 'gsam(sgd)', floor: 2, target: 2.1, make: () => gsam(sgd({ learningRate: 0.01, momentum: 0.9 }), { rho: 0.05, alpha: 0.1 }) },
    { name: 'lookSam(sgd), k 2', floor: 1.5, target: 1.6, steps: 2, make: () => lookSam(sgd({ learningRate: 0.01, momentum: 0.9 }), { rho: 0.05, k: 2, alpha: 0.7 }) },
    { name: 'lookSam(sgd), k 5', floor: 1.2, target: 1.3, steps: 5, make: () => lookSam(sgd({ learningRate: 0.01, momentum: 0.9 }), { rho: 0.05, k: 5, alpha: 0.7 }) },
    { name: 'mSam(sgd), 2 chunks', floor: 2, target: 2.2, make: () => mSam(sgd({ learningRate: 0.01, momentum: 0.9 }), { rho: 0.05, microbatches: 2 }) },
    { name: 'mSam(sgd), 4 chunks', floor: 2, target: 2.2, make: () => mSam(sgd({ learningRate: 0.01, momentum: 0.9 }), { rho: 0.05, microbatches: 4 }) },
    { name: 'saSgd', floor: 2, make: () => saSgd({ initialLearningRate: 0.01 }) },
    { name: 'saSam', floor: 3, target: 3.2, make: () => saSam({ initialLearningRate: 0.01 }) },
  ];

  const chosen = variants.filter((v, i) => i === 0 || only === undefined || only.some((x) => v.name.includes(x)));
  const runners = chosen.map((v) => {
    const opt = v.make();
    let p: Tree = Object.fromEntries(Object.entries(params).map(([k, x]) => [k, tf.clone(x)]));
    let s = opt.init(p);
    const fn = () => {
      const r = step(opt, loss, p, s, batch, { checkFinite: false });
      treeDispose([p, s]);
      p = r.params;
      s = r.state;
      r.loss.dataSync(); // block until the step is done
      r.loss.dispose();
    };
    return { ...v, fn, times: [] as number[], dispose: () => treeDispose([p, s]) };
  });

  // Every iteration times one step of each variant back to back (LookSAM: one whole cycle of k
  // steps, divided by k), and the ratio is taken within the iteration: drift in machine load (a
  // shared 2-core VM) then hits both sides of a ratio alike. Reported: the median per-step time
  // and the median of the per-iteration ratios.
  for (const r of runners) for (let i = 0; i < 3 * (r.steps ?? 1); i++) r.fn(); // warm-up, whole cycles
  for (let i = 0; i < iterations; i++) {
    for (const r of runners) {
      const n = r.steps ?? 1;
      const t0 = performance.now();
      for (let j = 0; j < n; j++) r.fn();
      r.times.push((performance.now() - t0) / n);
    }
  }
  const baseTimes = runners[0].times;
  console.log(`backend ${backend}: MLP ${sizes.join('-')}, batch ${rows}, ${iterations} interleaved iterations (median step time, median of per-iteration ratios)`);
  for (const r of runners) {
    const t = median(r.times);
    const ratio = median(r.times.map((x, i) => x / baseTimes[i]));
    const verdict = r.target === undefined ? '' : ratio <= r.target ? `  (target <= ${r.target}: ok)` : `  (target <= ${r.target}: over)`;
    console.log(`${r.name.padEnd(22)} ${t.toFixed(2).padStart(8)} ms/step  ratio ${ratio.toFixed(2)}  floor ${r.floor}${verdict}`);
    r.dispose();
  }
  treeDispose([params, batch]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
