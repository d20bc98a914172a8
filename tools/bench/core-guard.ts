// What the input checks of a public transform cost: `adam(...)` as a user gets it (params,
// updates and state structure checked before each update) against the same adam built as an
// unchecked building block, on a many-leaf tree where per-leaf JavaScript work shows most.
// Prints the per-update time ratio (checked / unchecked) and kernels per update for both (the
// checks launch no kernel).
//   npx tsx tools/bench/core-guard.ts --backend cpu|wasm
import * as tf from '@tensorflow/tfjs';
import { adam, runEntryPoint, treeDispose, type Tree } from '@basin/core';
import { useBackend, type BackendName } from '../shared/backend';
import { backendArg, median } from './mlp';

async function main(): Promise<void> {
  const backend = await useBackend(backendArg() as BackendName);
  const leaves = 60;
  const params: Record<string, tf.Tensor> = {};
  for (let i = 0; i < leaves; i++) params[`layer${i}`] = tf.randomNormal(i % 2 === 0 ? [64, 64] : [64], 0, 0.1, 'float32', i);
  const grads: Tree = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tf.mul(v, 0.5)]));
  const checked = adam({ learningRate: 1e-3 });
  // Built inside an entry point, a factory returns the plain transform (no checks).
  const unchecked = runEntryPoint('bench', () => adam({ learningRate: 1e-3 }));
  const run = (t: typeof checked) => {
    let s = t.init(params);
    return () => {
      const [u, next] = t.update(grads, s, params);
      treeDispose(s);
      s = next;
      Object.values(u as Record<string, tf.Tensor>)[0].dataSync();
      treeDispose(u);
    };
  };
  const a = run(checked);
  const b = run(unchecked);
  // The first checked update also works out the expected state structure once (one init).
  for (let i = 0; i < 5; i++) {
    a();
    b();
  }
  const kernels = async (f: () => void) => (await tf.profile(f)).kernels.length;
  const [ka, kb] = [await kernels(a), await kernels(b)];
  const rounds = backend === 'cpu' ? 30 : 100;
  const ratios: number[] = [];
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let t0 = performance.now();
    a();
    const x = performance.now() - t0;
    t0 = performance.now();
    b();
    const y = performance.now() - t0;
    ta.push(x);
    tb.push(y);
    ratios.push(x / y);
  }
  console.log(`backend ${backend}, adam update over ${leaves} leaves (${rounds} alternating rounds)`);
  console.log(`checked ${median(ta).toFixed(2)} ms, unchecked ${median(tb).toFixed(2)} ms, ratio ${median(ratios).toFixed(3)}`);
  console.log(`kernels per update: checked ${ka}, unchecked ${kb}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
