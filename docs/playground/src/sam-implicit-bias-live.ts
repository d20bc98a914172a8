// SAM's implicit bias, live (Wen, Ma & Li, "How does sharpness-aware minimization minimize
// sharpness?", ICLR 2023; examples/sam-implicit-bias is the Node version on MNIST): full-batch SAM
// implicitly minimises the largest Hessian eigenvalue lambda_max, SAM with a perturbation per
// example minimises the trace. Three runs from the same weights on a synthetic +-1 task (random
// Gaussian inputs, labels from a random hyperplane), a tanh MLP with one output and the square
// loss: GD, full-batch SAM (@basin/sam) and 1-SAM (@basin/m-sam, one perturbation per example,
// on minibatches). Every few steps @basin/hessian measures lambda_max (a few Lanczos HVPs) and
// the trace (Hutch++) of the full-batch loss. Runs on the active TF.js backend (WebGL here).
import * as tf from '@tensorflow/tfjs';
import { mulberry32, sgd, Trainer, treeDispose, type Transform, type Tree } from '@basin/core';
import { mSam } from '@basin/m-sam';
import { sam } from '@basin/sam';
import { measureCurvature } from './curvature';
import { drawWhileTraining } from './live-charts';
import { shuffleInPlace, withRows, type Rows } from './minibatches';
import { COLORS, drawChart, normals } from './phenomena-chart';
import { initTwoLayer, twoLayerForward, type TwoLayerParams } from './two-layer-net';

export interface SamImplicitBiasOptions {
  /** Training points. Default 64. */
  n?: number;
  /** Input dimension. Default 20. */
  dim?: number;
  hidden?: number;
  learningRate?: number;
  rho?: number;
  /** 1-SAM's minibatch (each of its rows perturbed on its own). Default 8. */
  batch?: number;
  steps?: number;
  /** Steps between curvature measurements (and redraws). Default 25. */
  every?: number;
  /** Hutch++ products per trace. Default 12. */
  traceMatvecs?: number;
  seed?: number;
  signal?: AbortSignal;
}

export const SAM_BIAS_METHODS = ['GD', 'SAM', '1-SAM'] as const;
export type SamBiasMethod = (typeof SAM_BIAS_METHODS)[number];

export interface SamBiasCurve {
  loss: number[];
  lambdaMax: number[];
  trace: number[];
}

export interface SamImplicitBiasResult {
  steps: number[];
  curves: Record<SamBiasMethod, SamBiasCurve>;
  seconds: number;
  leakedTensors: number;
}

/** Half the mean squared error of the tanh network's single output. */
const loss = (params: Tree, b: Rows): tf.Scalar =>
  tf.tidy(() => {
    const out = twoLayerForward(params as unknown as TwoLayerParams, b.x, tf.tanh);
    return tf.mul(0.5, tf.mean(tf.square(tf.sub(out, b.y)))) as tf.Scalar;
  });

/**
 * Trains the three runs in lockstep and measures them every `every` steps; `onPoint` is called
 * after each measurement (the page redraws there). No DOM: the Node tools can call it too.
 */
export async function trainSamImplicitBias(options: SamImplicitBiasOptions = {}, onPoint?: (r: SamImplicitBiasResult) => Promise<void>): Promise<SamImplicitBiasResult> {
  const { n = 64, dim = 20, hidden = 16, learningRate = 0.2, rho = 0.2, batch = 8, steps = 300, every = 25, traceMatvecs = 12, seed = 0, signal } = options;
  const before = tf.memory().numTensors;
  const started = performance.now();
  const rand = mulberry32(seed);
  const normal = normals(rand, n * dim);
  const direction = normals(rand, dim);
  const labels = Float32Array.from({ length: n }, (_, i) => (normal.subarray(i * dim, (i + 1) * dim).reduce((a, x, j) => a + x * direction[j], 0) >= 0 ? 1 : -1));
  const data: Rows = { x: tf.tensor2d(normal, [n, dim]), y: tf.tensor2d(labels, [n, 1]) };
  const init = initTwoLayer(rand, { inputs: dim, hidden, outputs: 1 }, { w1: 1 / Math.sqrt(dim), w2: 1 / Math.sqrt(hidden) });
  const make = (m: SamBiasMethod): Transform<unknown> => {
    const base = sgd({ learningRate });
    if (m === 'GD') return base;
    if (m === 'SAM') return sam(base, { rho }) as Transform<unknown>;
    return mSam(base, { rho, microbatchSize: 1 }) as Transform<unknown>;
  };
  const trainers = SAM_BIAS_METHODS.map((m) => new Trainer<Rows>({ transform: make(m), loss, params: init as unknown as Tree }));
  treeDispose(init as unknown as Tree);
  const result: SamImplicitBiasResult = {
    steps: [],
    curves: { GD: { loss: [], lambdaMax: [], trace: [] }, SAM: { loss: [], lambdaMax: [], trace: [] }, '1-SAM': { loss: [], lambdaMax: [], trace: [] } },
    seconds: 0,
    leakedTensors: 0,
  };
  // 1-SAM's minibatches: consecutive rows of a seeded shuffle, a new shuffle every epoch.
  let order: number[] = [];
  try {
    for (let step = 0; step <= steps; step++) {
      if (signal?.aborted) break;
      if (step % every === 0 || step === steps) {
        result.steps.push(step);
        SAM_BIAS_METHODS.forEach((m, i) => {
          const c = measureCurvature(loss, trainers[i].params, data, traceMatvecs);
          result.curves[m].loss.push(c.loss);
          result.curves[m].lambdaMax.push(c.lambdaMax);
          result.curves[m].trace.push(c.trace);
        });
        result.seconds = (performance.now() - started) / 1000;
        if (onPoint) await onPoint(result);
      }
      if (step === steps) break;
      trainers[0].step(data);
      trainers[1].step(data);
      if (order.length < batch) order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), rand);
      withRows(data, order.splice(0, batch), (b) => trainers[2].step(b));
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
export async function drawSamImplicitBias(el: HTMLElement, options: SamImplicitBiasOptions = {}): Promise<SamImplicitBiasResult> {
  const colors: Record<SamBiasMethod, string> = { GD: COLORS[0], SAM: COLORS[3], '1-SAM': COLORS[1] };
  const intro = 'GD, full-batch SAM and 1-SAM (one perturbation per example) from the same weights; same learning rate and rho.';
  return drawWhileTraining<SamImplicitBiasResult>(el, intro, (onPoint) => trainSamImplicitBias(options, onPoint), (r, top, bottom) => {
    const series = (pick: (c: SamBiasCurve) => number[]) => SAM_BIAS_METHODS.map((m) => ({ x: r.steps, y: pick(r.curves[m]), label: m, color: colors[m] }));
    drawChart(top.canvas, series((c) => c.lambdaMax), { title: 'Largest Hessian eigenvalue (Lanczos)', xLabel: 'step', yLabel: 'lambda_max', logY: true });
    drawChart(bottom.canvas, series((c) => c.trace), { title: 'Hessian trace (Hutch++)', xLabel: 'step', yLabel: 'trace', logY: true });
    const last = (m: SamBiasMethod) => {
      const c = r.curves[m];
      const i = c.loss.length - 1;
      return `${m}: loss ${c.loss[i].toExponential(1)}, lambda_max ${c.lambdaMax[i].toFixed(2)}, trace ${c.trace[i].toFixed(1)}, trace/lambda_max ${(c.trace[i] / c.lambdaMax[i]).toFixed(2)}`;
    };
    bottom.caption.textContent = `step ${r.steps[r.steps.length - 1]}: ${SAM_BIAS_METHODS.map(last).join('; ')} (${tf.getBackend()}, ${r.seconds.toFixed(1)} s)`;
  });
}
