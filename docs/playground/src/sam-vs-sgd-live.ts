// SAM against SGD on sharpness, live (Foret, Kleiner, Mobahi & Neyshabur, "Sharpness-aware
// minimization for efficiently improving generalization", ICLR 2021, reported lambda_max 24.2 for
// SGD against 1.0 for SAM on a WideResNet; examples/sam-vs-sgd-lambda-max is the Node version on
// an MNIST conv net). Here a small MLP (tanh, softmax cross-entropy) on a synthetic 4-class task
// (Gaussian inputs, labels from a random teacher network, so there is no MNIST file to fetch) is
// trained with SGD (momentum) and with SAM around the same SGD, same initial weights and batch
// order; every few epochs @basin/hessian measures the largest Hessian eigenvalue of the training
// loss of both (a few Lanczos HVPs). Runs on the active TF.js backend (WebGL in the playground).
import * as tf from '@tensorflow/tfjs';
import { mulberry32, sgd, Trainer, treeDispose, type Transform, type Tree } from '@basin/core';
import { sam } from '@basin/sam';
import { measureCurvature } from './curvature';
import { drawWhileTraining } from './live-charts';
import { shuffleInPlace, withRows, type Rows } from './minibatches';
import { COLORS, drawChart, normals } from './phenomena-chart';
import { initTwoLayer, twoLayerForward, type TwoLayerParams } from './two-layer-net';

export interface SamVsSgdOptions {
  /** Training points. Default 256. */
  n?: number;
  dim?: number;
  classes?: number;
  hidden?: number;
  learningRate?: number;
  momentum?: number;
  rho?: number;
  batch?: number;
  epochs?: number;
  /** Epochs between lambda_max measurements (and redraws). Default 5. */
  every?: number;
  seed?: number;
  signal?: AbortSignal;
}

export interface SamVsSgdCurve {
  loss: number[];
  lambdaMax: number[];
}

export interface SamVsSgdResult {
  /** Epochs at which loss and lambda_max were measured (0 = the shared initial weights). */
  epochs: number[];
  sgd: SamVsSgdCurve;
  sam: SamVsSgdCurve;
  /** lambda_max(SGD) / lambda_max(SAM) at the end. */
  ratio: number;
  parameters: number;
  seconds: number;
  leakedTensors: number;
}

const loss = (params: Tree, b: Rows): tf.Scalar => tf.tidy(() => tf.losses.softmaxCrossEntropy(b.y, twoLayerForward(params as unknown as TwoLayerParams, b.x, tf.tanh)) as tf.Scalar);

/** Trains both runs in lockstep, measuring every `every` epochs; no DOM (Node can call it too). */
export async function trainSamVsSgd(options: SamVsSgdOptions = {}, onPoint?: (r: SamVsSgdResult) => Promise<void>): Promise<SamVsSgdResult> {
  const { n = 256, dim = 10, classes = 4, hidden = 32, learningRate = 0.1, momentum = 0.9, rho = 0.5, batch = 32, epochs = 30, every = 5, seed = 0, signal } = options;
  const before = tf.memory().numTensors;
  const started = performance.now();
  const rand = mulberry32(seed);
  // Labels: the arg-max of a random tanh teacher, a nonlinear but learnable task.
  const data = tf.tidy(() => {
    const x = tf.tensor2d(normals(rand, n * dim), [n, dim]);
    const teacher = tf.matMul(tf.tanh(tf.matMul(x, tf.tensor2d(normals(rand, dim * 16, 1.5 / Math.sqrt(dim)), [dim, 16]))), tf.tensor2d(normals(rand, 16 * classes), [16, classes]));
    return { x, y: tf.oneHot(tf.argMax(teacher, -1), classes).toFloat() as tf.Tensor2D };
  });
  const init = initTwoLayer(rand, { inputs: dim, hidden, outputs: classes }, { w1: 1 / Math.sqrt(dim), w2: 1 / Math.sqrt(hidden) });
  const parameters = dim * hidden + hidden + hidden * classes + classes;
  const base = () => sgd({ learningRate, momentum });
  const trainers = [base(), sam(base(), { rho }) as Transform<unknown>].map((transform) => new Trainer<Rows>({ transform, loss, params: init as unknown as Tree }));
  treeDispose(init as unknown as Tree);
  const result: SamVsSgdResult = { epochs: [], sgd: { loss: [], lambdaMax: [] }, sam: { loss: [], lambdaMax: [] }, ratio: NaN, parameters, seconds: 0, leakedTensors: 0 };
  const batches = Math.floor(n / batch);
  try {
    for (let epoch = 0; epoch <= epochs; epoch++) {
      if (signal?.aborted) break;
      if (epoch % every === 0 || epoch === epochs) {
        result.epochs.push(epoch);
        const [a, b] = trainers.map((t) => measureCurvature(loss, t.params, data));
        result.sgd.loss.push(a.loss);
        result.sgd.lambdaMax.push(a.lambdaMax);
        result.sam.loss.push(b.loss);
        result.sam.lambdaMax.push(b.lambdaMax);
        result.ratio = a.lambdaMax / b.lambdaMax;
        result.seconds = (performance.now() - started) / 1000;
        if (onPoint) await onPoint(result);
      }
      if (epoch === epochs) break;
      // One shuffle per epoch, shared by both runs (the same batch order).
      const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), rand);
      for (let k = 0; k < batches; k++) withRows(data, order.slice(k * batch, (k + 1) * batch), (b) => trainers.forEach((t) => t.step(b)));
    }
  } finally {
    trainers.forEach((t) => t.dispose());
    tf.dispose([data.x, data.y]);
  }
  result.seconds = (performance.now() - started) / 1000;
  result.leakedTensors = tf.memory().numTensors - before;
  return result;
}

/** Trains and draws into `el` (two charts and a caption); resolves when done. */
export async function drawSamVsSgd(el: HTMLElement, options: SamVsSgdOptions = {}): Promise<SamVsSgdResult> {
  const intro = 'SGD with momentum and SAM around the same SGD, from the same weights and in the same batch order.';
  return drawWhileTraining<SamVsSgdResult>(el, intro, (onPoint) => trainSamVsSgd(options, onPoint), (r, top, bottom) => {
    const pick = (c: (x: SamVsSgdCurve) => number[]) => [
      { x: r.epochs, y: c(r.sgd), label: 'SGD', color: COLORS[0] },
      { x: r.epochs, y: c(r.sam), label: 'SAM', color: COLORS[3] },
    ];
    drawChart(top.canvas, pick((c) => c.lambdaMax), { title: 'Largest Hessian eigenvalue of the training loss', xLabel: 'epoch', yLabel: 'lambda_max' });
    drawChart(bottom.canvas, pick((c) => c.loss), { title: 'Training loss', xLabel: 'epoch', yLabel: 'cross-entropy', logY: true });
    const i = r.epochs.length - 1;
    bottom.caption.textContent =
      `epoch ${r.epochs[i]}: lambda_max SGD ${r.sgd.lambdaMax[i].toFixed(2)}, SAM ${r.sam.lambdaMax[i].toFixed(2)} (ratio ${r.ratio.toFixed(2)}; Foret et al.'s WideResNet: 24.2 / 1.0); ` +
      `loss SGD ${r.sgd.loss[i].toExponential(1)}, SAM ${r.sam.loss[i].toExponential(1)} (${r.parameters} parameters, ${tf.getBackend()}, ${r.seconds.toFixed(1)} s)`;
  });
}
