// Double descent (Belkin, Hsu, Ma & Mandal, "Reconciling modern machine-learning practice and the
// classical bias-variance trade-off", PNAS 2019): the test error of minimum-norm least squares on
// p random ReLU features of n MNIST digits rises to a peak at the interpolation threshold p = n
// and falls again as p grows past it.
//
//   npx tsx examples/double-descent/src/main.ts            # full: n = 500, 3 feature seeds (a few minutes)
//   npx tsx examples/double-descent/src/main.ts --quick    # CI: n = 200, 2 seeds; asserts the peak
//   options: --n 500 --test 2000 --seeds 3 --noise 0 --backend wasm|cpu --out DIR
//
// Features phi(x) = max(0, x V) with V ~ N(0, 1/784) are drawn with TF.js (float32); the Gram
// matrices and min-norm solves are plain float64 (./linalg.ts): TF.js has no SVD or pinv.
// Beside the min-norm curve a ridge fit (lambda = 1e-2 of the Gram's mean diagonal) shows what
// regularisation does to the peak. Full mode writes results.svg and results.json next to this
// folder; quick mode writes them to a temporary folder and exits non-zero if there is no peak.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendRequest } from '@basin/backends';
import { mulberry32 } from '@basin/core';
import { commandLine, loadMnist, progressBar } from '@basin/example-data';
import { lineChart, panels } from '@basin/plot';
import { matmul, minNormFit } from './linalg';

const cli = commandLine(process.argv.slice(2));
const QUICK = cli.flag('quick');

const N = cli.number('n', QUICK ? 200 : 500);
const TEST = cli.number('test', QUICK ? 1000 : 2000);
const SEEDS = cli.number('seeds', QUICK ? 2 : 3);
const NOISE = cli.number('noise', 0);
/** Features as multiples of n; the threshold p = n is in the middle. */
const RATIOS = QUICK
  ? [0.1, 0.25, 0.5, 0.75, 0.9, 1, 1.1, 1.5, 2, 4]
  : [0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1, 1.05, 1.1, 1.2, 1.4, 1.7, 2, 3, 4, 6, 8];
const MIN_NORM_RIDGE = 1e-10;
const RIDGE = 1e-2;
const CLASSES = 10;

interface Point {
  p: number;
  minNorm: { trainMse: number; testMse: number; testError: number };
  ridge: { trainMse: number; testMse: number; testError: number };
  /** The relative ridge actually used for the min-norm fit (raised only if Cholesky failed). */
  ridgeUsed: number;
}

function gaussian(seed: number, count: number, scale: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rand() + 1e-300));
    const t = 2 * Math.PI * rand();
    out[i] = scale * r * Math.cos(t);
    if (i + 1 < count) out[i + 1] = scale * r * Math.sin(t);
  }
  return out;
}

/** Random ReLU features of the rows of x (float32 on the backend), copied out as float64. */
function features(x: tf.Tensor2D, v: tf.Tensor2D): Float64Array {
  const phi = tf.tidy(() => tf.relu(tf.matMul(x, v)));
  const out = Float64Array.from(phi.dataSync());
  phi.dispose();
  return out;
}

function scores(phi: Float64Array, rows: number, p: number, w: Float64Array, y: Float64Array, labels: Int32Array): { mse: number; error: number } {
  const pred = matmul(phi, w, rows, p, CLASSES);
  let se = 0;
  let wrong = 0;
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let c = 0; c < CLASSES; c++) {
      const d = pred[i * CLASSES + c] - y[i * CLASSES + c];
      se += d * d;
      if (pred[i * CLASSES + c] > pred[i * CLASSES + best]) best = c;
    }
    if (best !== labels[i]) wrong += 1;
  }
  return { mse: se / rows, error: wrong / rows };
}

function fit(phi: Float64Array, n: number, p: number, y: Float64Array, ridge: number): { w: Float64Array; ridgeUsed: number } {
  for (let r = ridge; r < 1; r *= 10) {
    try {
      return { w: minNormFit(phi, n, p, y, CLASSES, r), ridgeUsed: r };
    } catch {
      // A non-positive pivot in float64: retry with a ten times larger ridge (reported).
    }
  }
  throw new Error(`no ridge below 1 gave a positive definite Gram at p = ${p}`);
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const started = Date.now();
  const backend = (await useBackend(cli.string('backend', 'wasm') as BackendRequest)).name;
  const data = loadMnist({ trainCount: N, testCount: TEST, seed: 0 });
  const labelsOf = (oneHot: tf.Tensor2D) => tf.tidy(() => tf.argMax(oneHot, -1)).dataSync() as Int32Array;
  const trainLabels = Int32Array.from(labelsOf(data.yTrain));
  const testLabels = Int32Array.from(labelsOf(data.yTest));
  // Optional label noise: a fraction of the training labels replaced by uniformly random ones.
  const noiseRand = mulberry32(99);
  let flipped = 0;
  for (let i = 0; i < N; i++) {
    if (noiseRand() < NOISE) {
      trainLabels[i] = Math.floor(noiseRand() * CLASSES);
      flipped += 1;
    }
  }
  const oneHot = (labels: Int32Array) => {
    const y = new Float64Array(labels.length * CLASSES);
    labels.forEach((c, i) => (y[i * CLASSES + c] = 1));
    return y;
  };
  const yTrain = oneHot(trainLabels);
  const yTest = oneHot(testLabels);
  console.log(`backend ${backend}; MNIST n = ${N} training digits${NOISE > 0 ? ` (${flipped} labels randomised)` : ''}, ${TEST} test digits; ${SEEDS} feature seeds`);
  console.log('p/n     p      min-norm: train MSE  test MSE  test err | ridge 1e-2: test MSE  test err');

  const points: Point[][] = [];
  for (const ratio of RATIOS) {
    const p = Math.max(1, Math.round(ratio * N));
    const perSeed: Point[] = [];
    // One bar per row of the table, stopped before the row is printed.
    const bar = progressBar(`p = ${p}: feature seeds`, SEEDS);
    for (let seed = 0; seed < SEEDS; seed++) {
      const v = tf.tensor2d(gaussian(1000 * seed + p, 784 * p, 1 / Math.sqrt(784)), [784, p]);
      const phiTrain = features(data.xTrain, v);
      const phiTest = features(data.xTest, v);
      v.dispose();
      const evaluate = (w: Float64Array) => {
        const train = scores(phiTrain, N, p, w, yTrain, trainLabels);
        const test = scores(phiTest, TEST, p, w, yTest, testLabels);
        return { trainMse: train.mse, testMse: test.mse, testError: test.error };
      };
      const minNorm = fit(phiTrain, N, p, yTrain, MIN_NORM_RIDGE);
      const ridge = fit(phiTrain, N, p, yTrain, RIDGE);
      perSeed.push({ p, minNorm: evaluate(minNorm.w), ridge: evaluate(ridge.w), ridgeUsed: minNorm.ridgeUsed });
      bar.update(seed + 1);
    }
    bar.stop();
    points.push(perSeed);
    const avg = (f: (q: Point) => number) => mean(perSeed.map(f));
    console.log(
      `${ratio.toFixed(2).padEnd(7)} ${String(p).padEnd(6)} ${avg((q) => q.minNorm.trainMse).toExponential(2).padStart(19)}  ${avg((q) => q.minNorm.testMse).toPrecision(4).padStart(8)}  ${avg((q) => q.minNorm.testError).toFixed(3).padStart(8)} | ${avg((q) => q.ridge.testMse).toPrecision(4).padStart(19)}  ${avg((q) => q.ridge.testError).toFixed(3).padStart(8)}${perSeed.some((q) => q.ridgeUsed > MIN_NORM_RIDGE) ? `  (ridge raised to ${Math.max(...perSeed.map((q) => q.ridgeUsed)).toExponential(0)})` : ''}`,
    );
  }
  tf.dispose([data.xTrain, data.yTrain, data.xTest, data.yTest]);

  const ps = points.map((s) => s[0].p);
  const avgOf = (f: (q: Point) => number) => points.map((s) => mean(s.map(f)));
  const testMse = avgOf((q) => q.minNorm.testMse);
  const testError = avgOf((q) => q.minNorm.testError);
  // The grid point nearest each ratio (all three are on both grids).
  const at = (ratio: number) => RATIOS.reduce((best, r, i) => (Math.abs(r - ratio) < Math.abs(RATIOS[best] - ratio) ? i : best), 0);
  const [quarter, threshold, four] = [at(0.25), at(1), at(4)];
  const peak = testMse.indexOf(Math.max(...testMse));
  const summary = {
    n: N,
    peakAt: ps[peak],
    testMse: { quarter: testMse[quarter], threshold: testMse[threshold], four: testMse[four] },
    testError: { quarter: testError[quarter], threshold: testError[threshold], four: testError[four] },
    bestTestError: Math.min(...testError),
    bestTestErrorAt: ps[testError.indexOf(Math.min(...testError))],
  };
  console.log(
    `\nmin-norm test MSE: p = n/4 ${summary.testMse.quarter.toPrecision(3)}, p = n ${summary.testMse.threshold.toPrecision(3)}, p = 4n ${summary.testMse.four.toPrecision(3)}; highest at p = ${summary.peakAt}`,
  );
  console.log(
    `min-norm test error: p = n/4 ${summary.testError.quarter.toFixed(3)}, p = n ${summary.testError.threshold.toFixed(3)}, p = 4n ${summary.testError.four.toFixed(3)}; lowest ${summary.bestTestError.toFixed(3)} at p = ${summary.bestTestErrorAt}`,
  );

  const out = cli.outputFolder({ quick: QUICK, folder: path.join(__dirname, '..'), tempPrefix: 'basin-double-descent-' });
  const ratios = ps.map((p) => p / N);
  const threshold1 = (ys: number[]) => ({ x: [1, 1], y: [Math.min(...ys), Math.max(...ys)], color: '#999', dashed: true });
  const mseChart = lineChart(
    [
      { x: ratios, y: testMse, label: 'min-norm, test' },
      { x: ratios, y: avgOf((q) => q.minNorm.trainMse).map((v) => Math.max(v, 1e-4)), label: 'min-norm, train (floored at 1e-4)', dashed: true },
      { x: ratios, y: avgOf((q) => q.ridge.testMse), label: 'ridge 1e-2, test' },
      threshold1([1e-4, Math.max(...testMse)]),
    ],
    { title: `Squared loss, random ReLU features, MNIST n = ${N}`, xLabel: 'features / training points (p / n)', yLabel: 'mean squared error', logX: true, logY: true },
  );
  const errChart = lineChart(
    [
      { x: ratios, y: testError, label: 'min-norm, test' },
      { x: ratios, y: avgOf((q) => q.ridge.testError), label: 'ridge 1e-2, test' },
      threshold1([0, Math.max(...testError)]),
    ],
    { title: 'Zero-one test error', xLabel: 'features / training points (p / n)', yLabel: 'test error', logX: true, yDomain: [0, undefined] },
  );
  writeFileSync(path.join(out, 'results.svg'), panels([mseChart, errChart], { columns: 2, caption: `mean of ${SEEDS} feature seeds; dashed grey line: interpolation threshold p = n` }));
  writeFileSync(
    path.join(out, 'results.json'),
    JSON.stringify({ backend, n: N, test: TEST, seeds: SEEDS, noise: NOISE, ratios: RATIOS, summary, points }, null, 1),
  );
  console.log(`wrote ${path.join(out, 'results.svg')} and results.json (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  if (QUICK) {
    const ok = summary.testMse.threshold > summary.testMse.quarter && summary.testMse.threshold > summary.testMse.four;
    console.log(`check: test MSE at p = n above p = n/4 and p = 4n: ${ok ? 'yes' : 'NO'}`);
    if (!ok) process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
