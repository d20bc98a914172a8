// Reproduces the diagonal-linear-network experiment of "Towards Understanding Sharpness-Aware
// Minimization" (Andriushchenko & Flammarion, ICML 2022, sec. 4): GD, n-SAM and 1-SAM (all
// unnormalised) on a 3-sparse regression with n = 20, d = 30, initial scale 0.02, step size 5/d,
// 10,000 full-batch steps. The paper's claim: 1-SAM generalises far better than GD and n-SAM.
//
//   npx tsx examples/m-sam-sparse-regression/src/main.ts [--steps 10000] [--rho 0.1 (or a list: 0.05,0.1)] [--backend cpu|wasm] [--seed 0]
//
// Training runs through Basin (sgd, sam, mSam on TF.js's CPU backend, float32); a float64
// transcription of the same updates runs beside it as a cross-check. Writes an SVG of the test
// MSE over training next to this file's folder (results.svg).
import * as tf from '@tensorflow/tfjs';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sgd, Trainer, treeDispose, type Transform, type Tree } from '@basin/core';
import { sam } from '@basin/sam';
import { mSam } from '@basin/m-sam';
import { commandLine, progressBar } from '@basin/example-data';
import { lineChart } from '@basin/plot';
import { makeSparseRegression, mse } from './problem';
import { referenceRun } from './reference';


type Params = { u: tf.Tensor1D; v: tf.Tensor1D };
type Batch = { X: tf.Tensor2D; y: tf.Tensor1D };

// 0.5 * mean_i (<x_i, u * v> - y_i)^2
const loss = (params: Tree, batch: Batch): tf.Scalar =>
  tf.tidy(() => {
    const p = params as Params;
    const beta = tf.reshape(tf.mul(p.u, p.v), [-1, 1]) as tf.Tensor2D;
    const residual = tf.sub(tf.reshape(tf.matMul(batch.X, beta), [-1]), batch.y);
    return tf.mul(0.5, tf.mean(tf.square(residual))) as tf.Scalar;
  });

const cli = commandLine(process.argv.slice(2));

async function main(): Promise<void> {
  const backend = cli.choice('backend', 'cpu', ['cpu', 'wasm']);
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(backend);
  await tf.ready();
  const steps = cli.number('steps', 10000);
  const rhos = cli.numberList('rho', [0.1]);
  const seed = cli.number('seed', 0);
  const alpha = 0.02;
  const problem = makeSparseRegression({ seed });
  const { n, d } = problem;
  const lr = 5 / d;
  const every = Math.max(1, Math.floor(steps / 100));

  const methods: { name: string; kind: 'gd' | 'n-sam' | '1-sam'; rho: number; make: () => Transform<any> }[] = [
    { name: 'GD', kind: 'gd', rho: 0, make: () => sgd({ learningRate: lr }) },
    ...rhos.flatMap((rho) => [
      { name: `n-SAM rho=${rho}`, kind: 'n-sam' as const, rho, make: () => sam(sgd({ learningRate: lr }), { rho, normalize: false }) },
      { name: `1-SAM rho=${rho}`, kind: '1-sam' as const, rho, make: () => mSam(sgd({ learningRate: lr }), { rho, normalize: false, microbatchSize: 1, batchSize: n }) },
    ]),
  ];

  console.log(`diagonal linear network, n=${n} d=${d} sparsity 3, alpha=${alpha}, step 5/d=${lr.toFixed(4)}, ${steps} full-batch steps, seed ${seed}`);
  console.log('method            train MSE    test MSE     (float64 check: test MSE)   seconds');
  const curves: { name: string; points: [number, number][] }[] = [];
  const batch: Batch = { X: tf.tensor2d(problem.X), y: tf.tensor1d(problem.y) };
  for (const m of methods) {
    const start = Date.now();
    const init: Params = { u: tf.fill([d], alpha) as tf.Tensor1D, v: tf.zeros([d]) as tf.Tensor1D };
    const trainer = new Trainer<Batch>({ transform: m.make(), loss, params: init, checkFinite: false });
    treeDispose(init);
    const beta = () => tf.tidy(() => tf.mul((trainer.params as Params).u, (trainer.params as Params).v)).dataSync();
    const points: [number, number][] = [];
    const bar = progressBar(m.name, steps);
    for (let t = 0; t < steps; t++) {
      trainer.step(batch);
      if ((t + 1) % every === 0) points.push([t + 1, mse(beta(), problem.XTest, problem.yTest)]);
      bar.update(t + 1);
    }
    bar.stop();
    const b = beta();
    const train = mse(b, problem.X, problem.y);
    const test = mse(b, problem.XTest, problem.yTest);
    const ref = referenceRun(problem, { kind: m.kind, rho: m.rho, alpha, lr, steps });
    const seconds = (Date.now() - start) / 1000;
    console.log(`${m.name.padEnd(17)} ${train.toExponential(2).padEnd(12)} ${test.toExponential(2).padEnd(12)} (${ref.test.toExponential(2)})${' '.repeat(17)}${seconds.toFixed(1)}`);
    curves.push({ name: m.name, points });
    trainer.dispose();
  }
  treeDispose(batch);
  const out = path.join(__dirname, '..', 'results.svg');
  const series = curves.map((c) => ({ label: c.name, x: c.points.map((p) => p[0]), y: c.points.map((p) => p[1]) }));
  writeFileSync(out, lineChart(series, { logY: true, xDomain: [0, undefined], title: `test MSE, diagonal linear network (n=${n}, d=${d}, seed ${seed})`, xLabel: 'step', yLabel: 'test MSE (log)', width: 720, height: 420 }));
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
