// Benchmark for @basin/shampoo:
// 1. inverse 4th root time (coupled Newton, float32) for statistics of 128 to 1024 dimensions;
// 2. Shampoo step time divided by AdamW's on the same MLP (784-256-10, batch 256, blocks of 128),
//    for steps that recompute every root, steps that reuse them, and the mix at updateEvery = 10.
//   npx tsx tools/bench/shampoo.ts [--backend cpu|wasm] [--sizes 128,256,512,1024]
// Default sizes: 128,256,512 on cpu (1024 takes minutes there), 128..1024 elsewhere.
import * as tf from '@tensorflow/tfjs';
import { adamw, step, treeDispose, type Tree, type Transform } from '@basin/core';
import { inversePthRoot, shampoo } from '@basin/shampoo';
import { useBackend, type BackendName } from '../shared/backend';
import { backendArg, makeMlp, median, timeMedian } from './mlp';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** A Shampoo-like statistic: `G G^T / k + 1e-6 I` for a random `n x 2n` gradient (condition ~ 1e1..1e2). */
function statistic(n: number): tf.Tensor2D {
  return tf.tidy(() => {
    const g = tf.randomNormal([n, 2 * n], 0, 1, 'float32', n) as tf.Tensor2D;
    return tf.add(tf.div(tf.matMul(g, g, false, true), 2 * n), tf.mul(tf.eye(n), 1e-6)) as tf.Tensor2D;
  });
}

function rootTimes(sizes: number[], budgetMs: number): void {
  console.log('inverse 4th root (coupled Newton, ridge 1e-6):');
  console.log('   n   iterations   ms (median)   GFLOP/s (matmuls)');
  for (const n of sizes) {
    const a = statistic(n);
    let iterations = 0;
    const once = () => {
      const r = inversePthRoot(a, 4, { ridgeEpsilon: 1e-6 });
      iterations = r.iterations;
      r.root.dispose();
    };
    const t0 = performance.now();
    once(); // warm-up, also sizes the number of timed runs
    const first = performance.now() - t0;
    const runs = Math.max(1, Math.min(5, Math.floor(budgetMs / Math.max(first, 1))));
    const ms = runs === 1 ? first : timeMedian(once, runs, 0);
    // Per iteration: two squarings and two products (p = 4), 2 n^3 flops each.
    const gflops = (iterations * 4 * 2 * n ** 3) / (ms * 1e6);
    console.log(`${String(n).padStart(5)}   ${String(iterations).padStart(10)}   ${ms.toFixed(1).padStart(11)}   ${gflops.toFixed(2).padStart(8)}`);
    a.dispose();
  }
}

function stepTimer(opt: Transform<any>, mlp: ReturnType<typeof makeMlp>) {
  let p: Tree = Object.fromEntries(Object.entries(mlp.params).map(([k, v]) => [k, tf.clone(v)]));
  let s = opt.init(p);
  const run = () => {
    const r = step(opt, mlp.loss, p, s, mlp.batch, { checkFinite: false });
    treeDispose([p, s]);
    p = r.params;
    s = r.state;
    r.loss.dataSync();
    r.loss.dispose();
  };
  return { run, dispose: () => treeDispose([p, s]) };
}

async function main(): Promise<void> {
  const backend = await useBackend(backendArg() as BackendName);
  const sizes = (arg('sizes') ?? (backend === 'cpu' ? '128,256,512' : '128,256,512,1024')).split(',').map(Number);
  console.log(`backend ${backend}`);
  rootTimes(sizes, backend === 'cpu' ? 8000 : 4000);

  const mlp = makeMlp([784, 256, 10], 256);
  const common = { learningRate: 1e-3, weightDecay: 1e-4 };
  const shampooOptions = { ...common, grafting: 'rmsprop' as const, blockSize: 128, epsilon: 1e-6 };
  const base = stepTimer(adamw(common), mlp);
  // updateEvery huge: roots are computed at the first (warm-up) step and reused after.
  const reuse = stepTimer(shampoo({ ...shampooOptions, updateEvery: 1e9 }), mlp);
  const recompute = stepTimer(shampoo({ ...shampooOptions, updateEvery: 1 }), mlp);
  const runs = backend === 'cpu' ? 10 : 20;
  const tA: number[] = [];
  const tReuse: number[] = [];
  for (let round = 0; round < 3; round++) {
    tA.push(timeMedian(base.run, runs));
    tReuse.push(timeMedian(reuse.run, runs));
  }
  const a = median(tA);
  const r = median(tReuse);
  const full = timeMedian(recompute.run, backend === 'cpu' ? 2 : 5, 1);
  const mixed = (9 * r + full) / 10;
  console.log(`\nMLP 784-256-10, batch 256, blockSize 128 (w0: 14 blocks, 28 roots of <= 128), RMSProp grafting`);
  console.log(`adamw                              ${a.toFixed(2)} ms/step`);
  console.log(`shampoo, roots reused              ${r.toFixed(2)} ms/step  ratio ${(r / a).toFixed(2)}`);
  console.log(`shampoo, roots every step          ${full.toFixed(2)} ms/step  ratio ${(full / a).toFixed(2)}`);
  console.log(`shampoo, updateEvery 10 (mix)      ${mixed.toFixed(2)} ms/step  ratio ${(mixed / a).toFixed(2)}`);
  [base, reuse, recompute].forEach((t) => t.dispose());
  treeDispose([mlp.params, mlp.batch]);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
