// Basin's adam against TF.js's built-in tf.train.adam on the same MLP and backend:
// per-step time ratio (target <= 1.0) and peak memory of one step.
//   npx tsx tools/bench/core-adam.ts --backend wasm
import * as tf from '@tensorflow/tfjs';
import { adam, step, treeDispose, Tree } from '@basin/core';
import { useBackend, type BackendName } from '../shared/backend';
import { backendArg, makeMlp, median } from './mlp';

async function main(): Promise<void> {
  const backend = await useBackend(backendArg() as BackendName);
  const { params, batch, loss } = makeMlp([784, 256, 10], 256);
  const runs = backend === 'cpu' ? 20 : 60;

  // TF.js built-in optimizer on variables.
  const vars = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tf.variable(v, true, `bench_${k}`)]));
  const builtin = tf.train.adam(1e-3);
  const builtinStep = () => {
    const cost = builtin.minimize(() => loss(vars, batch), true, Object.values(vars));
    cost!.dataSync();
    cost!.dispose();
  };

  // Basin: the same loss through core's step helper (params and state replaced each step).
  const opt = adam({ learningRate: 1e-3 });
  let p: Tree = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tf.clone(v)]));
  let s = opt.init(p);
  const basinStep = (checkFinite: boolean) => () => {
    const r = step(opt, loss, p, s, batch, { checkFinite });
    treeDispose(p);
    treeDispose(s);
    p = r.params;
    s = r.state;
    r.loss.dataSync();
    r.loss.dispose();
  };

  const peak = async (fn: () => void) => (await tf.profile(fn)).peakBytes;
  // Alternate single steps of the three variants and take medians of the times and of the
  // per-round ratios, so drift in machine load hits every side alike.
  const timeOnce = (fn: () => void): number => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  const variants = [builtinStep, basinStep(false), basinStep(true)];
  for (let i = 0; i < 3; i++) variants.forEach((fn) => fn()); // warm-up
  const times: number[][] = [[], [], []];
  for (let round = 0; round < runs; round++) variants.forEach((fn, k) => times[k].push(timeOnce(fn)));
  const [b0, b1, b2] = times.map(median);
  const ratio1 = median(times[1].map((t, i) => t / times[0][i]));
  const ratio2 = median(times[2].map((t, i) => t / times[0][i]));
  const [m0, m1] = [await peak(builtinStep), await peak(basinStep(false))];
  console.log(`backend ${backend}: MLP 784-256-10, batch 256, ${runs} alternating rounds (median step time; ratio = median of per-round ratios)`);
  console.log(`tf.train.adam                 ${b0.toFixed(2)} ms/step  peak ${(m0 / 1e6).toFixed(2)} MB`);
  console.log(`basin adam (step helper)      ${b1.toFixed(2)} ms/step  peak ${(m1 / 1e6).toFixed(2)} MB  ratio ${ratio1.toFixed(3)}`);
  console.log(`basin adam + finite checks    ${b2.toFixed(2)} ms/step  ratio ${ratio2.toFixed(3)}`);
  treeDispose([p, s, params, batch]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
