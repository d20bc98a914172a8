// Benchmark for @basin/hessian (indicative figures; the machine is shared):
//  1. exact HVP time / gradient time on the same model and backend (target <= 2.5), with the
//     finite-difference HVP (two gradients) for comparison;
//  2. HVPs until the top eigenvalue is within 1e-3 of its converged value, Lanczos vs power.
//
//   npx tsx tools/bench/hessian.ts [--backend cpu|wasm]
import * as tf from '@tensorflow/tfjs';
import { treeDispose, treeUnflatten, treeFlatten, type Tree } from '@basin/core';
import { functionObjective, hessian, topEigenvalues } from '@basin/hessian';
import { useBackend, type BackendName } from '../shared/backend';
import { backendArg, makeMlp, median } from './mlp';

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

function ratioRow(name: string, problem: ReturnType<typeof makeMlp>, runs: number): void {
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
  treeDispose([v, problem.params, problem.batch]);
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
  const small = backend === 'cpu';
  ratioRow('ReLU MLP 784-128-10, 256 rows', makeMlp([784, 128, 10], 256), small ? 8 : 15);
  ratioRow('tanh MLP 784-128-10, 256 rows', makeTanhMlp([784, 128, 10], 256), small ? 8 : 15);
  ratioRow('tanh MLP 64-64-64-10, 128 rows', makeTanhMlp([64, 64, 64, 10], 128), 15);
  convergenceRow('tanh MLP 64-32-10, 128 rows', makeTanhMlp([64, 32, 10], 128));
  convergenceRow('ReLU MLP 64-32-10, 128 rows', makeMlp([64, 32, 10], 128));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
