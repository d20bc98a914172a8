// Step time of the sharpness-aware wrappers divided by the base transform's step time, on the
// same MLP, batch and backend, measured in one run (interleaved steps, medians).
//   npx tsx tools/bench/sam-family.ts [--backend cpu|wasm]
// Floors are the gradient counts per step under core's step helper: SAM 2, SA-SGD 2, SA-SAM 3,
// and m-SAM 2 (one clean and one perturbed gradient per chunk, which add up to two full
// batches; m-SAM sets `computesOwnGradients`, so the helper skips the full-batch gradient).
// Chunks are smaller matmuls, which backends run less efficiently per row than a full batch.
import { sgd, step, treeDispose, type Transform, type Tree } from '@basin/core';
import { sam } from '@basin/sam';
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
  const iterations = backend === 'cpu' ? 15 : 40;

  const variants: { name: string; floor: number; target?: number; make: () => Transform<any> }[] = [
    { name: 'sgd (base)', floor: 1, make: () => sgd({ learningRate: 0.01, momentum: 0.9 }) },
    { name: 'sam(sgd)', floor: 2, target: 2.1, make: () => sam(sgd({ learningRate: 0.01, momentum: 0.9 }), { rho: 0.05 }) },
    { name: 'mSam(sgd), 2 chunks', floor: 2, target: 2.2, make: () => mSam(sgd({ learningRate: 0.01, momentum: 0.9 }), { rho: 0.05, microbatches: 2 }) },
    { name: 'mSam(sgd), 4 chunks', floor: 2, target: 2.2, make: () => mSam(sgd({ learningRate: 0.01, momentum: 0.9 }), { rho: 0.05, microbatches: 4 }) },
    { name: 'saSgd', floor: 2, make: () => saSgd({ initialLearningRate: 0.01 }) },
    { name: 'saSam', floor: 3, target: 3.2, make: () => saSam({ initialLearningRate: 0.01 }) },
  ];

  const runners = variants.map((v) => {
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

  // Every iteration times one step of each variant back to back, and the ratio is taken within
  // the iteration: drift in machine load (a shared 2-core VM) then hits both sides of a ratio
  // alike. Reported: the median per-step time and the median of the per-iteration ratios.
  for (const r of runners) for (let i = 0; i < 3; i++) r.fn(); // warm-up
  for (let i = 0; i < iterations; i++) {
    for (const r of runners) {
      const t0 = performance.now();
      r.fn();
      r.times.push(performance.now() - t0);
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
