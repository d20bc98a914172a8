// Muon against AdamW, as in the seed lecture's comparison: a small multinomial logistic
// regression (full batch, a learning-rate sweep for each) and an MNIST MLP (mini-batches).
// Writes SVG loss curves and the numbers to examples/muon-vs-adamw/out/ and copies the combined
// plot to packages/muon/docs/ for the README.
//
//   npx tsx examples/muon-vs-adamw/src/main.ts [--backend wasm|cpu] [--epochs 3]
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendRequest } from '@basin/backends';
import { adamw, cosineDecay, mulberry32, Trainer, treeDispose, type Transform, type Tree } from '@basin/core';
import { muon } from '@basin/muon';
import { accuracy, commandLine, loadMnist, progressBar } from '@basin/example-data';
import { makeLogistic } from './logistic';
import { lineChart, panels, type Series } from '@basin/plot';

const OUT = join(__dirname, '..', 'out');
const DOCS = join(__dirname, '..', '..', '..', 'packages', 'muon', 'docs');
const ADAMW = '#e6194b';
const MUON = '#4363d8';

const cli = commandLine(process.argv.slice(2));

/** Full-batch runs of one transform; returns the loss before each step and at the end. */
function fullBatch<B extends Tree>(transform: Transform<any>, loss: (p: Tree, b: B) => tf.Scalar, init: Tree, batch: B, steps: number): number[] {
  const trainer = new Trainer<B>({ transform, loss, params: init });
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push(trainer.step(batch));
  losses.push(tf.tidy(() => loss(trainer.params, batch).dataSync()[0]));
  trainer.dispose();
  return losses;
}

interface SweepResult {
  name: string;
  learningRate: number;
  final: number;
  losses: number[];
}

/**
 * One logistic-regression problem: a learning-rate sweep for each optimizer, then the best run
 * of each plotted as its gap to the optimum (estimated by a long AdamW run and every sweep).
 */
// Each experiment's chart (an SVG string from @basin/plot); main() puts them side by side.
type Panel = string;
const chart = (title: string, yLabel: string, series: Series[]): Panel => lineChart(series, { title, xLabel: 'step', yLabel, logY: true, legend: 'inside', width: 540, height: 340 });

function logisticExperiment(title: string, spread: number, steps: number): { panel: Panel; results: SweepResult[]; optimum: number } {
  const problem = makeLogistic({ seed: 3, spread });
  const runs: SweepResult[] = [];
  const sweep = (name: string, rates: number[], make: (lr: number) => Transform<any>) => {
    for (const lr of rates) {
      const init = problem.init();
      const losses = fullBatch(make(lr), problem.loss, init, problem.batch, steps);
      treeDispose(init);
      runs.push({ name, learningRate: lr, final: losses[losses.length - 1], losses });
      console.log(`  ${name.padEnd(6)} lr ${String(lr).padEnd(6)} final loss ${losses[losses.length - 1].toFixed(4)}`);
    }
  };
  // Both with cosine decay to zero: Muon's update has a fixed spectral size, so like sign
  // methods it needs a decaying rate to settle. Muon orthogonalises the weight matrix's update;
  // the 8 biases go to its AdamW branch.
  const decay = (lr: number) => cosineDecay({ init: lr, decaySteps: steps });
  sweep('AdamW', [0.01, 0.03, 0.1, 0.3, 1], (lr) => adamw({ learningRate: decay(lr), weightDecay: 0 }));
  sweep('Muon', [0.03, 0.1, 0.3, 1, 3], (lr) => muon({ learningRate: decay(lr), adamLearningRate: decay(0.03) }));
  const best = (name: string) => runs.filter((r) => r.name === name).reduce((a, b) => (b.final < a.final ? b : a));
  // Reference optimum: the best AdamW learning rate run ten times longer.
  const init = problem.init();
  const longDecay = cosineDecay({ init: best('AdamW').learningRate, decaySteps: 10 * steps });
  const long = fullBatch(adamw({ learningRate: longDecay, weightDecay: 0 }), problem.loss, init, problem.batch, 10 * steps);
  treeDispose(init);
  const optimum = Math.min(...long, ...runs.flatMap((r) => r.losses));
  console.log(`  optimum (best of a ${10 * steps}-step AdamW run and the sweeps) ${optimum.toFixed(4)}`);
  const series: Series[] = [];
  for (const [name, color] of [['AdamW', ADAMW], ['Muon', MUON]] as const) {
    const b = best(name);
    series.push({ label: `${name} (best lr ${b.learningRate})`, color, x: b.losses.map((_, i) => i), y: b.losses.map((l) => Math.max(l - optimum, 1e-6)) });
  }
  treeDispose(problem.batch);
  return { panel: chart(title, 'loss - optimum', series), results: runs, optimum };
}

type Batch = { x: tf.Tensor2D; y: tf.Tensor2D };

function initMlp(sizes: number[], seed: number): Record<string, tf.Tensor> {
  const params: Record<string, tf.Tensor> = {};
  for (let i = 0; i + 1 < sizes.length; i++) {
    params[`w${i}`] = tf.randomNormal([sizes[i], sizes[i + 1]], 0, Math.sqrt(2 / sizes[i]), 'float32', seed * 100 + i);
    params[`b${i}`] = tf.zeros([sizes[i + 1]]);
  }
  return params;
}

function logits(params: Tree, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const p = params as Record<string, tf.Tensor>;
    const h = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, p.w0 as tf.Tensor2D), p.b0));
    return tf.add(tf.matMul(h as tf.Tensor2D, p.w1 as tf.Tensor2D), p.b1);
  });
}

const crossEntropy = (params: Tree, batch: Batch): tf.Scalar =>
  tf.tidy(() => tf.losses.softmaxCrossEntropy(batch.y, logits(params, batch.x)) as tf.Scalar);

interface MnistRun {
  name: string;
  losses: number[];
  testAccuracy: number;
  testLoss: number;
  secondsPerStep: number;
}

function mnistExperiment(epochs: number, batchSize: number, hidden: number): { panel: Panel; results: MnistRun[] } {
  const data = loadMnist({ trainCount: 8000, testCount: 2000, seed: 0 });
  const n = data.xTrain.shape[0];
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const decay = (lr: number) => cosineDecay({ init: lr, decaySteps: epochs * stepsPerEpoch });
  const contenders: [string, Transform<any>][] = [
    ['AdamW (lr 1e-3)', adamw({ learningRate: decay(1e-3), weightDecay: 0 })],
    ['AdamW (lr 3e-3)', adamw({ learningRate: decay(3e-3), weightDecay: 0 })],
    ['Muon (lr 0.02; biases AdamW 3e-3)', muon({ learningRate: decay(0.02), adamLearningRate: decay(3e-3) })],
    ['Muon (lr 0.05; biases AdamW 3e-3)', muon({ learningRate: decay(0.05), adamLearningRate: decay(3e-3) })],
  ];
  const results: MnistRun[] = [];
  for (const [name, transform] of contenders) {
    const init = initMlp([784, hidden, 10], 1);
    const trainer = new Trainer<Batch>({ transform, loss: crossEntropy, params: init });
    treeDispose(init);
    const random = mulberry32(7); // the same batch order for both
    const losses: number[] = [];
    const start = performance.now();
    const bar = progressBar(`  ${name}`, epochs * stepsPerEpoch);
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (let b = 0; b < stepsPerEpoch; b++) {
        const idx = tf.tensor1d(order.slice(b * batchSize, (b + 1) * batchSize), 'int32');
        const batch: Batch = { x: tf.gather(data.xTrain, idx), y: tf.gather(data.yTrain, idx) };
        losses.push(trainer.step(batch));
        treeDispose([idx, batch]);
        bar.update(losses.length, { loss: losses[losses.length - 1].toFixed(4) });
      }
    }
    bar.stop();
    const secondsPerStep = (performance.now() - start) / 1000 / losses.length;
    const testAccuracy = tf.tidy(() => accuracy(logits(trainer.params, data.xTest), data.yTest));
    const testLoss = tf.tidy(() => crossEntropy(trainer.params, { x: data.xTest, y: data.yTest }).dataSync()[0]);
    console.log(`  ${name.padEnd(36)} final train loss (last 20 steps) ${mean(losses.slice(-20)).toFixed(4)}  test loss ${testLoss.toFixed(4)}  test acc ${(100 * testAccuracy).toFixed(2)}%  ${(1000 * secondsPerStep).toFixed(1)} ms/step`);
    results.push({ name, losses, testAccuracy, testLoss, secondsPerStep });
    trainer.dispose();
  }
  treeDispose(data);
  const smooth = (xs: number[]): [number, number][] => {
    let ema = xs[0];
    return xs.map((v, i) => [i, (ema = 0.9 * ema + 0.1 * v)]);
  };
  // The better learning rate of each optimizer (by test loss) is drawn solid, the other dashed.
  const series: Series[] = results.map((r) => {
    const family = r.name.split(' ')[0];
    const rivals = results.filter((o) => o.name.split(' ')[0] === family);
    const isBest = rivals.every((o) => o.testLoss >= r.testLoss);
    const lr = r.name.match(/lr ([^;)]+)/)?.[1] ?? '';
    const points = smooth(r.losses);
    return {
      label: `${family} ${lr}: test ${(100 * r.testAccuracy).toFixed(1)}%`,
      color: family === 'AdamW' ? ADAMW : MUON,
      x: points.map((p) => p[0]),
      y: points.map((p) => p[1]),
      dashed: !isBest,
    };
  });
  return {
    panel: chart(`MNIST MLP 784-${hidden}-10, batch ${batchSize}, ${epochs} epochs, cosine lr`, 'train loss (EMA 0.9)', series),
    results,
  };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const choice = await useBackend(cli.string('backend', 'auto') as BackendRequest);
  const epochs = cli.number('epochs', 3);
  console.log(`Muon vs AdamW on backend '${choice.name}'`);
  mkdirSync(OUT, { recursive: true });
  const t0 = performance.now();

  console.log('\nlogistic regression, isotropic features (full batch, 150 steps, cosine-decayed learning-rate sweep)');
  const iso = logisticExperiment('Logistic regression, isotropic features, cosine lr', 0, 150);
  console.log('\nlogistic regression, feature scales 0.1 .. 10');
  const ill = logisticExperiment('Logistic regression, feature scales 0.1..10, cosine lr', 1, 150);
  writeFileSync(join(OUT, 'logistic.svg'), panels([iso.panel, ill.panel]));

  console.log(`\nMNIST MLP (8,000 training digits, ${epochs} epochs)`);
  const mnist = mnistExperiment(epochs, 128, 128);
  writeFileSync(join(OUT, 'mnist.svg'), mnist.panel);

  const caption = `Basin @basin/muon vs AdamW on TF.js backend '${choice.name}' (examples/muon-vs-adamw)`;
  const combined = join(OUT, 'muon-vs-adamw.svg');
  writeFileSync(combined, panels([iso.panel, ill.panel, mnist.panel], { caption }));
  mkdirSync(DOCS, { recursive: true });
  copyFileSync(combined, join(DOCS, 'muon-vs-adamw.svg'));
  writeFileSync(
    join(OUT, 'results.json'),
    JSON.stringify(
      {
        backend: choice.name,
        logistic: Object.fromEntries(
          [['isotropic', iso], ['scales 0.1..10', ill]].map(([key, r]) => {
            const e = r as typeof iso;
            return [key, { optimum: e.optimum, runs: e.results.map(({ name, learningRate, final }) => ({ name, learningRate, final })) }];
          }),
        ),
        mnist: mnist.results.map(({ name, testAccuracy, testLoss, secondsPerStep, losses }) => ({
          name, testAccuracy, testLoss, secondsPerStep, finalTrainLoss: mean(losses.slice(-20)),
        })),
        seconds: (performance.now() - t0) / 1000,
      },
      null,
      2,
    ),
  );
  console.log(`\nwrote ${OUT}/{logistic,mnist,muon-vs-adamw}.svg and results.json in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
