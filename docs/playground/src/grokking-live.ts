// Grokking, live (Power et al. 2022; examples/grokking is the Node version): (a + b) mod p with a
// two-layer MLP on one-hot inputs (x^2 activation, Gromov 2023), full-batch AdamW with weight
// decay 1. Training accuracy reaches 100% within tens of steps; test accuracy on the held-out
// pairs stays near zero and then climbs to 100% hundreds of steps later. Runs on the active
// TF.js backend (WebGL in the playground). One-hot inputs times a matrix stand in for an
// embedding lookup (tf.gather's gradient needs UnsortedSegmentSum, which WASM lacks).
import * as tf from '@tensorflow/tfjs';
import { adamw, mulberry32, Trainer, treeDispose, type Tree } from '@basin/core';
import { COLORS, drawChart, makeCanvas, nextFrame, normals } from './phenomena-chart';

export interface GrokkingOptions {
  /** The modulus. Default 37. */
  p?: number;
  /** Fraction of the p^2 pairs used for training. Default 0.4. */
  fraction?: number;
  hidden?: number;
  learningRate?: number;
  weightDecay?: number;
  /** Most steps; the run stops earlier once test accuracy has been >= 99% for a quarter of the steps so far. Default 3000. */
  steps?: number;
  seed?: number;
  /** Steps between redraws. Default 25. */
  stepsPerFrame?: number;
  signal?: AbortSignal;
}

export interface GrokkingResult {
  steps: number[];
  train: number[];
  test: number[];
  /** First evaluated step with 100% training accuracy. */
  trainAt?: number;
  /** First evaluated step with test accuracy >= 95%. */
  testAt?: number;
  seconds: number;
  /** tf.memory().numTensors after the run minus before it (0: nothing leaked). */
  leakedTensors: number;
}

type Data = { x: tf.Tensor2D; y: tf.Tensor2D };
type Params = { w1: tf.Tensor2D; w2: tf.Tensor2D };

function makeData(p: number, fraction: number, seed: number): { train: Data; test: Data } {
  const rand = mulberry32(seed);
  const pairs: [number, number][] = [];
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) pairs.push([a, b]);
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
  }
  const encode = (rows: [number, number][]): Data => {
    const x = new Float32Array(rows.length * 2 * p);
    const y = new Float32Array(rows.length * p);
    rows.forEach(([a, b], r) => {
      x[r * 2 * p + a] = 1;
      x[r * 2 * p + p + b] = 1;
      y[r * p + ((a + b) % p)] = 1;
    });
    return { x: tf.tensor2d(x, [rows.length, 2 * p]), y: tf.tensor2d(y, [rows.length, p]) };
  };
  const n = Math.round(fraction * pairs.length);
  return { train: encode(pairs.slice(0, n)), test: encode(pairs.slice(n)) };
}

const logits = (q: Params, x: tf.Tensor2D): tf.Tensor2D => tf.matMul(tf.square(tf.matMul(x, q.w1)), q.w2);

/** Trains and draws into `el` (a canvas and a caption are appended); resolves when done. */
export async function drawGrokking(el: HTMLElement, options: GrokkingOptions = {}): Promise<GrokkingResult> {
  const { p = 37, fraction = 0.4, hidden = 128, learningRate = 1e-2, weightDecay = 1, steps = 3000, seed = 0, stepsPerFrame = 25, signal } = options;
  const before = tf.memory().numTensors;
  const started = performance.now();
  const { canvas, caption } = makeCanvas(el);
  const data = makeData(p, fraction, seed);
  const rand = mulberry32(seed + 1);
  const init: Params = {
    w1: tf.tensor2d(normals(rand, 2 * p * hidden, Math.sqrt(1 / p)), [2 * p, hidden]),
    w2: tf.tensor2d(normals(rand, hidden * p, 1 / Math.sqrt(hidden)), [hidden, p]),
  };
  const loss = (params: Tree, batch: Data): tf.Scalar => tf.tidy(() => tf.losses.softmaxCrossEntropy(batch.y, logits(params as Params, batch.x)) as tf.Scalar);
  const trainer = new Trainer<Data>({ transform: adamw({ learningRate, weightDecay, b1: 0.9, b2: 0.98 }), loss, params: init, checkFinite: false });
  treeDispose(init);
  // Counted, then divided in JavaScript: WebGL's float mean of all ones can come out as 0.9999999.
  const accuracy = (d: Data) => {
    const correct = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits(trainer.params as Params, d.x), -1), tf.argMax(d.y, -1)), 'float32')).dataSync()[0]);
    return Math.round(correct) / d.x.shape[0];
  };
  const result: GrokkingResult = { steps: [], train: [], test: [], seconds: 0, leakedTensors: 0 };
  const evalAt = new Set<number>();
  for (let k = 0; 10 ** (k / 30) <= steps; k++) evalAt.add(Math.round(10 ** (k / 30)));
  const draw = () => {
    drawChart(
      canvas,
      [
        { x: result.steps, y: result.train, label: 'train accuracy', color: COLORS[0] },
        { x: result.steps, y: result.test, label: 'test accuracy', color: COLORS[1] },
      ],
      { title: `(a + b) mod ${p}, ${Math.round(fraction * 100)}% of pairs for training, AdamW wd ${weightDecay}`, xLabel: 'step (log)', yLabel: 'accuracy', logX: true, yRange: [0, 1] },
    );
    caption.textContent =
      `step ${result.steps[result.steps.length - 1] ?? 0}: train 100% at step ${result.trainAt ?? '-'}, test >= 95% at step ${result.testAt ?? '-'} ` +
      `(${tf.getBackend()}, ${((performance.now() - started) / 1000).toFixed(1)} s)`;
  };
  try {
    let stopAt = steps;
    for (let s = 1; s <= stopAt; s++) {
      if (signal?.aborted) break;
      trainer.step(data.train);
      if (evalAt.has(s) || s % 50 === 0 || s === stopAt) {
        const [train, test] = [accuracy(data.train), accuracy(data.test)];
        result.steps.push(s);
        result.train.push(train);
        result.test.push(test);
        if (train === 1 && result.trainAt === undefined) result.trainAt = s;
        if (test >= 0.95 && result.testAt === undefined) result.testAt = s;
        if (test >= 0.99 && stopAt === steps) stopAt = Math.min(steps, Math.ceil(s * 1.25));
      }
      if (s % stepsPerFrame === 0 || s === stopAt) {
        draw();
        await nextFrame();
      }
    }
  } finally {
    trainer.dispose();
    tf.dispose([data.train.x, data.train.y, data.test.x, data.test.y]);
  }
  result.seconds = (performance.now() - started) / 1000;
  draw();
  result.leakedTensors = tf.memory().numTensors - before;
  return result;
}
