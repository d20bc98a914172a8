// Defazio & Bottou (2019), "On the Ineffectiveness of Variance Reduced Optimization for Deep
// Learning": how much does SVRG reduce the variance of the gradient estimate, layer by layer,
// along training? Trains LeNet-5 on real MNIST digits with @basin/variance-reduction's svrg and,
// at points of each epoch, measures per layer
//
//     ratio = Var_b[ g_b(w) ] / Var_b[ g_b(w) - g_b(w~) + mu~ ]      (SGD's over SVRG's)
//
// over the fixed minibatches b of the training set (w~: this epoch's snapshot). 1 means SVRG
// removes nothing; the paper reports little reduction for deep networks after the first epochs.
//
//   npx tsx examples/variance-ratio/src/main.ts --quick          # < 1 minute, asserts the ratio is computed and finite
//   npx tsx examples/variance-ratio/src/main.ts                  # LeNet-5, 2,000 digits, 8 epochs, writes out/
//   options: --net lenet|mlp --train 2000 --batch 50 --epochs 8 --lr 0.02 --momentum 0.9 --backend wasm --seed 0
//            --at 0.1,0.5,1 (where in each epoch to measure) --measure-batches 20 --tag NAME (output file suffix)
//            --write (quick mode: write out/ too) --replot (redraw the figures from out/results[-TAG].json, no training)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendRequest } from '@basin/backends';
import { mulberry32, sgd, Trainer, valueAndGrad, type Tree } from '@basin/core';
import { accuracy, commandLine, loadMnist, progressBar, type ProgressBar } from '@basin/example-data';
import { datasetGradient, svrg, svrgVariance, type SvrgState } from '@basin/variance-reduction';
import { lenet, mlp, type Net } from './nets';
import { lineChart } from '@basin/plot';

const cli = commandLine(process.argv.slice(2));
const QUICK = cli.flag('quick');
const NET: Net = cli.choice('net', 'lenet', ['lenet', 'mlp']) === 'mlp' ? mlp : lenet;
const TRAIN = cli.number('train', QUICK ? 500 : 2000);
const BATCH = cli.number('batch', 50);
const EPOCHS = cli.number('epochs', QUICK ? 3 : 8);
const LR = cli.number('lr', 0.02);
const MOMENTUM = cli.number('momentum', 0.9);
const SEED = cli.number('seed', 0);
// Where in each epoch the variances are measured (fractions of its steps).
const FRACTIONS = cli.numberList('at', QUICK ? [1] : [0.1, 0.5, 1]);
// Batches the variance is averaged over (all of them in quick mode; a fixed subset otherwise).
const MEASURE = cli.number('measure-batches', QUICK ? Math.ceil(TRAIN / BATCH) : 20);
const WRITE = !QUICK || cli.flag('write');
// Output names: out/variance-ratio[-TAG].svg, out/within-epoch[-TAG].svg, out/results[-TAG].json.
const TAG_NAME = cli.string('tag', '');
const TAG = TAG_NAME ? `-${TAG_NAME}` : '';
const OUT = join(__dirname, '..', 'out');

type Batch = { x: tf.Tensor; y: tf.Tensor };

interface Measurement {
  /** Epochs done, fractional (2.5: half-way through the third epoch). */
  epoch: number;
  /** Which epoch (1-based) and how far into it (0 to 1]. */
  epochNumber: number;
  fraction: number;
  step: number;
  layers: Record<string, { sgd: number; svrg: number; ratio: number }>;
  total: { sgd: number; svrg: number; ratio: number };
}

const ratio = (sgdVar: number, svrgVar: number) => (svrgVar > 0 ? sgdVar / svrgVar : Infinity);
const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toPrecision(d) : String(x));

async function main(): Promise<void> {
  const backend = (await useBackend(cli.string('backend', 'wasm') as BackendRequest)).name;
  const started = Date.now();
  const data = loadMnist({ trainCount: TRAIN, testCount: QUICK ? 500 : 1000, seed: SEED });
  const nBatches = Math.floor(TRAIN / BATCH);
  // Fixed minibatches: the same rows in batch b every epoch (the digits are already shuffled).
  const batches: Batch[] = Array.from({ length: nBatches }, (_, b) => ({ x: tf.slice(data.xTrain, b * BATCH, BATCH), y: tf.slice(data.yTrain, b * BATCH, BATCH) }));
  const all: Batch = { x: tf.slice(data.xTrain, 0, nBatches * BATCH), y: tf.slice(data.yTrain, 0, nBatches * BATCH) };
  console.log(`${NET.name} on ${nBatches * BATCH} MNIST digits, ${nBatches} fixed batches of ${BATCH}, ${EPOCHS} epochs, lr ${LR}, momentum ${MOMENTUM}, backend ${backend}`);

  const grad = valueAndGrad(NET.loss);
  const gradientAt = (params: Tree, b: number): Tree => {
    const { loss, grads } = grad(params, batches[b]);
    loss.dispose();
    return grads;
  };

  // SVRG: snapshot at the first step of every epoch (Johnson & Zhang's option I, m = one epoch).
  const initial = NET.init(SEED);
  const base = () => sgd({ learningRate: LR, momentum: MOMENTUM > 0 ? MOMENTUM : undefined });
  const trainer = new Trainer<Batch>({
    transform: svrg(base(), { fullGradient: datasetGradient(NET.loss, all, { batchSize: 250 }), snapshotEvery: nBatches }),
    loss: NET.loss,
    params: initial,
  });
  const random = mulberry32(SEED + 1);
  const orders = Array.from({ length: EPOCHS }, () => {
    const order = Array.from({ length: nBatches }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  });
  const measureAt = new Set(FRACTIONS.map((f) => Math.max(1, Math.round(f * nBatches))));
  const measured = Array.from({ length: Math.min(MEASURE, nBatches) }, (_, i) => i);
  const measurements: Measurement[] = [];
  const svrgLoss: number[] = [];
  console.log(['epoch', ...NET.layers, 'total', 'Var_SGD', 'Var_SVRG', 'train loss'].join('\t'));
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    let total = 0;
    // The bar is stopped while a row of the table is measured and printed, then drawn again.
    let bar: ProgressBar | undefined;
    for (let t = 0; t < nBatches; t++) {
      total += trainer.step(batches[orders[epoch][t]]);
      bar ??= progressBar(`SVRG epoch ${epoch + 1}/${EPOCHS}`, nBatches);
      bar.update(t + 1);
      if (!measureAt.has(t + 1)) continue;
      bar.stop();
      bar = undefined;
      const state = trainer.state as SvrgState;
      const v = svrgVariance({ gradientAt: (p, i) => gradientAt(p, measured[i]), batches: measured.length, params: trainer.params, snapshotParams: state.snapshotParams });
      const layers: Measurement['layers'] = {};
      for (const name of NET.layers) {
        const own = v.leaves.filter((l) => l.path.split('.')[0] === name);
        const s = own.reduce((a, l) => a + l.sgd, 0);
        const r = own.reduce((a, l) => a + l.svrg, 0);
        layers[name] = { sgd: s, svrg: r, ratio: ratio(s, r) };
      }
      const m: Measurement = { epoch: epoch + (t + 1) / nBatches, epochNumber: epoch + 1, fraction: (t + 1) / nBatches, step: trainer.steps, layers, total: { sgd: v.total.sgd, svrg: v.total.svrg, ratio: v.total.ratio } };
      measurements.push(m);
      console.log([m.epoch.toFixed(2), ...NET.layers.map((n) => fmt(layers[n].ratio)), fmt(m.total.ratio), fmt(m.total.sgd), fmt(m.total.svrg), t + 1 === nBatches ? (total / nBatches).toFixed(4) : ''].join('\t'));
    }
    bar?.stop();
    svrgLoss.push(total / nBatches);
  }
  const svrgAcc = tf.tidy(() => accuracy(NET.logits(trainer.params, data.xTest), data.yTest));

  // Plain SGD from the same start, same batches and order, for the losses (full mode only).
  let sgdLoss: number[] = [];
  let sgdAcc = NaN;
  if (!QUICK) {
    const plain = new Trainer<Batch>({ transform: base(), loss: NET.loss, params: initial });
    const bar = progressBar('SGD', EPOCHS * nBatches);
    sgdLoss = orders.map((order) =>
      order.reduce((s, b) => {
        const l = plain.step(batches[b]);
        bar.update(plain.steps);
        return s + l;
      }, 0) / nBatches,
    );
    bar.stop();
    sgdAcc = tf.tidy(() => accuracy(NET.logits(plain.params, data.xTest), data.yTest));
    plain.dispose();
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`\nSVRG: train loss per epoch ${svrgLoss.map((l) => l.toFixed(4)).join(', ')}; test accuracy ${svrgAcc.toFixed(3)}`);
  if (!QUICK) console.log(`SGD:  train loss per epoch ${sgdLoss.map((l) => l.toFixed(4)).join(', ')}; test accuracy ${sgdAcc.toFixed(3)}`);
  const late = measurements.filter((m) => m.epoch > 1);
  for (const name of [...NET.layers, 'total']) {
    const rs = late.map((m) => (name === 'total' ? m.total.ratio : m.layers[name].ratio));
    if (rs.length > 0) console.log(`ratio after epoch 1, ${name}: median ${fmt(median(rs))}, range ${fmt(Math.min(...rs))} to ${fmt(Math.max(...rs))}`);
  }
  console.log(`${seconds.toFixed(0)} s`);

  if (WRITE) {
    mkdirSync(OUT, { recursive: true });
    const results: Results = {
      backend, net: NET.name, layers: NET.layers, train: nBatches * BATCH, batch: BATCH, epochs: EPOCHS, learningRate: LR, momentum: MOMENTUM, seed: SEED,
      measuredBatches: measured.length, seconds, measurements, svrgLoss, svrgTestAccuracy: svrgAcc, sgdLoss, sgdTestAccuracy: sgdAcc,
    };
    writeFileSync(join(OUT, `results${TAG}.json`), JSON.stringify(results, null, 2));
    writeFigures(results);
    console.log(`figures and numbers in ${OUT}`);
  }

  // The qualitative claim that holds at any scale: the ratio is computed, per layer, and finite.
  const values = measurements.flatMap((m) => [m.total, ...Object.values(m.layers)]);
  const ok = measurements.length > 0 && values.every((v) => Number.isFinite(v.ratio) && v.ratio > 0 && Number.isFinite(v.sgd) && Number.isFinite(v.svrg) && v.svrg > 0);
  if (ok) console.log(`CHECK PASSED: SVRG's variance ratio computed and finite (${measurements.length} measurements x ${NET.layers.length} layers)`);
  else {
    console.error('CHECK FAILED: a variance ratio is missing, zero, NaN or infinite');
    process.exitCode = 1;
  }
  trainer.dispose();
  tf.dispose([...batches.flatMap((b) => [b.x, b.y]), all.x, all.y, data.xTrain, data.yTrain, data.xTest, data.yTest]);
  tf.dispose(Object.values(initial as Record<string, Record<string, tf.Tensor>>).flatMap((l) => Object.values(l)));
}

interface Results {
  backend: string;
  net: string;
  layers: string[];
  train: number;
  batch: number;
  epochs: number;
  learningRate: number;
  momentum: number;
  seed: number;
  measuredBatches: number;
  seconds: number;
  measurements: Measurement[];
  svrgLoss: number[];
  svrgTestAccuracy: number;
  sgdLoss: number[];
  sgdTestAccuracy: number;
}

/** out/variance-ratio[-TAG].svg (per layer, every measurement) and out/within-epoch[-TAG].svg (whole model, by position in the epoch). */
function writeFigures(r: Results): void {
  const levels = [{ y: 1, label: 'no reduction' }, { y: 2, label: '2x' }];
  // Log-y line charts with a marker at every measurement (@basin/plot).
  const lineChartLogY = (series: { name: string; points: [number, number][]; dashed?: boolean }[], options: { title: string; xLabel: string; yLabel: string }): string =>
    lineChart(
      series.map((c) => ({ label: c.name, x: c.points.map((p) => p[0]), y: c.points.map((p) => p[1]), dashed: c.dashed, style: 'both' as const })),
      { ...options, logY: true, levels, width: 860, height: 440 },
    );
  const fractions = [...new Set(r.measurements.map((m) => m.fraction))].sort((a, b) => a - b);
  const percent = (f: number) => `${Math.round(f * 100)}%`;
  const curves = [
    ...r.layers.map((name) => ({ name, points: r.measurements.map((m) => [m.epoch, m.layers[name].ratio] as [number, number]) })),
    { name: 'all layers', points: r.measurements.map((m) => [m.epoch, m.total.ratio] as [number, number]), dashed: true },
  ];
  writeFileSync(join(OUT, `variance-ratio${TAG}.svg`), lineChartLogY(curves, {
    title: `${r.net} on MNIST: SGD variance / SVRG variance, per layer (lr ${r.learningRate}, momentum ${r.momentum})`,
    xLabel: `epochs done (measured ${fractions.map(percent).join(', ')} into each; snapshot at each start)`,
    yLabel: 'variance ratio (log scale)',
  }));
  const within = fractions.map((f) => ({
    name: `${percent(f)} into the epoch`,
    points: r.measurements.filter((m) => m.fraction === f).map((m) => [m.epochNumber, m.total.ratio] as [number, number]),
  }));
  writeFileSync(join(OUT, `within-epoch${TAG}.svg`), lineChartLogY(within, {
    title: `${r.net}: variance ratio of the whole model, by position in the epoch`,
    xLabel: 'epoch',
    yLabel: 'variance ratio (log scale)',
  }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

if (cli.flag('replot')) {
  // Redraw the figures from out/results[-TAG].json without training again.
  writeFigures(JSON.parse(readFileSync(join(OUT, `results${TAG}.json`), 'utf8')) as Results);
  console.log(`figures redrawn in ${OUT}`);
} else {
  main().catch((e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
