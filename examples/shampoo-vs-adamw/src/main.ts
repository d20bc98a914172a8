// Shampoo against AdamW on an MNIST MLP (784-128-10, 8,000 training digits, mini-batches of
// 128): Shampoo with RMSProp grafting, blocks of 128, roots every 10 steps and momentum 0.9.
// Writes the loss curves as SVG and the numbers as JSON to examples/shampoo-vs-adamw/out/.
//
//   npx tsx examples/shampoo-vs-adamw/src/main.ts [--backend wasm|cpu] [--epochs 2]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendRequest } from '@basin/backends';
import { adamw, mulberry32, Trainer, treeDispose, type Transform, type Tree } from '@basin/core';
import { shampoo, type ShampooState } from '@basin/shampoo';
import { accuracy, commandLine, loadMnist, progressBar } from '@basin/example-data';
import { lineChart, type Series } from '@basin/plot';

const OUT = join(__dirname, '..', 'out');

const cli = commandLine(process.argv.slice(2));

type Batch = { x: tf.Tensor2D; y: tf.Tensor2D };

function initMlp(hidden: number): Record<string, tf.Tensor> {
  return {
    w0: tf.randomNormal([784, hidden], 0, Math.sqrt(2 / 784), 'float32', 11),
    b0: tf.zeros([hidden]),
    w1: tf.randomNormal([hidden, 10], 0, Math.sqrt(2 / hidden), 'float32', 12),
    b1: tf.zeros([10]),
  };
}

function logits(params: Tree, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const p = params as Record<string, tf.Tensor2D>;
    const h = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, p.w0), p.b0)) as tf.Tensor2D;
    return tf.add(tf.matMul(h, p.w1), p.b1);
  });
}

const crossEntropy = (params: Tree, batch: Batch): tf.Scalar =>
  tf.tidy(() => tf.losses.softmaxCrossEntropy(batch.y, logits(params, batch.x)) as tf.Scalar);

async function main(): Promise<void> {
  const choice = await useBackend(cli.string('backend', 'auto') as BackendRequest);
  const epochs = cli.number('epochs', 2);
  const batchSize = 128;
  console.log(`Shampoo vs AdamW on backend '${choice.name}', MNIST MLP 784-128-10, ${epochs} epochs`);
  const data = loadMnist({ trainCount: 8000, testCount: 2000, seed: 0 });
  const n = data.xTrain.shape[0];
  const shampooOptions = { grafting: 'rmsprop' as const, blockSize: 128, updateEvery: 10, momentum: 0.9, epsilon: 1e-8 };
  const contenders: [string, string, boolean, Transform<any>][] = [
    ['AdamW lr 1e-3', '#e6194b', true, adamw({ learningRate: 1e-3, weightDecay: 0 })],
    ['AdamW lr 3e-3', '#e6194b', false, adamw({ learningRate: 3e-3, weightDecay: 0 })],
    ['Shampoo lr 1e-3', '#4363d8', true, shampoo({ learningRate: 1e-3, ...shampooOptions })],
    ['Shampoo lr 3e-3', '#4363d8', false, shampoo({ learningRate: 3e-3, ...shampooOptions })],
  ];
  const series: Series[] = [];
  const results: Record<string, unknown>[] = [];
  for (const [name, color, solid, transform] of contenders) {
    const init = initMlp(128);
    const trainer = new Trainer<Batch>({ transform, loss: crossEntropy, params: init });
    treeDispose(init);
    const random = mulberry32(7); // the same batch order for every run
    const losses: number[] = [];
    const start = performance.now();
    const bar = progressBar(`  ${name}`, epochs * Math.ceil(n / batchSize));
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      for (let b = 0; b * batchSize < n; b++) {
        const idx = tf.tensor1d(order.slice(b * batchSize, (b + 1) * batchSize), 'int32');
        const batch: Batch = { x: tf.gather(data.xTrain, idx), y: tf.gather(data.yTrain, idx) };
        losses.push(trainer.step(batch));
        treeDispose([idx, batch]);
        bar.update(losses.length, { loss: losses[losses.length - 1].toFixed(4) });
      }
    }
    bar.stop();
    const msPerStep = (performance.now() - start) / losses.length;
    const testAccuracy = tf.tidy(() => accuracy(logits(trainer.params, data.xTest), data.yTest));
    const testLoss = tf.tidy(() => crossEntropy(trainer.params, { x: data.xTest, y: data.yTest }).dataSync()[0]);
    const state = trainer.state as unknown[];
    const rootFailures = name.startsWith('Shampoo') ? (state[0] as ShampooState).rootFailures : 0;
    console.log(`  ${name.padEnd(16)} test loss ${testLoss.toFixed(4)}  test acc ${(100 * testAccuracy).toFixed(2)}%  ${msPerStep.toFixed(1)} ms/step  root failures ${rootFailures}`);
    let ema = losses[0];
    series.push({ label: `${name}: test ${(100 * testAccuracy).toFixed(1)}%`, color, dashed: !solid, x: losses.map((_, i) => i), y: losses.map((l) => (ema = 0.9 * ema + 0.1 * l)) });
    results.push({ name, testLoss, testAccuracy, msPerStep, rootFailures, trainLoss: losses });
    trainer.dispose();
  }
  treeDispose(data);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'shampoo-vs-adamw.svg'), lineChart(series, { title: `MNIST MLP 784-128-10, batch ${batchSize}, ${epochs} epochs (${choice.name})`, xLabel: 'step', yLabel: 'train loss, EMA 0.9', logY: true, legend: 'inside', width: 560, height: 360 }));
  writeFileSync(join(OUT, 'results.json'), JSON.stringify({ backend: choice.name, epochs, results }, null, 1));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
