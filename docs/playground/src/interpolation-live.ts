// The line between two minima, live (Keskar et al. 2017; examples/large-batch-sharpness is the
// MNIST version): the same tanh MLP (2-16-1) on two moons trained from the same initial weights
// with small batches and with full batches for the same number of epochs (so the large-batch
// run takes k times fewer steps), and optionally Hoffer et al.'s regime for the large batch
// (learning rate times sqrt(k), as many steps as the small-batch run). Then the training and
// test loss along f((1 - a) w_SB + a w_LB) for a in [-1, 2]. Runs on the active TF.js backend.
import * as tf from '@tensorflow/tfjs';
import { sgd, Trainer, treeClone, treeDispose, type Tree } from '@basin/core';
import { initMlp, mlpLoss, moons } from './mlp';
import { COLORS, drawChart, makeCanvas, nextFrame } from './phenomena-chart';

export interface InterpolationOptions {
  /** Training points (two moons). Default 256. */
  n?: number;
  /** Small batch. Default 8 (the large batch is all n points). */
  smallBatch?: number;
  epochs?: number;
  learningRate?: number;
  /** Also train Hoffer et al.'s large-batch regime and draw its line. Default true. */
  hoffer?: boolean;
  hidden?: number;
  signal?: AbortSignal;
}

export interface InterpolationResult {
  alphas: number[];
  /** Training and test loss along SB (a = 0) to LB (a = 1). */
  train: number[];
  test: number[];
  /** Training loss along SB to Hoffer's LB, when it ran. */
  hofferTrain?: number[];
  /** Final training losses of the runs. */
  finalLoss: { sb: number; lb: number; hoffer?: number };
  seconds: number;
  leakedTensors: number;
}

type Batch = { X: tf.Tensor2D; y: tf.Tensor1D };

/** Trains with SGD from `init` for `steps` steps of `batch` rows (in order, wrapping around); returns the params. */
async function trainRun(init: Tree, data: Batch, batch: number, lr: number, steps: number, signal?: AbortSignal): Promise<Tree> {
  const trainer = new Trainer<Batch>({ transform: sgd({ learningRate: lr }), loss: mlpLoss as (p: Tree, b: Batch) => tf.Scalar, params: init, checkFinite: false });
  const n = data.X.shape[0];
  try {
    for (let s = 0; s < steps && !signal?.aborted; s++) {
      const start = (s * batch) % n;
      const rows = Math.min(batch, n - start);
      const b = { X: tf.slice(data.X, [start, 0], [rows, -1]), y: tf.slice(data.y, [start], [rows]) };
      trainer.step(b);
      tf.dispose([b.X, b.y]);
      if (s % 100 === 99) await nextFrame();
    }
    return treeClone(trainer.params);
  } finally {
    trainer.dispose();
  }
}

const lossAt = (params: Tree, data: Batch): number => tf.tidy(() => mlpLoss(params, data).dataSync()[0]);

function line(from: Tree, to: Tree, alphas: number[], data: Batch): number[] {
  const a0 = from as Record<string, tf.Tensor>;
  const a1 = to as Record<string, tf.Tensor>;
  return alphas.map((a) =>
    tf.tidy(() => {
      const point = Object.fromEntries(Object.keys(a0).map((k) => [k, tf.add(tf.mul(a0[k], 1 - a), tf.mul(a1[k], a))]));
      return mlpLoss(point, data).dataSync()[0];
    }),
  );
}

/** Trains the runs and draws the losses along the line between their minima into `el`; resolves when done. */
export async function drawInterpolation(el: HTMLElement, options: InterpolationOptions = {}): Promise<InterpolationResult> {
  const { n = 256, smallBatch = 8, epochs = 30, learningRate = 0.2, hoffer = true, hidden = 16, signal } = options;
  const before = tf.memory().numTensors;
  const started = performance.now();
  const { canvas, caption } = makeCanvas(el);
  const train = moons(n, 3) as Batch;
  const test = moons(1000, 11) as Batch;
  const init = initMlp(5, hidden) as unknown as Tree;
  const owned: Tree[] = [];
  const alphas = Array.from({ length: 31 }, (_, i) => -1 + i / 10);
  const k = n / smallBatch;
  const sbSteps = epochs * k;
  let result: InterpolationResult;
  try {
    caption.textContent = `training small batch (${smallBatch}) for ${sbSteps} steps...`;
    await nextFrame();
    const sb = await trainRun(init, train, smallBatch, learningRate, sbSteps, signal);
    owned.push(sb);
    caption.textContent = `training large batch (${n}) for ${epochs} steps...`;
    await nextFrame();
    const lb = await trainRun(init, train, n, learningRate, epochs, signal);
    owned.push(lb);
    let hb: Tree | undefined;
    if (hoffer) {
      caption.textContent = `training large batch, lr x sqrt(${k}), ${sbSteps} steps...`;
      await nextFrame();
      hb = await trainRun(init, train, n, learningRate * Math.sqrt(k), sbSteps, signal);
      owned.push(hb);
    }
    result = {
      alphas,
      train: line(sb, lb, alphas, train),
      test: line(sb, lb, alphas, test),
      hofferTrain: hb ? line(sb, hb, alphas, train) : undefined,
      finalLoss: { sb: lossAt(sb, train), lb: lossAt(lb, train), hoffer: hb ? lossAt(hb, train) : undefined },
      seconds: 0,
      leakedTensors: 0,
    };
    drawChart(
      canvas,
      [
        { x: alphas, y: result.train, label: 'SB to LB, train', color: COLORS[0] },
        { x: alphas, y: result.test, label: 'SB to LB, test', color: COLORS[0], dashed: true },
        ...(result.hofferTrain ? [{ x: alphas, y: result.hofferTrain, label: 'SB to Hoffer, train', color: COLORS[1] }] : []),
      ],
      { title: 'f((1 - a) w_SB + a w_LB), two moons MLP', xLabel: 'a (0: small batch, 1: large batch)', yLabel: 'loss (log)', logY: true, markers: [{ x: 0, label: 'SB' }, { x: 1, label: 'LB' }] },
    );
    result.seconds = (performance.now() - started) / 1000;
    caption.textContent =
      `final training loss: SB ${result.finalLoss.sb.toFixed(3)} (${sbSteps} steps), LB ${result.finalLoss.lb.toFixed(3)} (${epochs} steps)` +
      (result.finalLoss.hoffer !== undefined ? `, Hoffer ${result.finalLoss.hoffer.toFixed(3)} (${sbSteps} steps)` : '') +
      ` (${tf.getBackend()}, ${result.seconds.toFixed(1)} s)`;
  } finally {
    treeDispose([init, train as unknown as Tree, test as unknown as Tree, ...owned]);
  }
  result.leakedTensors = tf.memory().numTensors - before;
  return result;
}
