// Trains the conv net of TF.js's mnist-node example on the WASM backend, on real MNIST digits:
// model.fit with tf.train.rmsprop (as the TF.js example does) and, side by side from the same
// initial weights on the same batches, model.fit with Basin optimizers through basinOptimizer
// (adam, SGD with Nesterov momentum, sam(adam), muon), and Basin's ModelTrainer with adam. Then
// an Embedding model on the same digits as token sequences. WASM can train these only with
// @basin/backends' training kernels, which useBackend('wasm') installs.
//
//   npx tsx examples/conv-net-wasm/src/main.ts            # an epoch on 4,000 digits per trainer
//   npx tsx examples/conv-net-wasm/src/main.ts --quick    # CI-sized: 384 digits, 12 batches
//   npx tsx examples/conv-net-wasm/src/main.ts --backend cpu --max-batches 1 --batch-size 16
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '@basin/backends';
import { adam, basinOptimizer, ModelTrainer, sgd } from '@basin/core';
import { commandLine, fitWithValidation, loadMnist, mnistNodeConvNet, sameStart, type FitData } from '@basin/example-data';
import { muon } from '@basin/muon';
import { sam } from '@basin/sam';
import { digitTokens, tokenEmbeddingNet } from './model';

/** The conv net through model.fit, by trainer name: a label and a fresh optimizer. */
const FIT_OPTIMIZERS = {
  'fit-rmsprop': { label: 'model.fit + tf.train.rmsprop', make: () => tf.train.rmsprop(1e-3) },
  'fit-adam': { label: 'model.fit + basinOptimizer(adam)', make: () => basinOptimizer(adam({ learningRate: 1e-3 })) },
  'fit-nesterov': { label: 'model.fit + basinOptimizer(sgd nesterov)', make: () => basinOptimizer(sgd({ learningRate: 0.02, momentum: 0.9, nesterov: true })) },
  'fit-sam': { label: 'model.fit + basinOptimizer(sam(adam))', make: () => basinOptimizer(sam(adam({ learningRate: 1e-3 }), { rho: 0.05 })) },
  'fit-muon': { label: 'model.fit + basinOptimizer(muon)', make: () => basinOptimizer(muon({ learningRate: 0.02, adamLearningRate: 1e-3 })) },
} as const;
type FitName = keyof typeof FIT_OPTIMIZERS;

const TRAINERS = [...(Object.keys(FIT_OPTIMIZERS) as FitName[]), 'basin-trainer', 'embedding'] as const;
type TrainerName = (typeof TRAINERS)[number];
/** What --quick trains unless --trainers says otherwise: CI time stays under ~30 s. */
const QUICK_TRAINERS: TrainerName[] = ['fit-rmsprop', 'fit-adam', 'fit-sam', 'basin-trainer', 'embedding'];

interface Args {
  quick: boolean;
  backend: BackendName;
  train: number;
  test: number;
  epochs: number;
  batchSize: number;
  maxBatches: number;
  trainers: TrainerName[];
  seed: number;
}

const USAGE = `usage: tsx examples/conv-net-wasm/src/main.ts [--quick] [--backend wasm|cpu] [--train N] [--test N] [--epochs N] [--batch-size N] [--max-batches N] [--trainers ${TRAINERS.join(',')}] [--seed N]`;

function parseArgs(argv: string[]): Args {
  const cli = commandLine(argv);
  cli.showUsageOnHelp(USAGE);
  const quick = cli.flag('quick');
  const args: Args = {
    quick,
    backend: cli.string('backend', 'wasm') as BackendName,
    train: cli.count('train', quick ? 384 : 4000),
    test: cli.count('test', quick ? 200 : 1000),
    epochs: cli.count('epochs', 1),
    batchSize: cli.count('batch-size', quick ? 32 : 64),
    maxBatches: cli.count('max-batches', Infinity),
    trainers: cli.choiceList('trainers', quick ? QUICK_TRAINERS : TRAINERS, TRAINERS),
    seed: cli.number('seed', 0),
  };
  cli.refuseUnknownOptions();
  if (args.quick) args.maxBatches = Math.min(args.maxBatches, 12);
  return args;
}

interface Row {
  trainer: string;
  batches: number;
  secondsPerBatch: number;
  /** Mean loss of the first and of the last three batches. */
  firstLoss: number;
  lastLoss: number;
  accuracy: number[];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const ends = (losses: number[]) => ({ firstLoss: mean(losses.slice(0, 3)), lastLoss: mean(losses.slice(-3)) });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Accuracy of `model` on (x, one-hot y), predicted in chunks of 250. */
function accuracyOf(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): number {
  let correct = 0;
  for (let start = 0; start < x.shape[0]; start += 250) {
    const size = Math.min(250, x.shape[0] - start);
    correct += tf.tidy(() => {
      const p = model.predict(tf.slice(x, start, size)) as tf.Tensor;
      return tf.sum(tf.cast(tf.equal(tf.argMax(p, -1), tf.argMax(tf.slice(y, start, size), -1)), 'float32')).dataSync()[0];
    });
  }
  return correct / x.shape[0];
}

/** Times each batch from the end of the previous one (the first from `start()`). */
class BatchClock {
  readonly times: number[] = [];
  readonly losses: number[] = [];
  private last = 0;
  start(): void {
    this.last = performance.now();
  }
  tick(loss: number): void {
    const now = performance.now();
    this.times.push((now - this.last) / 1000);
    this.losses.push(loss);
    this.last = now;
  }
}

async function trainLayers(name: string, model: tf.LayersModel, optimizer: tf.Optimizer, data: FitData, args: Args): Promise<Row> {
  const clock = new BatchClock();
  clock.start();
  const run = await fitWithValidation(model, optimizer, data, {
    label: `  ${name}`,
    epochs: args.epochs,
    batchSize: args.batchSize,
    onBatchEnd: (_batch, loss) => clock.tick(loss),
    onEpochEnd: (r, epoch) => {
      console.log(`  ${name} epoch ${epoch + 1}: loss ${r.loss[epoch].toFixed(4)}, validation accuracy ${(100 * r.valAccuracy[epoch]).toFixed(1)}%`);
      clock.start(); // validation is not a batch
    },
  });
  return { trainer: name, batches: clock.times.length, secondsPerBatch: median(clock.times), ...ends(clock.losses), accuracy: run.valAccuracy };
}

async function trainBasin(
  name: string,
  model: tf.LayersModel,
  data: FitData,
  args: Args,
): Promise<Row> {
  const trainer = new ModelTrainer(model, { transform: adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
  const clock = new BatchClock();
  const accuracy: number[] = [];
  for (let epoch = 0; epoch < args.epochs; epoch++) {
    clock.start();
    const [loss] = await trainer.fit(data.x, data.y, { epochs: 1, batchSize: args.batchSize, seed: args.seed + epoch, onBatchEnd: ({ loss }) => clock.tick(loss) });
    accuracy.push(accuracyOf(model, data.xVal, data.yVal));
    console.log(`  ${name} epoch ${epoch + 1}: loss ${loss.toFixed(4)}, validation accuracy ${(100 * accuracy[epoch]).toFixed(1)}%`);
  }
  trainer.dispose();
  return { trainer: name, batches: clock.times.length, secondsPerBatch: median(clock.times), ...ends(clock.losses), accuracy };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const choice = await useBackend(args.backend);
  const kernels = choice.wasmKernels ? `; Basin's WASM kernels: ${[...choice.wasmKernels.installed, ...choice.wasmKernels.alreadyInstalled].join(', ')}` : '';
  console.log(`backend '${choice.name}' (${choice.reason})${kernels}`);

  const split = loadMnist({ trainCount: Math.min(args.train, args.maxBatches * args.batchSize), testCount: args.test, seed: args.seed });
  const images = (x: tf.Tensor2D) => tf.reshape(x, [-1, 28, 28, 1]);
  const data: FitData = { x: images(split.xTrain), y: split.yTrain, xVal: images(split.xTest), yVal: split.yTest };
  const n = data.x.shape[0];
  console.log(`data: ${n} training and ${data.xVal.shape[0]} validation digits (mnist package); batches of ${args.batchSize}; ${args.epochs} epoch(s)`);
  console.log('every conv-net run starts from the same weights and sees the same batches in the same order (model.fit with shuffle: false)\n');

  const start = sameStart(mnistNodeConvNet);
  const fresh = () => start.fresh();

  // One untimed batch first, so the first trainer's figures do not include the backend's warm-up.
  const warm = fresh();
  warm.compile({ optimizer: tf.train.sgd(0), loss: 'categoricalCrossentropy' });
  const warmBatch = [tf.slice(data.x, 0, Math.min(args.batchSize, n)), tf.slice(data.y, 0, Math.min(args.batchSize, n))];
  await warm.trainOnBatch(warmBatch[0], warmBatch[1]);
  tf.dispose(warmBatch);
  warm.dispose();

  const rows: Row[] = [];
  for (const name of args.trainers) {
    const started = performance.now();
    let row: Row;
    if (name in FIT_OPTIMIZERS) {
      const { label, make } = FIT_OPTIMIZERS[name as FitName];
      const model = fresh();
      const optimizer = make();
      row = await trainLayers(label, model, optimizer, data, args);
      optimizer.dispose();
      model.dispose();
    } else if (name === 'basin-trainer') {
      const model = fresh();
      row = await trainBasin('ModelTrainer + adam', model, data, args);
      model.dispose();
    } else {
      const tokens: FitData = { x: digitTokens(split.xTrain), y: data.y, xVal: digitTokens(split.xTest), yVal: data.yVal };
      const model = tokenEmbeddingNet();
      const optimizer = tf.train.adam(1e-2);
      row = await trainLayers('Embedding + tf.train.adam', model, optimizer, tokens, args);
      optimizer.dispose();
      tf.dispose([tokens.x, tokens.xVal]);
      model.dispose();
    }
    rows.push(row);
    console.log(`  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  }

  const header = ['trainer', 'batches', 's/batch (median)', 'loss, first -> last 3 batches', 'validation accuracy per epoch'];
  const table = rows.map((r) => [
    r.trainer,
    String(r.batches),
    r.secondsPerBatch.toFixed(3),
    `${r.firstLoss.toFixed(3)} -> ${r.lastLoss.toFixed(3)}`,
    r.accuracy.map((a) => `${(100 * a).toFixed(1)}%`).join(', '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...table.map(line)].join('\n'));

  // With six batches or more the last three must beat the first three (--quick runs twelve).
  const failed = rows.filter((r) => (r.batches >= 6 && !(r.lastLoss < r.firstLoss)) || r.accuracy.some((a) => !Number.isFinite(a)));
  start.dispose();
  tf.dispose([data.x, data.y, data.xVal, data.yVal, split.xTrain, split.xTest]);
  if (failed.length > 0) {
    console.error(`the loss did not fall for: ${failed.map((r) => r.trainer).join(', ')}`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exit(1);
});
