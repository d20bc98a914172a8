// Basin's main demo: trains the same MNIST classifier with several Basin optimizers, one after
// the other on the same data, and prints accuracy, sharpness and time per epoch side by side.
//
//   npm run demo                                  # adamw chain, SGD and SAM
//   npm run demo -- --optimizers sgd,sam,muon --epochs 5 --backend wasm
import * as tf from '@tensorflow/tfjs';
import { useBackend } from '@basin/backends';
import { makeGradFn, mulberry32, Trainer, treeDispose } from '@basin/core';
import { functionObjective, hessian, topEigenvalues } from '@basin/hessian';
import { ascentSharpness } from '@basin/sam';
import { accuracy, loadMnist } from '@basin/example-data';
import { crossEntropy, initMlp, logits, type Batch } from './model';
import { OPTIMIZERS } from './optimizers';
import { formatTable, Progress } from './report';

interface Args {
  optimizers: string[];
  epochs: number;
  batchSize: number;
  train: number;
  test: number;
  hidden: number;
  backend: string;
  seed: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { optimizers: ['adamw', 'sgd', 'sam'], epochs: 4, batchSize: 64, train: 8000, test: 2000, hidden: 128, backend: 'auto', seed: 0 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=');
    const value = inline ?? argv[++i];
    switch (flag) {
      case '--optimizers': args.optimizers = value.split(','); break;
      case '--epochs': args.epochs = Number(value); break;
      case '--batch-size': args.batchSize = Number(value); break;
      case '--train': args.train = Number(value); break;
      case '--test': args.test = Number(value); break;
      case '--hidden': args.hidden = Number(value); break;
      case '--backend': args.backend = value; break;
      case '--seed': args.seed = Number(value); break;
      case '--help':
        console.log(`usage: npm run demo -- [--optimizers ${OPTIMIZERS.map((o) => o.name).join(',')}] [--epochs N] [--batch-size N] [--train N] [--test N] [--hidden N] [--backend auto|cpu|wasm|tensorflow] [--seed N]`);
        process.exit(0);
      // falls through
      default:
        throw new Error(`unknown option ${flag} (try --help)`);
    }
  }
  return args;
}

/** Two sharpness measures on a fixed batch: SAM's ascent sharpness and the Hessian's top eigenvalue. */
function sharpness(params: Record<string, tf.Tensor>, batch: Batch): { ascent: number; topEigenvalue: number } {
  const ascent = ascentSharpness(makeGradFn(crossEntropy, batch), params, { rho: 0.05 }).sharpness;
  const H = hessian(functionObjective(crossEntropy, params, { batches: [batch] }));
  const { values } = topEigenvalues(H, { k: 1, tol: 1e-3, maxIterations: 30 });
  return { ascent, topEigenvalue: values[0] };
}

function evaluate(params: Record<string, tf.Tensor>, x: tf.Tensor, y: tf.Tensor): number {
  return tf.tidy(() => accuracy(logits(params, x), y));
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const choice = await useBackend(args.backend as any);
  console.log(`Basin MNIST demo: backend '${choice.name}' (${choice.reason})`);
  const data = loadMnist({ trainCount: args.train, testCount: args.test, seed: args.seed });
  const n = data.xTrain.shape[0];
  const stepsPerEpoch = Math.ceil(n / args.batchSize);
  console.log(`data: ${n} training and ${data.xTest.shape[0]} test digits (mnist package); MLP 784-${args.hidden}-10; ${args.epochs} epochs of ${stepsPerEpoch} steps\n`);
  const sharpBatch: Batch = { x: tf.slice(data.xTrain, 0, 1000) as tf.Tensor2D, y: tf.slice(data.yTrain, 0, 1000) as tf.Tensor2D };

  const rows: string[][] = [];
  for (const name of args.optimizers) {
    const spec = OPTIMIZERS.find((o) => o.name === name);
    if (!spec) throw new Error(`unknown optimizer '${name}' (known: ${OPTIMIZERS.map((o) => o.name).join(', ')})`);
    const transform = spec.make(stepsPerEpoch, args.epochs);
    const initial = initMlp([784, args.hidden, 10], args.seed + 1);
    const trainer = new Trainer<Batch>({ transform, loss: crossEntropy, params: initial });
    treeDispose(initial);
    const random = mulberry32(args.seed + 7);
    const epochSeconds: number[] = [];
    console.log(`${name}: ${spec.describe}`);
    for (let epoch = 0; epoch < args.epochs; epoch++) {
      const progress = new Progress(`  epoch ${epoch + 1}/${args.epochs}`, stepsPerEpoch);
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) { const j = Math.floor(random() * (i + 1)); [order[i], order[j]] = [order[j], order[i]]; }
      const start = performance.now();
      let total = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        const idx = tf.tensor1d(order.slice(b * args.batchSize, (b + 1) * args.batchSize), 'int32');
        const batch: Batch = { x: tf.gather(data.xTrain, idx), y: tf.gather(data.yTrain, idx) };
        total += trainer.step(batch);
        treeDispose([idx, batch]);
        progress.update(b + 1, total / (b + 1));
        if (b % 25 === 0) await tf.nextFrame();
      }
      epochSeconds.push((performance.now() - start) / 1000);
      progress.done(`loss ${(total / stepsPerEpoch).toFixed(4)}  ${epochSeconds[epoch].toFixed(2)} s`);
    }
    const params = trainer.params as Record<string, tf.Tensor>;
    const sharp = sharpness(params, sharpBatch);
    rows.push([
      name,
      (100 * evaluate(params, data.xTrain, data.yTrain)).toFixed(2) + '%',
      (100 * evaluate(params, data.xTest, data.yTest)).toFixed(2) + '%',
      sharp.ascent.toFixed(4),
      sharp.topEigenvalue.toFixed(2),
      (epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length).toFixed(2),
      choice.name,
    ]);
    trainer.dispose();
    console.log('');
  }
  console.log(formatTable(['optimizer', 'train acc', 'test acc', 'ascent sharpness*', 'top eigenvalue**', 's/epoch', 'backend'], rows));
  console.log('*  loss increase after one SAM ascent step of radius 0.05, on 1,000 training digits (lower is flatter)');
  console.log('** largest eigenvalue of the loss Hessian on the same digits (exact HVPs, Lanczos; @basin/hessian)');
  treeDispose([data, sharpBatch]);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
