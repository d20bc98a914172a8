// Keskar, Mudigere, Nocedal, Smelyanskiy & Tang, "On Large-Batch Training for Deep Learning:
// Generalization Gap and Sharp Minima" (ICLR 2017), on MNIST at small scale, and the reply of
// Hoffer, Hubara & Soudry, "Train longer, generalize better" (NeurIPS 2017).
//
// Keskar et al.: large-batch (LB) training converges to sharp minima that generalise worse than
// the flat minima of small-batch (SB) training; the loss along the line from the SB to the LB
// solution, f((1 - a) w_SB + a w_LB), is narrow around a = 1; their epsilon-sharpness is far
// larger for LB. Hoffer et al.: the gap comes from too few updates; with the same number of
// updates, lr * sqrt(k) and ghost batch norm over virtual batches of 128 it closes.
//
//   npx tsx examples/large-batch-sharpness/src/main.ts            # full: 4,096 digits, MLP 784-128-128-10 (a few minutes)
//   npx tsx examples/large-batch-sharpness/src/main.ts --quick    # CI: 2,048 digits, MLP 784-64-64-10
//   options: --n 4096 --test 2000 --hidden 128 --epochs 10 --lr 0.05 --backend wasm|cpu --out DIR
//
// Runs (SGD with momentum 0.9, constant learning rate, same initial weights, batch norm):
//   SB      batch 64, lr, E epochs
//   LB      batch 512 (k = 8), lr, E epochs (Keskar's comparison: same epochs, k times fewer steps);
//           then continued, same settings, until its training loss matches SB's ("LB, matched loss")
//   Hoffer  batch 512, lr * sqrt(k), ghost batch norm (virtual batches of 128), as many steps as SB
// Each minimum: training and test loss and accuracy, Keskar's epsilon-sharpness (eps 1e-3 and
// 5e-4, @basin/hessian's epsilonSharpness) on the training loss, and the two linear paths
// SB -> LB and SB -> Hoffer for a in [-1, 2]. Batch-norm statistics are population statistics
// of the training digits, recomputed at every point of a path.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendRequest } from '@basin/backends';
import { mulberry32, sgd, Trainer, treeClone, treeDispose, type Tree } from '@basin/core';
import { commandLine, loadMnist, progressBar } from '@basin/example-data';
import { epsilonSharpness, functionObjective } from '@basin/hessian';
import { lineChart, panels } from '@basin/plot';
import { crossEntropy, evaluate, initParams, logitsInfer, logitsTrain, populationStats, type Batch, type Params } from './model';

const cli = commandLine(process.argv.slice(2));
const QUICK = cli.flag('quick');

const N = cli.number('n', QUICK ? 2048 : 4096);
const N_TEST = cli.number('test', QUICK ? 1000 : 2000);
const HIDDEN = cli.number('hidden', QUICK ? 64 : 128);
const EPOCHS = cli.number('epochs', QUICK ? 3 : 10);
const LR = cli.number('lr', 0.05);
const SB = 64;
const LB = 512;
const GHOST = 128;
const K = LB / SB;
const SHARPNESS_ROWS = Math.min(N, QUICK ? 512 : 2048);
const ALPHA_POINTS = QUICK ? 13 : 31;
const ALPHAS = Array.from({ length: ALPHA_POINTS }, (_, i) => -1 + (3 * i) / (ALPHA_POINTS - 1));

interface Snapshot {
  params: Params;
  step: number;
  epoch: number;
}

interface RunResult {
  name: string;
  curve: { epoch: number; step: number; trainLoss: number; testAccuracy: number }[];
  final: Snapshot;
  /** LB only: the params at E epochs (Keskar's comparison). */
  atEpochs?: Snapshot;
  /** The first evaluation at which the training loss was at most the target. */
  matched?: Snapshot;
  seconds: number;
}

const clone = (p: Params): Params => treeClone(p as unknown as Tree) as unknown as Params;

/** Epoch ends at which the (inference-mode) training loss is evaluated: about 10 per decade. */
const EVALUATE_AFTER = new Set([1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300, 400, 500]);
const evaluateAfter = (epoch: number): boolean => EVALUATE_AFTER.has(epoch);

function train(
  name: string,
  data: Batch,
  test: Batch,
  init: Params,
  o: { batch: number; lr: number; ghost: number; steps: number; snapshotEpoch?: number; targetLoss?: number; stopAtTarget?: boolean },
): RunResult {
  const loss = (params: Tree, b: Batch): tf.Scalar => tf.tidy(() => crossEntropy(b.y, logitsTrain(params as unknown as Params, b.x, o.ghost)));
  const trainer = new Trainer<Batch>({ transform: sgd({ learningRate: o.lr, momentum: 0.9 }), loss, params: init as unknown as Tree, checkFinite: false });
  const perEpoch = Math.floor(N / o.batch);
  const result: RunResult = { name, curve: [], final: undefined as unknown as Snapshot, seconds: 0 };
  const start = Date.now();
  let step = 0;
  // A run that reaches its target loss stops early: the bar then ends short of o.steps.
  const bar = progressBar(name, o.steps);
  let status = '';
  for (let epoch = 1; step < o.steps; epoch++) {
    // A fresh shuffle each epoch (the same for every run); the last partial batch is dropped.
    const rand = mulberry32(1000 + epoch);
    const order = Array.from({ length: N }, (_, i) => i);
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const indices = tf.tensor1d(order, 'int32');
    const xs = tf.gather(data.x, indices);
    const ys = tf.gather(data.y, indices);
    indices.dispose();
    for (let b = 0; b < perEpoch && step < o.steps; b++, step++) {
      const batch = { x: tf.slice(xs, [b * o.batch, 0], [o.batch, -1]), y: tf.slice(ys, [b * o.batch, 0], [o.batch, -1]) };
      const l = trainer.step(batch);
      tf.dispose([batch.x, batch.y]);
      if (!Number.isFinite(l)) {
        bar.stop();
        throw new Error(`${name}: the loss is ${l} at step ${step}`);
      }
      bar.update(step + 1, { epoch });
    }
    tf.dispose([xs, ys]);
    const params = trainer.params as unknown as Params;
    const last = step >= o.steps;
    if (epoch === o.snapshotEpoch) result.atEpochs = { params: clone(params), step, epoch };
    if (evaluateAfter(epoch) || last || epoch === o.snapshotEpoch) {
      const stats = populationStats(params, data.x);
      const trainLoss = evaluate(params, stats, data).loss;
      const testAccuracy = evaluate(params, stats, test).accuracy;
      treeDispose(stats as unknown as Tree);
      result.curve.push({ epoch, step, trainLoss, testAccuracy });
      status = `${name}: epoch ${epoch}, step ${step}/${o.steps}, training loss ${trainLoss.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)}`;
      if (o.targetLoss !== undefined && result.matched === undefined && trainLoss <= o.targetLoss) {
        result.matched = { params: clone(params), step, epoch };
        if (o.stopAtTarget && (o.snapshotEpoch === undefined || epoch >= o.snapshotEpoch)) break;
      }
    }
  }
  bar.stop();
  console.log(status);
  result.final = { params: clone(trainer.params as unknown as Params), step, epoch: result.curve[result.curve.length - 1].epoch };
  result.seconds = (Date.now() - start) / 1000;
  trainer.dispose();
  return result;
}

interface Measured {
  name: string;
  epochs: number;
  steps: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  sharpness1e3: number;
  sharpness5e4: number;
}

function measure(name: string, s: Snapshot, data: Batch, test: Batch, sharpnessBatches: Batch[]): Measured {
  const stats = populationStats(s.params, data.x);
  const tr = evaluate(s.params, stats, data);
  const te = evaluate(s.params, stats, test);
  // Keskar's sharpness is of the training loss at the minimum: batch-norm statistics stay fixed
  // at the minimum's own while the weights move in the box.
  const objective = functionObjective((params: Tree, b: Batch) => tf.tidy(() => crossEntropy(b.y, logitsInfer(params as unknown as Params, stats, b.x))), s.params as unknown as Tree, {
    batches: sharpnessBatches,
  });
  const e1 = epsilonSharpness(objective, { epsilon: 1e-3, iterations: 10, seed: 1 });
  const e2 = epsilonSharpness(objective, { epsilon: 5e-4, iterations: 10, seed: 1 });
  treeDispose(stats as unknown as Tree);
  return {
    name,
    epochs: s.epoch,
    steps: s.step,
    trainLoss: tr.loss,
    trainAccuracy: tr.accuracy,
    testLoss: te.loss,
    testAccuracy: te.accuracy,
    sharpness1e3: e1.sharpness,
    sharpness5e4: e2.sharpness,
  };
}

/** Training and test loss along (1 - a) from + a to, with batch-norm statistics recomputed at each point. */
function linePath(from: Params, to: Params, data: Batch, test: Batch): { train: number[]; test: number[]; testAccuracy: number[] } {
  const out = { train: [] as number[], test: [] as number[], testAccuracy: [] as number[] };
  const keys = Object.keys(from) as (keyof Params)[];
  for (const a of ALPHAS) {
    const point = tf.tidy(() => Object.fromEntries(keys.map((k) => [k, tf.add(tf.mul(from[k], 1 - a), tf.mul(to[k], a))]))) as unknown as Params;
    const stats = populationStats(point, data.x);
    const tr = evaluate(point, stats, data);
    const te = evaluate(point, stats, test);
    out.train.push(tr.loss);
    out.test.push(te.loss);
    out.testAccuracy.push(te.accuracy);
    treeDispose([point, stats] as unknown as Tree);
  }
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const backend = (await useBackend(cli.string('backend', 'wasm') as BackendRequest)).name;
  const mnist = loadMnist({ trainCount: N, testCount: N_TEST, seed: 0 });
  const data: Batch = { x: mnist.xTrain, y: mnist.yTrain };
  const test: Batch = { x: mnist.xTest, y: mnist.yTest };
  const sbSteps = EPOCHS * Math.floor(N / SB);
  console.log(
    `backend ${backend}; MNIST ${N} training / ${N_TEST} test digits; MLP 784-${HIDDEN}-${HIDDEN}-10 with batch norm; SGD momentum 0.9; SB batch ${SB}, LB batch ${LB} (k = ${K}); ${EPOCHS} epochs = ${sbSteps} SB steps`,
  );
  const init = initParams(HIDDEN, 7);

  const sb = train('SB', data, test, init, { batch: SB, lr: LR, ghost: SB, steps: sbSteps });
  const target = sb.curve[sb.curve.length - 1].trainLoss;
  const lb = train('LB', data, test, init, { batch: LB, lr: LR, ghost: LB, steps: sbSteps, snapshotEpoch: EPOCHS, targetLoss: target, stopAtTarget: true });
  const hoffer = train('Hoffer', data, test, init, { batch: LB, lr: LR * Math.sqrt(K), ghost: GHOST, steps: sbSteps, targetLoss: target });
  treeDispose(init as unknown as Tree);

  const sharpnessBatches: Batch[] = [];
  for (let start = 0; start < SHARPNESS_ROWS; start += 1024) {
    const size = Math.min(1024, SHARPNESS_ROWS - start);
    sharpnessBatches.push({ x: tf.slice(data.x, [start, 0], [size, -1]), y: tf.slice(data.y, [start, 0], [size, -1]) });
  }
  process.stdout.write('measuring sharpness...');
  const lbSame = lb.atEpochs ?? lb.final;
  const lbMatched = lb.matched ?? lb.final;
  const rows: Measured[] = [
    measure('SB', sb.final, data, test, sharpnessBatches),
    measure('LB, same epochs', lbSame, data, test, sharpnessBatches),
    measure(lb.matched ? 'LB, matched loss' : 'LB, longest (loss not matched)', lbMatched, data, test, sharpnessBatches),
    measure('Hoffer (sqrt(k) lr, ghost BN, same steps)', hoffer.final, data, test, sharpnessBatches),
  ];
  process.stdout.write(' paths...');
  const toLb = linePath(sb.final.params, lbMatched.params, data, test);
  const toHoffer = linePath(sb.final.params, hoffer.final.params, data, test);
  console.log(' done\n');
  treeDispose(sharpnessBatches as unknown as Tree);

  const f = (v: number, d = 4) => v.toFixed(d);
  const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
  console.log('minimum                                     epochs  steps  train loss  train acc  test loss  test acc  eps-sharpness 1e-3  5e-4');
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(43)} ${String(r.epochs).padStart(6)} ${String(r.steps).padStart(6)}  ${f(r.trainLoss).padStart(10)}  ${f(r.trainAccuracy).padStart(9)}  ${f(r.testLoss).padStart(9)}  ${f(r.testAccuracy).padStart(8)}  ${r.sharpness1e3.toFixed(3).padStart(18)}  ${r.sharpness5e4.toFixed(3).padStart(5)}`,
    );
  }
  const i0 = ALPHAS.findIndex((a) => Math.abs(a) < 1e-9);
  const i1 = ALPHAS.findIndex((a) => Math.abs(a - 1) < 1e-9);
  console.log(
    `\npath SB (a = 0) -> LB at matched loss (a = 1): training loss ${f(toLb.train[i0])} -> ${f(toLb.train[i1])}, highest between ${f(Math.max(...toLb.train.slice(i0, i1 + 1)))}; test loss ${f(toLb.test[i0])} -> ${f(toLb.test[i1])}`,
  );
  console.log(
    `path SB (a = 0) -> Hoffer (a = 1): training loss ${f(toHoffer.train[i0])} -> ${f(toHoffer.train[i1])}, highest between ${f(Math.max(...toHoffer.train.slice(i0, i1 + 1)))}; test loss ${f(toHoffer.test[i0])} -> ${f(toHoffer.test[i1])}`,
  );
  // Keskar's figure: the loss rises faster beyond the LB end (a > 1) than beyond the SB end (a < 0).
  const at = (a: number) => ALPHAS.findIndex((v) => Math.abs(v - a) < 1e-9);
  const rise = (p: typeof toLb) => ({ sb: p.train[at(-0.5)] - p.train[i0], other: p.train[at(1.5)] - p.train[i1] });
  const [riseLb, riseHoffer] = [rise(toLb), rise(toHoffer)];
  console.log(
    `training-loss change half a path length outwards: SB end (a = -0.5) ${signed(riseLb.sb)}, LB end (a = 1.5) ${signed(riseLb.other)}; on the Hoffer path SB end ${signed(riseHoffer.sb)}, Hoffer end ${signed(riseHoffer.other)}`,
  );

  const out = cli.outputFolder({ quick: QUICK, folder: path.join(__dirname, '..'), tempPrefix: 'basin-large-batch-' });
  const pathChart = (p: typeof toLb, to: string) =>
    lineChart(
      [
        { x: ALPHAS, y: p.train, label: 'train loss' },
        { x: ALPHAS, y: p.test, label: 'test loss', dashed: true },
      ],
      { title: `f((1 - a) w_SB + a w_${to})`, xLabel: `a (0: SB, 1: ${to})`, yLabel: 'cross-entropy', logY: true, legend: 'inside' },
    );
  const curves = lineChart(
    [
      { x: sb.curve.map((c) => c.step), y: sb.curve.map((c) => c.trainLoss), label: 'SB' },
      { x: lb.curve.map((c) => c.step), y: lb.curve.map((c) => c.trainLoss), label: 'LB' },
      { x: hoffer.curve.map((c) => c.step), y: hoffer.curve.map((c) => c.trainLoss), label: 'Hoffer' },
    ],
    { title: 'Training loss (inference mode)', xLabel: 'step', yLabel: 'cross-entropy', logX: true, logY: true, legend: 'inside' },
  );
  writeFileSync(
    path.join(out, 'results.svg'),
    panels([pathChart(toLb, 'LB'), pathChart(toHoffer, 'Hoffer'), curves], {
      columns: 3,
      caption: `MNIST ${N} digits, MLP 784-${HIDDEN}-${HIDDEN}-10 + BN, SGD momentum 0.9, lr ${LR} (Hoffer ${f(LR * Math.sqrt(K), 3)}); SB batch ${SB}, LB batch ${LB}; ${backend} backend`,
    }),
  );
  const strip = (r: RunResult) => ({ name: r.name, seconds: r.seconds, curve: r.curve, matchedAt: r.matched && { epoch: r.matched.epoch, step: r.matched.step } });
  writeFileSync(
    path.join(out, 'results.json'),
    JSON.stringify({ backend, n: N, test: N_TEST, hidden: HIDDEN, epochs: EPOCHS, lr: LR, sb: SB, lb: LB, ghost: GHOST, minima: rows, runs: [sb, lb, hoffer].map(strip), alphas: ALPHAS, paths: { toLbMatched: toLb, toHoffer }, rise: { lb: riseLb, hoffer: riseHoffer } }, null, 1),
  );
  console.log(`wrote ${path.join(out, 'results.svg')} and results.json (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  for (const s of [sb.final, lb.final, lb.atEpochs, lb.matched, hoffer.final, hoffer.matched]) if (s) treeDispose(s.params as unknown as Tree);
  tf.dispose([mnist.xTrain, mnist.yTrain, mnist.xTest, mnist.yTest]);

  if (QUICK) {
    // Robust at this scale: LB with the same epochs is under-trained (higher training loss, lower
    // test accuracy) and sharper in Keskar's sense; Hoffer's regime brings its test accuracy
    // closer to SB's than LB with the same epochs gets.
    const [s, l, , h] = rows;
    const underTrained = l.trainLoss > s.trainLoss;
    const sharper = l.sharpness1e3 > s.sharpness1e3;
    const closes = Math.abs(h.testAccuracy - s.testAccuracy) < Math.abs(l.testAccuracy - s.testAccuracy);
    console.log(
      `check: LB (same epochs) training loss above SB's: ${underTrained ? 'yes' : 'NO'}; its eps-sharpness (1e-3) above SB's: ${sharper ? 'yes' : 'NO'}; ` +
        `Hoffer's test accuracy closer to SB's than LB's (same epochs): ${closes ? 'yes' : 'NO'}`,
    );
    if (!underTrained || !sharper || !closes) process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
