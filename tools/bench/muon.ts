// @basin/muon benchmarks, on one backend:
// 1. Newton-Schulz time / time of the matmuls it must do (3 per quintic step, 15 for 5 steps:
//    X X^T, A A, P X with the same shapes), target <= 1.2;
// 2. a Muon step / an AdamW step on the same MLP (full step: loss, gradients, update, apply),
//    and the same ratio for the optimizer update alone.
//   npx tsx tools/bench/muon.ts --backend wasm
import * as tf from '@tensorflow/tfjs';
import { adamw, step, treeDispose, treeMap, type Transform, type Tree } from '@basin/core';
import { muon, newtonSchulz } from '@basin/muon';
import { useBackend, type BackendName } from '../shared/backend';
import { backendArg, makeMlp, median } from './mlp';

/**
 * The 15 matmuls of 5 quintic steps exactly as Newton-Schulz issues them (same shapes, same
 * transpose flags: flags everywhere but on WASM, where NS makes explicit transposes and this
 * baseline gets them for free), on fresh operands each time (the WASM backend caches the packed
 * right operand of a matmul per tensor, and NS never multiplies by the same tensor twice).
 * Operands are made before the clock starts, so the ratio is NS's overhead over its matmuls.
 */
function matmulRun(rows: number, cols: number): { once: () => number; dispose: () => void } {
  const flags = tf.getBackend() !== 'wasm';
  const tall = rows > cols;
  const right = flags && tall;
  const [m, n] = rows <= cols ? [rows, cols] : [cols, rows];
  const base = tf.tidy(() => {
    const g = tf.randomNormal([m, n], 0, 1, 'float32', 7);
    const x = tf.div(g, tf.norm(g)) as tf.Tensor2D;
    return { x: right ? tf.transpose(x) : x, xt: tf.transpose(x), a: tf.matMul(x, tf.transpose(x)) };
  });
  const once = (): number => {
    const ops = Array.from({ length: 5 }, () => ({ x: tf.add(base.x, 0), xt: tf.add(base.xt, 0), a: tf.add(base.a, 0), s: tf.add(base.a, 0) }));
    ops.forEach((o) => o.s.dataSync());
    const t0 = performance.now();
    const out: tf.Tensor[] = [];
    for (const o of ops) {
      const x = o.x as tf.Tensor2D;
      const a = o.a as tf.Tensor2D;
      const gram = right ? tf.matMul(x, x, true, false) : flags ? tf.matMul(x, x, false, true) : tf.matMul(x, o.xt as tf.Tensor2D);
      out.push(gram, tf.matMul(a, o.s as tf.Tensor2D), right ? tf.matMul(x, a) : tf.matMul(a, x));
    }
    out[out.length - 1].dataSync();
    const ms = performance.now() - t0;
    tf.dispose(out);
    ops.forEach((o) => tf.dispose([o.x, o.xt, o.a, o.s]));
    return ms;
  };
  return { once, dispose: () => tf.dispose([base.x, base.xt, base.a]) };
}

/** Times `fn` once (ms); `fn` must block until done. */
function timeOnce(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/**
 * Alternates the two sides run by run, so load from other processes on a shared machine hits
 * both alike; returns the medians and the median of the per-pair ratios.
 */
function paired(a: () => number, b: () => number, runs: number, warmup = 2): { a: number; b: number; ratio: number } {
  for (let i = 0; i < warmup; i++) {
    a();
    b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Swap the order every run so neither side always goes first.
    let x: number;
    let y: number;
    if (i % 2 === 0) {
      x = a();
      y = b();
    } else {
      y = b();
      x = a();
    }
    ta.push(x);
    tb.push(y);
    ratios.push(y / x);
  }
  return { a: median(ta), b: median(tb), ratio: median(ratios) };
}

function benchNewtonSchulz(shapes: [number, number][], runs: number): void {
  console.log('\nNewton-Schulz (5 quintic steps) vs its 15 matmuls, median ms');
  console.log('shape          NS ms    15 matmuls ms   ratio');
  for (const [rows, cols] of shapes) {
    const g = tf.randomNormal([rows, cols], 0, 1, 'float32', rows + cols);
    const ns = () =>
      timeOnce(() => {
        const o = newtonSchulz(g);
        o.dataSync();
        o.dispose();
      });
    const base = matmulRun(rows, cols);
    const r = paired(base.once, ns, runs);
    console.log(`${`${rows}x${cols}`.padEnd(12)} ${r.b.toFixed(2).padStart(8)} ${r.a.toFixed(2).padStart(14)} ${r.ratio.toFixed(3).padStart(9)}`);
    base.dispose();
    g.dispose();
  }
}

function benchSteps(sizes: number[], rows: number, runs: number): void {
  const { params, batch, loss } = makeMlp(sizes, rows);
  const full = (opt: Transform<any>) => {
    let p: Tree = treeMap((v) => tf.clone(v), params);
    let s = opt.init(p);
    return {
      run: () => {
        const r = step(opt, loss, p, s, batch, { checkFinite: false });
        treeDispose([p, s]);
        p = r.params;
        s = r.state;
        r.loss.dataSync();
        r.loss.dispose();
      },
      dispose: () => treeDispose([p, s]),
    };
  };
  // The optimizer update alone, on fixed gradients.
  const grads = treeMap((v) => tf.randomNormal(v.shape, 0, 0.01, 'float32', v.size), params);
  const updateOnly = (opt: Transform<any>) => {
    let s = opt.init(params);
    return {
      run: () => {
        const [u, next] = opt.update(grads, s, params);
        treeDispose(s);
        s = next;
        (Object.values(u as Record<string, tf.Tensor>)[0]).dataSync();
        treeDispose(u);
      },
      dispose: () => treeDispose(s),
    };
  };
  const makeMuon = () => muon({ learningRate: 0.02, adamLearningRate: 1e-3 });
  const makeAdamw = () => adamw({ learningRate: 1e-3, weightDecay: 0 });
  const cases = [
    ['full step', full(makeAdamw()), full(makeMuon())],
    ['update only', updateOnly(makeAdamw()), updateOnly(makeMuon())],
  ] as const;
  console.log(`\nMLP ${sizes.join('-')}, batch ${rows}: Muon (matrices) + AdamW (biases) vs AdamW, median ms`);
  console.log('what           AdamW ms    Muon ms    ratio');
  for (const [name, a, m] of cases) {
    const r = paired(() => timeOnce(a.run), () => timeOnce(m.run), runs);
    console.log(`${name.padEnd(12)} ${r.a.toFixed(2).padStart(10)} ${r.b.toFixed(2).padStart(10)} ${r.ratio.toFixed(2).padStart(8)}`);
    a.dispose();
    m.dispose();
  }
  treeDispose([params, batch, grads]);
}

async function main(): Promise<void> {
  const backend = await useBackend(backendArg() as BackendName);
  const cpu = backend === 'cpu';
  const runs = cpu ? 7 : 15;
  console.log(`backend ${backend}; medians of ${runs} paired runs (the two sides alternate run by run)`);
  const shapes: [number, number][] = cpu
    ? [[64, 64], [128, 128], [256, 256], [96, 256], [256, 96]]
    : [[128, 128], [256, 256], [512, 512], [256, 768], [768, 256]];
  benchNewtonSchulz(shapes, runs);
  benchSteps([784, 128, 64, 10], 128, runs);
  const before = tf.memory().numTensors;
  console.log(`\nlive tensors at the end: ${before}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
