// Benchmark for @basin/hessian (indicative figures; the machine is shared):
//  1. exact HVP time / gradient time on the same model and backend (target <= 2.5), with the
//     finite-difference HVP (two gradients) for comparison;
//  2. HVPs until the top eigenvalue is within 1e-3 of its converged value, Lanczos vs power;
//  3. the same ratio on small conv nets with max and average pooling (target <= 4), with the
//     kernels of one gradient and one exact HVP from tf.profile (count and time per kernel).
//
//   npx tsx tools/bench/hessian.ts [--backend cpu|wasm] [--only conv] [--runs 8]
//
// `--only` keeps the sections whose name contains one of the given strings (mlp, eigen, conv).
// The conv rows need Conv2DBackpropFilter, which the WASM backend lacks unless
// @basin/backends' installWasmTrainingKernels() exists and is installed (done here when present).
import * as tf from '@tensorflow/tfjs';
import { treeDispose, treeUnflatten, treeFlatten, type Tree } from '@basin/core';
import { functionObjective, hessian, topEigenvalues } from '@basin/hessian';
import { useBackend, type BackendName } from '../shared/backend';
import { backendArg, makeMlp, median } from './mlp';

const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** A tanh MLP (smooth: every term of the Hessian is exercised). */
function makeTanhMlp(sizes: number[], rows: number, seed = 1) {
  const relu = makeMlp(sizes, rows, seed);
  const layers = sizes.length - 1;
  const loss = (p: Tree, b: { x: tf.Tensor2D; y: tf.Tensor2D }): tf.Scalar =>
    tf.tidy(() => {
      const q = p as Record<string, tf.Tensor>;
      let h: tf.Tensor = b.x;
      for (let i = 0; i < layers; i++) {
        h = tf.add(tf.matMul(h as tf.Tensor2D, q[`w${i}`] as tf.Tensor2D), q[`b${i}`]);
        if (i + 1 < layers) h = tf.tanh(h);
      }
      return tf.mean(tf.sub(tf.logSumExp(h, -1), tf.sum(tf.mul(b.y, h), -1))) as tf.Scalar;
    });
  return { ...relu, loss };
}

interface Problem<B> {
  params: Record<string, tf.Tensor>;
  batch: B;
  loss: (params: Tree, batch: B) => tf.Scalar;
}

async function ratioRow<B extends Tree>(name: string, problem: Problem<B>, runs: number, profile = false): Promise<void> {
  const objective = functionObjective(problem.loss, problem.params, { batch: problem.batch });
  const v = treeUnflatten(problem.params, treeFlatten(problem.params).map((p, i) => tf.randomNormal(p.shape, 0, 1, 'float32', 7 + i)));
  const H = hessian(objective);
  const Hfd = hessian(objective, { mode: 'finiteDifference' });
  const tasks: Record<string, () => void> = {
    grad: () => {
      const { loss, grads } = objective.valueAndGrad();
      loss.dataSync();
      treeDispose([loss, grads]);
    },
    exact: () => {
      const hv = H.hvp(v);
      treeFlatten(hv).forEach((t) => t.dataSync());
      treeDispose(hv);
    },
    fd: () => {
      const hv = Hfd.hvp(v);
      treeFlatten(hv).forEach((t) => t.dataSync());
      treeDispose(hv);
    },
  };
  // Interleaved rounds, so drift on a shared machine hits all three alike; medians per task.
  const times: Record<string, number[]> = { grad: [], exact: [], fd: [] };
  for (let r = -3; r < runs; r++) {
    for (const [k, fn] of Object.entries(tasks)) {
      const t0 = performance.now();
      fn();
      if (r >= 0) times[k].push(performance.now() - t0);
    }
  }
  const [grad, exact, fd] = ['grad', 'exact', 'fd'].map((k) => median(times[k]));
  console.log(`${name.padEnd(34)} gradient ${grad.toFixed(1).padStart(7)} ms   exact HVP ${exact.toFixed(1).padStart(7)} ms (x${(exact / grad).toFixed(2)})   finite-difference HVP ${fd.toFixed(1).padStart(7)} ms (x${(fd / grad).toFixed(2)})`);
  if (profile) {
    await printKernels('  gradient', tasks.grad);
    await printKernels('  exact HVP', tasks.exact);
  }
  treeDispose([v, problem.params, problem.batch]);
}

/** One call of `fn` under tf.profile: kernels launched, and count and time per kernel name (slowest first). */
async function printKernels(label: string, fn: () => void): Promise<void> {
  const info = await tf.profile(fn);
  const by = new Map<string, { count: number; ms: number }>();
  for (const k of info.kernels) {
    const e = by.get(k.name) ?? { count: 0, ms: 0 };
    e.count += 1;
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    by.set(k.name, e);
  }
  const total = [...by.values()].reduce((a, e) => a + e.ms, 0);
  const top = [...by.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8);
  console.log(`${label}: ${info.kernels.length} kernels, ${total.toFixed(1)} ms in kernels; ${top.map(([n, e]) => `${n} ${e.count}x ${e.ms.toFixed(1)} ms`).join(', ')}`);
}

interface ConvBatch {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
  [key: string]: tf.Tensor;
}

/**
 * A small conv net on random images, as Keras' Conv2D + MaxPooling2D (or AveragePooling2D) stack:
 * conv 3x3 (same, ReLU) -> pool 2x2 -> conv 3x3 (same, ReLU) -> pool 2x2 -> dense, softmax
 * cross-entropy (logSumExp form).
 */
function makeConvNet(pools: ['max' | 'avg', 'max' | 'avg'], rows: number, side = 16, channels = [3, 8, 16], classes = 10, seed = 1): Problem<ConvBatch> {
  const [c0, c1, c2] = channels;
  const flat = (side / 4) * (side / 4) * c2;
  const params: Record<string, tf.Tensor> = {
    k0: tf.randomNormal([3, 3, c0, c1], 0, Math.sqrt(2 / (9 * c0)), 'float32', seed),
    b0: tf.randomNormal([c1], 0, 0.1, 'float32', seed + 1),
    k1: tf.randomNormal([3, 3, c1, c2], 0, Math.sqrt(2 / (9 * c1)), 'float32', seed + 2),
    b1: tf.randomNormal([c2], 0, 0.1, 'float32', seed + 3),
    w: tf.randomNormal([flat, classes], 0, Math.sqrt(1 / flat), 'float32', seed + 4),
    b: tf.zeros([classes]),
  };
  const x = tf.randomNormal([rows, side, side, c0], 0, 1, 'float32', seed + 100) as tf.Tensor4D;
  const labels = tf.randomUniform([rows], 0, classes, 'int32', seed + 200);
  const y = tf.oneHot(labels as tf.Tensor1D, classes) as tf.Tensor2D;
  labels.dispose();
  const pool = (h: tf.Tensor4D, kind: 'max' | 'avg'): tf.Tensor4D => (kind === 'max' ? tf.maxPool(h, 2, 2, 'valid') : tf.avgPool(h, 2, 2, 'valid'));
  const loss = (p: Tree, b: ConvBatch): tf.Scalar =>
    tf.tidy(() => {
      const q = p as Record<string, tf.Tensor>;
      let h = tf.relu(tf.add(tf.conv2d(b.x, q.k0 as tf.Tensor4D, 1, 'same'), q.b0)) as tf.Tensor4D;
      h = pool(h, pools[0]);
      h = tf.relu(tf.add(tf.conv2d(h, q.k1 as tf.Tensor4D, 1, 'same'), q.b1)) as tf.Tensor4D;
      h = pool(h, pools[1]);
      const logits = tf.add(tf.matMul(tf.reshape(h, [rows, flat]) as tf.Tensor2D, q.w as tf.Tensor2D), q.b);
      return tf.mean(tf.sub(tf.logSumExp(logits, -1), tf.sum(tf.mul(b.y, logits), -1))) as tf.Scalar;
    });
  return { params, batch: { x, y }, loss };
}

function convergenceRow(name: string, problem: ReturnType<typeof makeMlp>): void {
  const objective = functionObjective(problem.loss, problem.params, { batch: problem.batch });
  const reference = topEigenvalues(hessian(objective), { tol: 1e-7, maxIterations: 200, vectors: false }).values[0];
  const stepsTo = (method: 'lanczos' | 'power', tol: number): { hvps: number; firstWithin: number; value: number } => {
    let firstWithin = -1;
    const res = topEigenvalues(hessian(objective), {
      method,
      tol,
      maxIterations: 300,
      vectors: false,
      onProgress: (p) => {
        if (firstWithin < 0 && p.estimate !== undefined && Math.abs(p.estimate - reference) <= 1e-3 * Math.abs(reference)) firstWithin = p.done;
      },
    });
    return { hvps: res.matvecs, firstWithin, value: res.values[0] };
  };
  const lan = stepsTo('lanczos', 1e-3);
  const pow = stepsTo('power', 1e-3);
  console.log(
    `${name.padEnd(34)} lambda_max ${reference.toPrecision(5)}   Lanczos (tol 1e-3): stops after ${lan.hvps} HVPs, within 1e-3 after ${lan.firstWithin}   ` +
      `power (tol 1e-3): stops after ${pow.hvps} HVPs (error ${(Math.abs(pow.value - reference) / Math.abs(reference)).toExponential(1)}), within 1e-3 after ${pow.firstWithin}`,
  );
  treeDispose([problem.params, problem.batch]);
}

async function main(): Promise<void> {
  const backend = await useBackend(backendArg('cpu') as BackendName);
  console.log(`@basin/hessian benchmark on backend '${backend}' (medians; indicative: shared 2-core machine)`);
  const only = flag('--only')?.split(',').filter((x) => x.length > 0);
  const runsArg = flag('--runs');
  const want = (section: string): boolean => only === undefined || only.some((x) => section.includes(x));
  const small = backend === 'cpu';
  const runs = (n: number): number => (runsArg === undefined ? n : Number(runsArg));
  if (want('mlp')) {
    await ratioRow('ReLU MLP 784-128-10, 256 rows', makeMlp([784, 128, 10], 256), runs(small ? 8 : 15));
    await ratioRow('tanh MLP 784-128-10, 256 rows', makeTanhMlp([784, 128, 10], 256), runs(small ? 8 : 15));
    await ratioRow('tanh MLP 64-64-64-10, 128 rows', makeTanhMlp([64, 64, 64, 10], 128), runs(15));
  }
  if (want('eigen')) {
    convergenceRow('tanh MLP 64-32-10, 128 rows', makeTanhMlp([64, 32, 10], 128));
    convergenceRow('ReLU MLP 64-32-10, 128 rows', makeMlp([64, 32, 10], 128));
  }
  if (want('conv')) {
    if (backend === 'wasm' && !(await installWasmTrainingKernelsIfPresent())) {
      console.log('conv rows skipped: the WASM backend has no Conv2DBackpropFilter (no installWasmTrainingKernels in @basin/backends yet)');
    } else {
      await ratioRow('conv+maxPool x2, 16x16x3, 32 rows', makeConvNet(['max', 'max'], 32), runs(small ? 8 : 15), true);
      await ratioRow('conv+maxPool+avgPool, 16x16x3, 32', makeConvNet(['max', 'avg'], 32), runs(small ? 8 : 15), true);
    }
  }
}

/** Installs @basin/backends' WASM training kernels (Conv2DBackpropFilter...) when that export exists. */
async function installWasmTrainingKernelsIfPresent(): Promise<boolean> {
  const backends = (await import('@basin/backends')) as Record<string, unknown>;
  const install = backends.installWasmTrainingKernels;
  if (typeof install !== 'function') return tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined;
  await (install as () => unknown)();
  return tf.getKernel('Conv2DBackpropFilter', 'wasm') !== undefined;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
