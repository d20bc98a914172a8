// A learning-rate sweep, live, for SGD, SAM and SA-SAM (Naganuma, Kim, Kyrillidis & Mitliagkas,
// "Smoothness-Adaptive Sharpness-Aware Minimization for Finding Flatter Minima", ICLR 2024 tiny
// paper, claim SA-SAM's Malitsky-Mishchenko step makes it less sensitive to the learning rate;
// examples/sa-sam-lr-sweep is the MNIST version with Hessian measures). A Gaussian-mixture task
// made in the browser with a little label noise, one ReLU MLP, initial weights and batch order for
// every run; each optimizer at each learning rate (eta_0 for SA-SAM) trains the same epochs, then
// its test accuracy and training loss are plotted against the learning rate. Runs on the active
// TF.js backend (WebGL in the playground).
import * as tf from '@tensorflow/tfjs';
import { mulberry32, sgd, Trainer, type Transform } from '@basin/core';
import { saSam } from '@basin/sa-sam';
import { sam } from '@basin/sam';
import { COLORS, drawChart, makeCanvas, nextFrame } from './phenomena-chart';
import { epochOrder, type Rows } from './minibatches';
import { classifierHits, classifierLoss, gaussianMixture, initClassifier, mean, oneHot, trainEpoch } from './sam-switching-live';

export interface LrSweepOptions {
  /** Learning rates (SA-SAM's eta_0). Default 0.003 to 3, 7 values. */
  learningRates?: number[];
  /** Training points. Default 256. */
  n?: number;
  dims?: number;
  classes?: number;
  /** Fraction of training labels moved to another class. Default 0.1. */
  noise?: number;
  hidden?: number;
  batch?: number;
  epochs?: number;
  /** SAM's radius. Default 0.05. */
  rho?: number;
  seed?: number;
  signal?: AbortSignal;
}

export interface LrSweepRun {
  optimizer: string;
  learningRate: number;
  testAccuracy: number;
  /** Training loss at the end on all training points (NaN if the run diverged). */
  trainLoss: number;
  diverged: boolean;
}

export interface LrSweepResult {
  learningRates: number[];
  optimizers: string[];
  runs: LrSweepRun[];
  seconds: number;
  leakedTensors: number;
}

const OPTIMIZERS: Record<string, (lr: number, rho: number) => Transform<unknown>> = {
  SGD: (lr) => sgd({ learningRate: lr }) as Transform<unknown>,
  SAM: (lr, rho) => sam(sgd({ learningRate: lr }), { rho }) as Transform<unknown>,
  'SA-SAM': (lr) => saSam({ initialLearningRate: lr }) as Transform<unknown>,
};

/** Sweeps and draws into `el` (two charts with captions); resolves when done. */
export async function drawLrSweep(el: HTMLElement, options: LrSweepOptions = {}): Promise<LrSweepResult> {
  const {
    learningRates = [0.003, 0.01, 0.03, 0.1, 0.3, 1, 3], n = 256, dims = 16, classes = 4, noise = 0.1, hidden = 64, batch = 16, epochs = 10, rho = 0.05, seed = 0, signal,
  } = options;
  const before = tf.memory().numTensors;
  const started = performance.now();
  const row = document.createElement('div');
  row.style.display = 'flex';
  row.style.flexWrap = 'wrap';
  row.style.gap = '12px';
  const [left, right] = [document.createElement('div'), document.createElement('div')];
  row.append(left, right);
  el.append(row);
  const accuracyChart = makeCanvas(left, 460, 300);
  const lossChart = makeCanvas(right, 460, 300);
  // Overlapping classes (centres closer than in the label-noise demo) so the learning rate matters.
  const { data: train0, labels } = gaussianMixture(n, dims, classes, seed, seed + 1, 0.5);
  const { data: test } = gaussianMixture(1024, dims, classes, seed, seed + 2, 0.5);
  const rand = mulberry32(seed + 3);
  const noisyLabels = labels.slice();
  for (const i of epochOrder(n, seed + 4, 0).subarray(0, Math.round(noise * n))) noisyLabels[i] = (labels[i] + 1 + Math.floor(rand() * (classes - 1))) % classes;
  const train: Rows = { x: train0.x, y: oneHot(noisyLabels, classes) };
  tf.dispose(train0.y);
  const init = initClassifier(dims, hidden, classes, seed + 5);
  const names = Object.keys(OPTIMIZERS);
  const result: LrSweepResult = { learningRates, optimizers: names, runs: [], seconds: 0, leakedTensors: 0 };
  const draw = (status: string) => {
    const series = (pick: (r: LrSweepRun) => number) =>
      names.map((name, k) => {
        const rows = result.runs.filter((r) => r.optimizer === name);
        return { x: rows.map((r) => r.learningRate), y: rows.map(pick), label: name, color: COLORS[k] };
      });
    const axis = 'learning rate (SA-SAM: eta_0), log';
    drawChart(accuracyChart.canvas, series((r) => r.testAccuracy), { title: `Test accuracy after ${epochs} epochs`, xLabel: axis, yLabel: 'test accuracy', logX: true, yRange: [0, 1] });
    drawChart(lossChart.canvas, series((r) => r.trainLoss), { title: 'Training loss at the end (gaps: diverged)', xLabel: axis, yLabel: 'training loss (log)', logX: true, logY: true });
    accuracyChart.caption.textContent = status;
    const spread = names.map((name) => {
      const acc = result.runs.filter((r) => r.optimizer === name).map((r) => r.testAccuracy);
      return acc.length ? `${name} ${(100 * (Math.max(...acc) - Math.min(...acc))).toFixed(1)}` : '';
    });
    lossChart.caption.textContent = `spread of test accuracy over the learning rates so far (points): ${spread.filter(Boolean).join(', ')} (${tf.getBackend()}, ${((performance.now() - started) / 1000).toFixed(1)} s)`;
  };
  try {
    for (const name of names) {
      for (const lr of learningRates) {
        if (signal?.aborted) break;
        draw(`training ${name} at learning rate ${lr}...`);
        await nextFrame();
        const trainer = new Trainer<Rows>({ transform: OPTIMIZERS[name](lr, rho), loss: classifierLoss, params: init, checkFinite: false });
        let diverged = false;
        try {
          for (let e = 0; e < epochs && !diverged; e++) {
            trainEpoch(trainer, train, batch, seed, e);
            diverged = !Number.isFinite(tf.tidy(() => classifierLoss(trainer.params, train).dataSync()[0]));
            if (e % 2 === 1) await nextFrame();
          }
        } catch (err) {
          // SA-SAM refuses a step from non-finite params or gradients: that run diverged.
          if (!/must be finite/.test(String((err as Error).message))) throw err;
          diverged = true;
        }
        const trainLoss = tf.tidy(() => classifierLoss(trainer.params, train).dataSync()[0]);
        const testAccuracy = mean(classifierHits(trainer.params, test));
        trainer.dispose();
        result.runs.push({ optimizer: name, learningRate: lr, testAccuracy, trainLoss: diverged ? NaN : trainLoss, diverged: diverged || !Number.isFinite(trainLoss) });
      }
    }
  } finally {
    tf.dispose([train.x, train.y, test.x, test.y, ...Object.values(init as Record<string, tf.Tensor>)]);
  }
  result.seconds = (performance.now() - started) / 1000;
  draw(`${names.length} optimizers x ${learningRates.length} learning rates, ${epochs} epochs of batches of ${batch} on ${n} points (${Math.round(noise * 100)}% labels wrong), SAM rho ${rho}, SA-SAM rho = sqrt(eta)`);
  result.leakedTensors = tf.memory().numTensors - before;
  return result;
}
