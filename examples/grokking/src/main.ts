// Grokking (Power, Burda, Edwards, Babuschkin & Misra, "Grokking: Generalization beyond
// overfitting on small algorithmic datasets", 2022): on modular addition a network fits its
// training pairs early, and generalises to the held-out pairs only much later, when weight decay
// has had time to act.
//
//   npx tsx examples/grokking/src/main.ts            # full: p = 37, 30% of pairs, until test >= 99%, + a no-weight-decay control and 2 more seeds
//   npx tsx examples/grokking/src/main.ts --quick    # CI: the same run cut at 1000 steps; asserts that test accuracy lags, then rises
//   options: --p 37 --fraction 0.3 --hidden 128 --lr 1e-2 --wd 1 --steps 6000 --seed 0 --seeds 3 --no-control --backend wasm|cpu --out DIR
//
// The model is the two-layer MLP of Gromov ("Grokking modular arithmetic", 2023), not the
// paper's transformer: logits = W2 (W1 [onehot(a); onehot(b)])^2 with a quadratic activation and
// no biases, trained full-batch with Basin's adamw (beta2 = 0.98 as in the paper). The inputs are
// one-hot vectors times a weight matrix instead of an embedding lookup (tf.gather), whose
// gradient needs UnsortedSegmentSum, which the WASM backend lacks. Full mode writes
// results.svg and results.json next to this folder; quick mode writes them to a temporary folder.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendRequest } from '@basin/backends';
import { adamw, mulberry32, Trainer, treeDispose, type Tree } from '@basin/core';
import { commandLine, progressBar } from '@basin/example-data';
import { lineChart, panels } from '@basin/plot';

const cli = commandLine(process.argv.slice(2));
const QUICK = cli.flag('quick');

const P = cli.number('p', 37);
const FRACTION = cli.number('fraction', 0.3);
const HIDDEN = cli.number('hidden', 128);
const LR = cli.number('lr', 1e-2);
const WD = cli.number('wd', 1);
const MAX_STEPS = cli.number('steps', QUICK ? 1000 : 6000);
const SEED = cli.number('seed', 0);
/** Full mode repeats the weight-decay run on other seeds (other data splits and initial weights). */
const SEEDS = cli.number('seeds', QUICK ? 1 : 3);
const CONTROL = !QUICK && !cli.flag('no-control');

type Data = { x: tf.Tensor2D; y: tf.Tensor2D };
type Params = { w1: tf.Tensor2D; w2: tf.Tensor2D };

interface Curve {
  steps: number[];
  train: number[];
  test: number[];
  loss: number[];
  norm: number[];
  trainAt?: number;
  testAt?: number;
  seconds: number;
}

/** All p^2 pairs (a, b) with label (a + b) mod p, shuffled; the first `fraction` are for training. */
function makeData(p: number, fraction: number, seed: number): { train: Data; test: Data; nTrain: number } {
  const rand = mulberry32(seed);
  const pairs: [number, number][] = [];
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) pairs.push([a, b]);
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
  }
  const encode = (rows: [number, number][]): Data => {
    const x = new Float32Array(rows.length * 2 * p);
    const y = new Float32Array(rows.length * p);
    rows.forEach(([a, b], r) => {
      x[r * 2 * p + a] = 1;
      x[r * 2 * p + p + b] = 1;
      y[r * p + ((a + b) % p)] = 1;
    });
    return { x: tf.tensor2d(x, [rows.length, 2 * p]), y: tf.tensor2d(y, [rows.length, p]) };
  };
  const nTrain = Math.round(fraction * pairs.length);
  return { train: encode(pairs.slice(0, nTrain)), test: encode(pairs.slice(nTrain)), nTrain };
}

function initParams(seed: number): Params {
  const rand = mulberry32(seed);
  const normal = (rows: number, cols: number, std: number) =>
    tf.tensor2d(
      Float32Array.from({ length: rows * cols }, () => std * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand())),
      [rows, cols],
    );
  return { w1: normal(2 * P, HIDDEN, Math.sqrt(2 / (2 * P))), w2: normal(HIDDEN, P, 1 / Math.sqrt(HIDDEN)) };
}

const logits = (params: Params, x: tf.Tensor2D): tf.Tensor2D => tf.matMul(tf.square(tf.matMul(x, params.w1)), params.w2);
const loss = (params: Tree, batch: Data): tf.Scalar => tf.tidy(() => tf.losses.softmaxCrossEntropy(batch.y, logits(params as Params, batch.x)) as tf.Scalar);
/** Correct predictions counted on the backend and divided here (a float mean of all ones need not be exactly 1). */
const accuracy = (params: Params, d: Data): number =>
  Math.round(tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits(params, d.x), -1), tf.argMax(d.y, -1)), 'float32')).dataSync()[0])) / d.x.shape[0];
const norm = (params: Params): number => tf.tidy(() => tf.sqrt(tf.add(tf.sum(tf.square(params.w1)), tf.sum(tf.square(params.w2)))).dataSync()[0]);

/** Steps at which to evaluate: every step up to 10, then about 40 per decade, and every 100. */
function evalSteps(max: number): Set<number> {
  const s = new Set<number>();
  for (let k = 0; ; k++) {
    const t = Math.round(10 ** (k / 40));
    if (t > max) break;
    s.add(t);
  }
  for (let t = 100; t <= max; t += 100) s.add(t);
  return s;
}

function run(name: string, data: { train: Data; test: Data }, weightDecay: number, maxSteps: number, stopWhenGrokked: boolean, seed = SEED): Curve {
  const init = initParams(seed + 1);
  const trainer = new Trainer<Data>({ transform: adamw({ learningRate: LR, weightDecay, b1: 0.9, b2: 0.98 }), loss, params: init, checkFinite: false });
  treeDispose(init);
  const when = evalSteps(maxSteps);
  const curve: Curve = { steps: [], train: [], test: [], loss: [], norm: [], seconds: 0 };
  const start = Date.now();
  let stopAt = maxSteps;
  // Runs that grok stop early: the bar then ends short of maxSteps.
  const bar = progressBar(name, maxSteps);
  let status = '';
  for (let step = 1; step <= stopAt; step++) {
    const l = trainer.step(data.train);
    bar.update(step);
    if (!when.has(step) && step !== stopAt) continue;
    const params = trainer.params as Params;
    const [train, test] = [accuracy(params, data.train), accuracy(params, data.test)];
    curve.steps.push(step);
    curve.train.push(train);
    curve.test.push(test);
    curve.loss.push(l);
    curve.norm.push(norm(params));
    if (train === 1 && curve.trainAt === undefined) curve.trainAt = step;
    if (test >= 0.95 && curve.testAt === undefined) curve.testAt = step;
    // Once test accuracy reaches 99%, run on by a quarter of the steps so far (to show the plateau).
    if (stopWhenGrokked && test >= 0.99 && stopAt === maxSteps) stopAt = Math.min(maxSteps, Math.ceil(step * 1.25));
    status = `${name}: step ${step} loss ${l.toExponential(2)} train ${train.toFixed(3)} test ${test.toFixed(3)} |w| ${curve.norm[curve.norm.length - 1].toFixed(1)}`;
    bar.update(step, { loss: l.toExponential(2), train: train.toFixed(3), test: test.toFixed(3) });
  }
  bar.stop();
  curve.seconds = (Date.now() - start) / 1000;
  console.log(status);
  trainer.dispose();
  return curve;
}

const accAt = (c: Curve, step: number | undefined): number => (step === undefined ? NaN : c.test[c.steps.indexOf(step)]);

async function main(): Promise<void> {
  const started = Date.now();
  const backend = (await useBackend(cli.string('backend', 'wasm') as BackendRequest)).name;
  const data = makeData(P, FRACTION, SEED);
  console.log(
    `backend ${backend}; (a + b) mod ${P}: ${data.nTrain} of ${P * P} pairs for training; MLP 2p-${HIDDEN}-p, x^2 activation; adamw lr ${LR}, weight decay ${WD}, full batch, up to ${MAX_STEPS} steps`,
  );
  const grok = run(`weight decay ${WD}`, data, WD, MAX_STEPS, true);
  const control = CONTROL ? run('weight decay 0', data, 0, grok.steps[grok.steps.length - 1], false) : undefined;
  tf.dispose([data.train.x, data.train.y, data.test.x, data.test.y]);
  const others: { seed: number; trainAt: number | null; testAt: number | null; finalTest: number; steps: number; curve: { steps: number[]; test: number[] } }[] = [];
  for (let k = 1; k < SEEDS; k++) {
    const seed = SEED + k;
    const d = makeData(P, FRACTION, seed);
    const c = run(`seed ${seed}, weight decay ${WD}`, d, WD, MAX_STEPS, true, seed);
    tf.dispose([d.train.x, d.train.y, d.test.x, d.test.y]);
    others.push({ seed, trainAt: c.trainAt ?? null, testAt: c.testAt ?? null, finalTest: c.test[c.test.length - 1], steps: c.steps[c.steps.length - 1], curve: { steps: c.steps, test: c.test } });
  }

  const summary = {
    trainHits100At: grok.trainAt ?? null,
    testAccuracyThen: accAt(grok, grok.trainAt),
    testPasses95At: grok.testAt ?? null,
    finalTrain: grok.train[grok.train.length - 1],
    finalTest: grok.test[grok.test.length - 1],
    steps: grok.steps[grok.steps.length - 1],
    seconds: grok.seconds,
    control: control && { trainHits100At: control.trainAt ?? null, testPasses95At: control.testAt ?? null, finalTest: control.test[control.test.length - 1] },
  };
  console.log(
    `\nweight decay ${WD}: train accuracy 100% at step ${summary.trainHits100At ?? 'never'} (test accuracy then ${summary.testAccuracyThen.toFixed(3)}); ` +
      `test accuracy >= 95% at step ${summary.testPasses95At ?? `never (final ${summary.finalTest.toFixed(3)})`}; ${summary.steps} steps in ${summary.seconds.toFixed(0)} s`,
  );
  if (summary.trainHits100At && summary.testPasses95At) console.log(`delay: test passes 95% ${(summary.testPasses95At / summary.trainHits100At).toFixed(0)}x later than train reaches 100%`);
  for (const o of others) {
    console.log(`seed ${o.seed}: train 100% at step ${o.trainAt ?? 'never'}; test >= 95% at step ${o.testAt ?? `never (final ${o.finalTest.toFixed(3)} after ${o.steps} steps)`}`);
  }
  if (control) {
    console.log(`weight decay 0 (control): train 100% at step ${control.trainAt ?? 'never'}; test >= 95% at step ${control.testAt ?? 'never'}; final test accuracy ${summary.control!.finalTest.toFixed(3)}`);
  }

  const out = cli.outputFolder({ quick: QUICK, folder: path.join(__dirname, '..'), tempPrefix: 'basin-grokking-' });
  const series = [
    { x: grok.steps, y: grok.train, label: `train, wd ${WD}` },
    { x: grok.steps, y: grok.test, label: `test, wd ${WD}` },
    ...others.map((o) => ({ x: o.curve.steps, y: o.curve.test, label: `test, wd ${WD}, seed ${o.seed}`, color: '#bbbbbb' })),
    ...(control ? [
      { x: control.steps, y: control.train, label: 'train, wd 0', dashed: true },
      { x: control.steps, y: control.test, label: 'test, wd 0', dashed: true },
    ] : []),
  ];
  const acc = lineChart(series, { title: `Modular addition mod ${P}, ${Math.round(FRACTION * 100)}% of pairs for training`, xLabel: 'step', yLabel: 'accuracy', logX: true, yDomain: [0, 1] });
  const normChart = lineChart(
    [{ x: grok.steps, y: grok.norm, label: `wd ${WD}` }, ...(control ? [{ x: control.steps, y: control.norm, label: 'wd 0', dashed: true }] : [])],
    { title: 'Parameter norm', xLabel: 'step', yLabel: '||w||', logX: true },
  );
  writeFileSync(path.join(out, 'results.svg'), panels([acc, normChart], { columns: 2, caption: `seed ${SEED}${others.length ? ` (grey: test accuracy with seeds ${others.map((o) => o.seed).join(', ')})` : ''}; full-batch AdamW lr ${LR}, beta2 0.98; ${backend} backend` }));
  writeFileSync(
    path.join(out, 'results.json'),
    JSON.stringify({ backend, p: P, fraction: FRACTION, nTrain: data.nTrain, hidden: HIDDEN, lr: LR, weightDecay: WD, seed: SEED, summary, otherSeeds: others, run: grok, control }, null, 1),
  );
  console.log(`wrote ${path.join(out, 'results.svg')} and results.json (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  if (QUICK) {
    // Robust at this scale: the training pairs are fitted early, the held-out pairs lag (below
    // 50% when training accuracy first reaches 100%) and then start to climb.
    const fits = summary.trainHits100At !== null;
    const lags = fits && summary.testAccuracyThen < 0.5;
    const rises = fits && summary.finalTest > summary.testAccuracyThen + 0.1;
    console.log(
      `check: train accuracy reaches 100%: ${fits ? 'yes' : 'NO'}; test accuracy below 50% at that step: ${lags ? 'yes' : 'NO'}; ` +
        `test accuracy up by more than 0.1 after it: ${rises ? 'yes' : 'NO'}`,
    );
    if (!fits || !lags || !rises) process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
