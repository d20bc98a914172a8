// Basin's main demo: trains the conv net of the TF.js examples' mnist-node on real MNIST digits
// with model.fit, once per optimizer (TF.js's own Adam and Basin optimizers through
// basinOptimizer), each from the same initial weights on the same batches in the same order, and
// prints validation accuracy per epoch side by side, then loss and time per epoch.
//
//   npm run demo                                              # the default race, a few minutes
//   npm run demo -- --optimizers tf-adam,sam,muon --epochs 5 --train 8000
//   npm run demo -- --model mlp                               # a small MLP, seconds
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '@basin/backends';
import { commandLine, fitWithValidation, loadMnist, sameStart, type FitRun } from '@basin/example-data';
import { buildModel, describeModel, modelInput, MODELS, type ModelName } from './models';
import { DEFAULT_OPTIMIZERS, OPTIMIZERS } from './optimizers';
import { formatTable, percent } from './report';

interface Args {
  optimizers: string[];
  model: ModelName;
  epochs: number;
  batchSize: number;
  train: number;
  test: number;
  hidden: number;
  backend: BackendName | 'auto';
  seed: number;
}

const USAGE = `usage: npm run demo -- [--optimizers ${OPTIMIZERS.map((o) => o.name).join(',')}] [--model ${MODELS.join('|')}] [--epochs N] [--batch-size N] [--train N] [--test N] [--hidden N] [--backend auto|wasm|cpu|webgl|webgpu|tensorflow] [--seed N]`;

/** Sized so the default race takes a few minutes on a 2-core machine (see the README). */
const DEFAULTS: Record<ModelName, { train: number; epochs: number }> = { conv: { train: 2048, epochs: 3 }, mlp: { train: 8000, epochs: 5 } };

function parseArgs(argv: string[]): Args {
  const cli = commandLine(argv);
  cli.showUsageOnHelp(USAGE);
  const model = cli.choice('model', 'conv', MODELS);
  const args: Args = {
    optimizers: cli.choiceList('optimizers', DEFAULT_OPTIMIZERS, OPTIMIZERS.map((o) => o.name)),
    model,
    // The defaults of --epochs and --train depend on the model.
    epochs: cli.count('epochs', DEFAULTS[model].epochs),
    batchSize: cli.count('batch-size', 64),
    train: cli.count('train', DEFAULTS[model].train),
    test: cli.count('test', 1000),
    hidden: cli.count('hidden', 128),
    backend: cli.string('backend', 'auto') as BackendName | 'auto',
    seed: cli.number('seed', 0),
  };
  cli.refuseUnknownOptions();
  return args;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const choice = await useBackend(args.backend);
  console.log(`Basin MNIST demo: backend '${choice.name}' (${choice.reason})`);
  const split = loadMnist({ trainCount: args.train, testCount: args.test, seed: args.seed });
  const data = { x: modelInput(args.model, split.xTrain), y: split.yTrain, xVal: modelInput(args.model, split.xTest), yVal: split.yTest };
  tf.dispose([split.xTrain, split.xTest]);
  const n = data.x.shape[0];
  const stepsPerEpoch = Math.ceil(n / args.batchSize);
  console.log(`model: ${describeModel(args.model, args.hidden)}, trained with model.fit`);
  console.log(`data: ${n} training and ${data.xVal.shape[0]} validation digits (mnist package); ${args.epochs} epochs of ${stepsPerEpoch} batches of ${args.batchSize}`);
  console.log('every optimizer starts from the same weights and sees the same batches in the same order\n');

  const start = sameStart(() => buildModel(args.model, args.hidden));
  // One untimed batch first, so the first optimizer's time does not include the backend's warm-up.
  const warm = start.fresh();
  warm.compile({ optimizer: tf.train.sgd(0), loss: 'categoricalCrossentropy' });
  const warmBatch = [tf.slice(data.x, 0, Math.min(args.batchSize, n)), tf.slice(data.y, 0, Math.min(args.batchSize, n))];
  await warm.trainOnBatch(warmBatch[0], warmBatch[1]);
  tf.dispose(warmBatch);
  warm.dispose();

  const runs: FitRun[] = [];
  for (const name of args.optimizers) {
    const spec = OPTIMIZERS.find((o) => o.name === name)!;
    console.log(`${name}: ${spec.describe}`);
    const model = start.fresh();
    const optimizer = spec.make(stepsPerEpoch, args.epochs);
    const run = await fitWithValidation(model, optimizer, data, {
      label: `  ${name}`,
      epochs: args.epochs,
      batchSize: args.batchSize,
      onEpochEnd: (r, epoch) =>
        console.log(`  epoch ${epoch + 1}: loss ${r.loss[epoch].toFixed(4)}, validation loss ${r.valLoss[epoch].toFixed(4)}, accuracy ${percent(r.valAccuracy[epoch])}  (${r.seconds[epoch].toFixed(1)} s)`),
    });
    runs.push(run);
    optimizer.dispose();
    model.dispose();
    console.log('');
  }

  console.log('validation accuracy after each epoch:\n');
  console.log(formatTable(['epoch', ...runs.map((r) => r.label.trim())], Array.from({ length: args.epochs }, (_, e) => [String(e + 1), ...runs.map((r) => percent(r.valAccuracy[e]))])));
  console.log('\nafter the last epoch:\n');
  const last = (xs: number[]) => xs[xs.length - 1];
  console.log(
    formatTable(
      ['optimizer', 'val accuracy', 'val loss', 'train loss', 's/epoch', 'backend'],
      runs.map((r) => [r.label.trim(), percent(last(r.valAccuracy)), last(r.valLoss).toFixed(4), last(r.loss).toFixed(4), mean(r.seconds).toFixed(1), choice.name]),
    ),
  );
  console.log(`\ntrain loss: mean over the last epoch's batches (dropout on); s/epoch: training plus validation. Total ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  start.dispose();
  tf.dispose([data.x, data.y, data.xVal, data.yVal]);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
