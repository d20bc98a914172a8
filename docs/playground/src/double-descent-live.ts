// Double descent, live (Belkin et al. 2019; examples/double-descent is the MNIST version): a
// synthetic regression with label noise, n training points, fitted by minimum-norm least squares
// on p random ReLU features for p from n/10 to 10n. The test error peaks at the interpolation
// threshold p = n and falls again beyond it; a small ridge removes the peak. The features are
// computed on the active TF.js backend (WebGL in the playground); the solves are float64
// Cholesky in JavaScript, since WebGL computes in float32 (or float16) and the height of the
// peak is decided by how nearly singular the Gram matrix is.
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '@basin/core';
import { COLORS, drawChart, makeCanvas, nextFrame, normals } from './phenomena-chart';

export interface DoubleDescentOptions {
  /** Training points. Default 40. */
  n?: number;
  /** Input dimension. Default 8. */
  dim?: number;
  /** Standard deviation of the label noise. Default 0.3. */
  noise?: number;
  /** Feature draws averaged per p. Default 4. */
  seeds?: number;
  /** Ridge of the comparison curve, relative to the Gram's mean diagonal. Default 1e-2. */
  ridge?: number;
  seed?: number;
  signal?: AbortSignal;
}

export interface DoubleDescentResult {
  features: number[];
  minNormTest: number[];
  ridgeTest: number[];
  minNormTrain: number[];
  /** p with the highest min-norm test error. */
  peakAt: number;
  seconds: number;
  leakedTensors: number;
}

/** Solves (G + lambda I) x = b for symmetric positive definite G (float64 Cholesky). */
function choleskySolve(g: Float64Array, n: number, lambda: number, b: Float64Array): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = g[i * n + j] + (i === j ? lambda : 0);
      for (let t = 0; t < j; t++) s -= l[i * n + t] * l[j * n + t];
      if (i === j) {
        if (!(s > 0)) throw new Error('not positive definite');
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = x[i];
    for (let t = 0; t < i; t++) s -= l[i * n + t] * x[t];
    x[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let t = i + 1; t < n; t++) s -= l[t * n + i] * x[t];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** Min-norm (ridge-limit) least-squares weights for features phi (n x p) and targets y, via the Gram of the smaller side. */
function fit(phi: Float64Array, n: number, p: number, y: Float64Array, relativeRidge: number): Float64Array {
  const over = p > n;
  const size = over ? n : p;
  const g = new Float64Array(size * size);
  if (over) {
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < p; k++) s += phi[i * p + k] * phi[j * p + k];
      g[i * n + j] = g[j * n + i] = s;
    }
  } else {
    for (let r = 0; r < n; r++) for (let i = 0; i < p; i++) for (let j = 0; j <= i; j++) g[i * p + j] += phi[r * p + i] * phi[r * p + j];
    for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) g[j * p + i] = g[i * p + j];
  }
  let trace = 0;
  for (let i = 0; i < size; i++) trace += g[i * size + i];
  for (let r = relativeRidge; ; r *= 10) {
    try {
      const lambda = (r * trace) / size;
      if (over) {
        const alpha = choleskySolve(g, n, lambda, y);
        const w = new Float64Array(p);
        for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) w[k] += phi[i * p + k] * alpha[i];
        return w;
      }
      const rhs = new Float64Array(p);
      for (let i = 0; i < n; i++) for (let k = 0; k < p; k++) rhs[k] += phi[i * p + k] * y[i];
      return choleskySolve(g, p, lambda, rhs);
    } catch (e) {
      if (r > 1) throw e;
    }
  }
}

function mse(phi: Float64Array, rows: number, p: number, w: Float64Array, y: Float64Array): number {
  let se = 0;
  for (let i = 0; i < rows; i++) {
    let f = 0;
    for (let k = 0; k < p; k++) f += phi[i * p + k] * w[k];
    se += (f - y[i]) ** 2;
  }
  return se / rows;
}

/** Sweeps the number of features and draws the test error curve into `el`; resolves when done. */
export async function drawDoubleDescent(el: HTMLElement, options: DoubleDescentOptions = {}): Promise<DoubleDescentResult> {
  const { n = 40, dim = 8, noise = 0.3, seeds = 4, ridge = 1e-2, seed = 0, signal } = options;
  const before = tf.memory().numTensors;
  const started = performance.now();
  const { canvas, caption } = makeCanvas(el);
  const nTest = 500;
  // y = sin(<beta, x>) + noise, x ~ N(0, I_dim / dim).
  const rand = mulberry32(seed);
  const beta = normals(rand, dim);
  const xAll = normals(rand, (n + nTest) * dim, 1 / Math.sqrt(dim));
  const yAll = new Float64Array(n + nTest);
  for (let i = 0; i < n + nTest; i++) {
    let z = 0;
    for (let k = 0; k < dim; k++) z += xAll[i * dim + k] * beta[k];
    yAll[i] = Math.sin(z) + (i < n ? noise * normals(rand, 1)[0] : 0);
  }
  const x = tf.tensor2d(xAll, [n + nTest, dim]);
  const ratios = [0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 1, 1.05, 1.1, 1.25, 1.5, 2, 3, 5, 10];
  const result: DoubleDescentResult = { features: [], minNormTest: [], ridgeTest: [], minNormTrain: [], peakAt: 0, seconds: 0, leakedTensors: 0 };
  const yTrain = yAll.subarray(0, n);
  const yTest = yAll.subarray(n);
  const draw = () => {
    drawChart(
      canvas,
      [
        { x: result.features, y: result.minNormTest, label: 'min-norm, test', color: COLORS[0] },
        { x: result.features, y: result.minNormTrain.map((v) => Math.max(v, 1e-4)), label: 'min-norm, train', color: COLORS[0], dashed: true },
        { x: result.features, y: result.ridgeTest, label: `ridge ${ridge}, test`, color: COLORS[2] },
      ],
      { title: `Random ReLU features, n = ${n} noisy points`, xLabel: 'features p (log)', yLabel: 'mean squared error (log)', logX: true, logY: true, markers: [{ x: n, label: 'p = n' }] },
    );
    caption.textContent = `${result.features.length}/${ratios.length} sizes, ${seeds} feature draws each (${tf.getBackend()} features, float64 solves, ${((performance.now() - started) / 1000).toFixed(1)} s)`;
  };
  try {
    for (const ratio of ratios) {
      if (signal?.aborted) break;
      const p = Math.max(1, Math.round(ratio * n));
      const sums = { test: 0, ridge: 0, train: 0 };
      for (let s = 0; s < seeds; s++) {
        const v = tf.tensor2d(normals(mulberry32(1000 * s + p + 7919 * seed), dim * p), [dim, p]);
        const phiT = tf.tidy(() => tf.relu(tf.matMul(x, v)));
        const phi = Float64Array.from(await phiT.data());
        tf.dispose([v, phiT]);
        const train = phi.subarray(0, n * p);
        const test = phi.subarray(n * p);
        const w = fit(train, n, p, yTrain, 1e-12);
        sums.test += mse(test, nTest, p, w, yTest) / seeds;
        sums.train += mse(train, n, p, w, yTrain) / seeds;
        sums.ridge += mse(test, nTest, p, fit(train, n, p, yTrain, ridge), yTest) / seeds;
      }
      result.features.push(p);
      result.minNormTest.push(sums.test);
      result.ridgeTest.push(sums.ridge);
      result.minNormTrain.push(sums.train);
      draw();
      await nextFrame();
    }
  } finally {
    x.dispose();
  }
  result.peakAt = result.features[result.minNormTest.indexOf(Math.max(...result.minNormTest))];
  result.seconds = (performance.now() - started) / 1000;
  draw();
  result.leakedTensors = tf.memory().numTensors - before;
  return result;
}
