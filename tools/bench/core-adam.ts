// Basin's adam against TF.js's built-in tf.train.adam on the same MLP and backend:
// per-step time ratio (target <= 1.0) and peak memory of one step.
//   npx tsx tools/bench/core-adam.ts --backend wasm
import * as tf from '@tensorflow/tfjs';
import { adam, step, treeDispose, Tree } from '@basin/core';
import { useBackend, type BackendName } from '../shared/backend';
import { backendArg, makeMlp, timeMedian } from './mlp';

async function main(): Promise<void> {
  const backend = await useBackend(backendArg() as BackendName);
  const { params, batch, loss } = makeMlp([784, 256, 10], 256);
  const runs = backend === 'cpu' ? 10 : 30;

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
  // Interleave the measurements so drift in machine load hits both sides alike.
  const tBuiltin: number[] = [];
  const tBasin: number[] = [];
  const tBasinChecked: number[] = [];
  for (let round = 0; round < 3; round++) {
    tBuiltin.push(timeMedian(builtinStep, runs));
    tBasin.push(timeMedian(basinStep(false), runs));
    tBasinChecked.push(timeMedian(basinStep(true), runs));
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1];
  const [b0, b1, b2] = [med(tBuiltin), med(tBasin), med(tBasinChecked)];
  const [m0, m1] = [await peak(builtinStep), await peak(basinStep(false))];
  console.log(`backend ${backend}: MLP 784-256-10, batch 256, median of ${runs} steps x 3 rounds`);
  console.log(`tf.train.adam                 ${b0.toFixed(2)} ms/step  peak ${(m0 / 1e6).toFixed(2)} MB`);
  console.log(`basin adam (step helper)      ${b1.toFixed(2)} ms/step  peak ${(m1 / 1e6).toFixed(2)} MB  ratio ${(b1 / b0).toFixed(3)}`);
  console.log(`basin adam + finite checks    ${b2.toFixed(2)} ms/step  ratio ${(b2 / b0).toFixed(3)}`);
  treeDispose([p, s, params, batch]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
