// ERM, SAM and ERM -> SAM under label noise, live (Andriushchenko & Flammarion, "Towards
// understanding sharpness-aware minimization", ICML 2022; examples/sam-switching is the MNIST
// version). A Gaussian-mixture classification task made in the browser (a few classes in a
// few dimensions), a fraction of its training labels replaced by other classes; the same
// ReLU MLP, initial weights and batch order trained with SGD (ERM), with SAM around SGD, and with
// SGD that switches to SAM late. SAM fits the wrong labels later than ERM, and its test accuracy
// (on clean labels) stays higher. Runs on the active TF.js backend (WebGL in the playground).
import * as tf from '@tensorflow/tfjs';
import { mulberry32, sgd, Trainer, treeClone, treeDispose, type Transform, type Tree } from '@basin/core';
import { sam } from '@basin/sam';
import { epochOrder, withRows, type Rows } from './minibatches';
import { COLORS, drawChart, makeCanvas, nextFrame, normals } from './phenomena-chart';
import { initTwoLayer, twoLayerForward, type TwoLayerParams } from './two-layer-net';

export interface SamSwitchingOptions {
  /** Training points. Default 256. */
  n?: number;
  /** Input dimension. Default 16. */
  dims?: number;
  /** Classes. Default 4. */
  classes?: number;
  /** Fraction of training labels replaced by another class. Default 0.5. */
  noise?: number;
  hidden?: number;
  learningRate?: number;
  rho?: number;
  batch?: number;
  epochs?: number;
  /** Fraction of the epochs before ERM -> SAM switches. Default 0.6. */
  switchAt?: number;
  seed?: number;
  signal?: AbortSignal;
}

export interface SamSwitchingCurve {
  /** Test accuracy (clean labels) after each epoch. */
  test: number[];
  /** Fraction of the wrong training labels the network predicts, after each epoch. */
  noisyFit: number[];
}

export interface SamSwitchingResult {
  epochs: number[];
  erm: SamSwitchingCurve;
  sam: SamSwitchingCurve;
  /** ERM's curve up to the switch, then SAM from ERM's weights. */
  switched: SamSwitchingCurve;
  switchEpoch: number;
  seconds: number;
  leakedTensors: number;
}

/**
 * A Gaussian mixture: `classes` centres drawn from N(0, spread^2 I) in `dims` dimensions, each point
 * its class's centre plus N(0, I). The same seed gives the same centres; `pointSeed` draws the points.
 */
export function gaussianMixture(n: number, dims: number, classes: number, seed: number, pointSeed: number, spread = 1): { data: Rows; labels: number[] } {
  const centres = normals(mulberry32(seed), classes * dims, spread);
  const rand = mulberry32(pointSeed);
  const labels = Array.from({ length: n }, (_, i) => i % classes);
  const noise = normals(rand, n * dims);
  const x = new Float32Array(n * dims);
  labels.forEach((c, i) => {
    for (let j = 0; j < dims; j++) x[i * dims + j] = centres[c * dims + j] + noise[i * dims + j];
  });
  return { data: { x: tf.tensor2d(x, [n, dims]), y: oneHot(labels, classes) }, labels };
}

export const oneHot = (labels: number[], classes: number): tf.Tensor2D => tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32') as tf.Tensor2D);

/** He-normal ReLU MLP dims-hidden-classes, zero biases. */
export function initClassifier(dims: number, hidden: number, classes: number, seed: number): Tree {
  return initTwoLayer(mulberry32(seed), { inputs: dims, hidden, outputs: classes }, { w1: Math.sqrt(2 / dims), w2: Math.sqrt(1 / hidden) });
}

const logits = (params: Tree, x: tf.Tensor2D) => twoLayerForward(params as TwoLayerParams, x, tf.relu);

/** Softmax cross-entropy as logSumExp(z) - z[label]. */
export const classifierLoss = (params: Tree, batch: Rows): tf.Scalar =>
  tf.tidy(() => {
    const z = logits(params, batch.x);
    return tf.mean(tf.sub(tf.logSumExp(z, -1), tf.sum(tf.mul(batch.y, z), -1))) as tf.Scalar;
  });

/** 1 per row predicted as labelled, else 0 (read back to JavaScript). */
export function classifierHits(params: Tree, data: Rows): Float32Array {
  return tf.tidy(() => tf.cast(tf.equal(tf.argMax(logits(params, data.x), -1), tf.argMax(data.y, -1)), 'float32').dataSync() as Float32Array);
}

export function mean(xs: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  return sum / xs.length;
}

/** One epoch of minibatches of `batch` rows (the last partial batch is dropped). */
export function trainEpoch(trainer: Trainer<Rows>, data: Rows, batch: number, seed: number, epoch: number): void {
  const idx = epochOrder(data.x.shape[0], seed, epoch);
  for (let start = 0; start + batch <= idx.length; start += batch) withRows(data, idx.subarray(start, start + batch), (b) => trainer.step(b));
}

/** Trains and draws into `el` (a canvas and a caption are appended); resolves when done. */
export async function drawSamSwitching(el: HTMLElement, options: SamSwitchingOptions = {}): Promise<SamSwitchingResult> {
  const {
    n = 256, dims = 16, classes = 4, noise = 0.5, hidden = 64, learningRate = 0.1, rho = 0.5, batch = 16, epochs = 40, switchAt = 0.6, seed = 0, signal,
  } = options;
  const before = tf.memory().numTensors;
  const started = performance.now();
  const { canvas, caption } = makeCanvas(el, 640, 340);
  const switchEpoch = Math.max(1, Math.round(switchAt * epochs));
  const { data: clean, labels } = gaussianMixture(n, dims, classes, seed, seed + 1);
  const { data: test } = gaussianMixture(1024, dims, classes, seed, seed + 2);
  // Exactly round(noise * n) labels moved to another class, chosen by a seeded shuffle.
  const rand = mulberry32(seed + 3);
  const noisy = new Uint8Array(n);
  const noisyLabels = labels.slice();
  for (const i of epochOrder(n, seed + 4, 0).subarray(0, Math.round(noise * n))) {
    noisyLabels[i] = (labels[i] + 1 + Math.floor(rand() * (classes - 1))) % classes;
    noisy[i] = 1;
  }
  const train: Rows = { x: clean.x, y: oneHot(noisyLabels, classes) };
  tf.dispose(clean.y);
  const init = initClassifier(dims, hidden, classes, seed + 5);
  const result: SamSwitchingResult = {
    epochs: [], erm: { test: [], noisyFit: [] }, sam: { test: [], noisyFit: [] }, switched: { test: [], noisyFit: [] }, switchEpoch, seconds: 0, leakedTensors: 0,
  };
  const erm = () => sgd({ learningRate }) as Transform<unknown>;
  const withSam = () => sam(sgd({ learningRate }), { rho }) as Transform<unknown>;
  const runs = [
    { name: 'ERM', trainer: new Trainer<Rows>({ transform: erm(), loss: classifierLoss, params: init, checkFinite: false }), curve: result.erm },
    { name: 'SAM', trainer: new Trainer<Rows>({ transform: withSam(), loss: classifierLoss, params: init, checkFinite: false }), curve: result.sam },
  ];
  let switched: Trainer<Rows> | undefined;
  const record = (trainer: Trainer<Rows>, curve: SamSwitchingCurve) => {
    curve.test.push(mean(classifierHits(trainer.params, test)));
    const hits = classifierHits(trainer.params, train);
    curve.noisyFit.push(mean(hits.filter((_, i) => noisy[i] === 1)));
  };
  const draw = () => {
    const from = Math.max(0, switchEpoch - 1);
    const sw = { x: result.epochs.slice(from), y: result.switched.test.slice(from) };
    const swFit = { x: result.epochs.slice(from), y: result.switched.noisyFit.slice(from) };
    drawChart(
      canvas,
      [
        { x: result.epochs, y: result.erm.test, label: 'ERM test', color: COLORS[0] },
        { x: result.epochs, y: result.sam.test, label: 'SAM test', color: COLORS[1] },
        { ...sw, label: 'ERM→SAM test', color: COLORS[2] },
        { x: result.epochs, y: result.erm.noisyFit, label: 'ERM wrong fit', color: COLORS[0], dashed: true },
        { x: result.epochs, y: result.sam.noisyFit, label: 'SAM wrong fit', color: COLORS[1], dashed: true },
        { ...swFit, label: 'ERM→SAM wrong fit', color: COLORS[2], dashed: true },
      ],
      {
        title: `${Math.round(noise * 100)}% of ${n} training labels wrong: test accuracy (solid), wrong labels fitted (dashed)`,
        xLabel: 'epoch', yLabel: 'fraction', yRange: [0, 1], markers: [{ x: switchEpoch, label: 'switch' }],
      },
    );
    const last = (c: SamSwitchingCurve) => (c.test.length ? `${(100 * c.test[c.test.length - 1]).toFixed(1)}%` : '-');
    caption.textContent =
      `epoch ${result.epochs.length}/${epochs}: test accuracy ERM ${last(result.erm)}, SAM ${last(result.sam)}, ERM->SAM ${last(result.switched)} ` +
      `(SGD lr ${learningRate}, batch ${batch}, SAM rho ${rho}; ${tf.getBackend()}, ${((performance.now() - started) / 1000).toFixed(1)} s)`;
  };
  try {
    for (let e = 0; e < epochs && !signal?.aborted; e++) {
      for (const run of runs) trainEpoch(run.trainer, train, batch, seed, e);
      if (switched) trainEpoch(switched, train, batch, seed, e);
      result.epochs.push(e + 1);
      for (const run of runs) record(run.trainer, run.curve);
      if (switched) record(switched, result.switched);
      else {
        // ERM -> SAM follows ERM until the switch, then continues from ERM's weights with SAM.
        result.switched.test.push(result.erm.test[e]);
        result.switched.noisyFit.push(result.erm.noisyFit[e]);
      }
      if (e + 1 === switchEpoch) {
        const from = treeClone(runs[0].trainer.params);
        switched = new Trainer<Rows>({ transform: withSam(), loss: classifierLoss, params: from, checkFinite: false });
        treeDispose(from);
      }
      draw();
      await nextFrame();
    }
  } finally {
    for (const run of runs) run.trainer.dispose();
    switched?.dispose();
    treeDispose(init);
    tf.dispose([train.x, train.y, test.x, test.y]);
  }
  result.seconds = (performance.now() - started) / 1000;
  draw();
  result.leakedTensors = tf.memory().numTensors - before;
  return result;
}
