// SA-SAM's claim (Naganuma, Kim, Kyrillidis & Mitliagkas, "Smoothness-Adaptive Sharpness-Aware
// Minimization for Finding Flatter Minima", ICLR 2024 tiny paper): its step size adapts to the
// local smoothness (Malitsky & Mishchenko, ICML 2020) and its SAM radius follows it
// (rho_t = sqrt(eta_t)), so it is less sensitive to the choice of the learning rate than SAM and SGD.
//
// A learning-rate sweep on MNIST (a ReLU MLP, WASM backend), one initialisation and one data order
// for every run: SGD (learning rate lr), SAM around SGD (lr, rho 0.05) and SA-SAM (eta_0 = lr, the
// paper's defaults) and SA-SAM with rhoScale 0.1 (the radius @basin/sa-sam's README found to work
// on MNIST). For each optimizer and lr: final test accuracy, training loss, and the curvature of
// the final point from @basin/hessian (lambda_max by Lanczos, trace by Hutch++) on the first
// training digits (256 by default). Sensitivity: the spread of test accuracy over the sweep and the decades of lr within
// 1 point of the optimizer's best.
//
//   npx tsx examples/sa-sam-lr-sweep/src/main.ts           # full: 7 lrs, 3e-3..3; writes results.svg/json here
//   npx tsx examples/sa-sam-lr-sweep/src/main.ts --quick   # CI: 3 lrs (0.01, 0.1, 1), 2 epochs on 2,000 digits; asserts the robust claims
//   options: --lrs 0.003,0.01,... --epochs 6 --train 4000 --test 2000 --hidden 128 --batch 64 --rho 0.05
//            --optimizers sgd,sam,sa-sam,sa-sam-0.1 --hvps 20 --hessian-rows 256 --seed 0 --backend wasm|cpu --out DIR
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendRequest } from '@basin/backends';
import { sgd, Trainer, treeClone, treeDispose, type Transform, type Tree } from '@basin/core';
import { assertChecks, commandLine, epochOrder, initMlp, loadMnist, mlpAccuracy, mlpLoss, progressBar, type MlpBatch, type MlpParams } from '@basin/example-data';
import { functionObjective, hessian, hutchPlusPlusTrace, topEigenvalues } from '@basin/hessian';
import { lineChart, panels } from '@basin/plot';
import { saSam, type SaSamState } from '@basin/sa-sam';
import { sam } from '@basin/sam';
import { sensitivity } from './sensitivity';

const cli = commandLine(process.argv.slice(2));
const QUICK = cli.flag('quick');
const LRS = cli.numberList('lrs', QUICK ? [0.01, 0.1, 1] : [0.003, 0.01, 0.03, 0.1, 0.3, 1, 3]);
const EPOCHS = cli.number('epochs', QUICK ? 2 : 6);
const TRAIN = cli.number('train', QUICK ? 2000 : 4000);
const TEST = cli.number('test', QUICK ? 1000 : 2000);
const HIDDEN = cli.number('hidden', 128);
const BATCH = cli.number('batch', 64);
const RHO = cli.number('rho', 0.05);
const HVPS = cli.number('hvps', QUICK ? 8 : 20);
const HESSIAN_ROWS = cli.number('hessian-rows', 256);
const SEED = cli.number('seed', 0);

/** The optimizers of the sweep, each built from the swept learning rate. */
const OPTIMIZERS: Record<string, (lr: number) => Transform<unknown>> = {
  SGD: (lr) => sgd({ learningRate: lr }) as Transform<unknown>,
  SAM: (lr) => sam(sgd({ learningRate: lr }), { rho: RHO }) as Transform<unknown>,
  'SA-SAM': (lr) => saSam({ initialLearningRate: lr }) as Transform<unknown>,
  'SA-SAM rhoScale 0.1': (lr) => saSam({ initialLearningRate: lr, rhoScale: 0.1 }) as Transform<unknown>,
};
/** --optimizers' names for the optimizers of the sweep. */
const KEYS = { sgd: 'SGD', sam: 'SAM', 'sa-sam': 'SA-SAM', 'sa-sam-0.1': 'SA-SAM rhoScale 0.1' } as const;
const KEY_NAMES = Object.keys(KEYS) as (keyof typeof KEYS)[];
const NAMES: string[] = cli.choiceList('optimizers', KEY_NAMES, KEY_NAMES).map((k) => KEYS[k]);

interface Result {
  optimizer: string;
  lr: number;
  testAccuracy: number;
  trainLoss: number;
  /** A step's loss or the final params were not finite (or SA-SAM refused a non-finite step). */
  diverged: boolean;
  lambdaMax: number;
  trace: number;
  /** SA-SAM: the step size of the last step and the mean over the run. */
  finalEta?: number;
  meanEta?: number;
  seconds: number;
}

const finiteTree = (t: Tree): boolean => tf.tidy(() => tf.all(tf.stack((Object.values(t as MlpParams) as tf.Tensor[]).map((v) => tf.all(tf.isFinite(v))))).dataSync()[0] === 1);

function run(name: string, lr: number, init: MlpParams, data: MlpBatch, test: MlpBatch, curvature: MlpBatch): Result {
  const trainer = new Trainer<MlpBatch>({ transform: OPTIMIZERS[name](lr), loss: mlpLoss, params: init, checkFinite: false });
  const started = Date.now();
  const stepsPerEpoch = Math.floor(data.x.shape[0] / BATCH);
  const bar = progressBar(`${name}, lr ${lr}`, EPOCHS * stepsPerEpoch);
  let diverged = false;
  let etaSum = 0;
  let steps = 0;
  try {
    for (let e = 0; e < EPOCHS && !diverged; e++) {
      const idx = epochOrder(data.x.shape[0], SEED, e);
      for (let s = 0; s < stepsPerEpoch; s++) {
        const rows = tf.tensor1d(idx.subarray(s * BATCH, (s + 1) * BATCH), 'int32');
        const batch = { x: tf.gather(data.x, rows), y: tf.gather(data.y, rows) };
        try {
          const l = trainer.step(batch);
          if (!Number.isFinite(l)) diverged = true;
        } finally {
          tf.dispose([rows, batch.x, batch.y]);
        }
        steps++;
        if (name.startsWith('SA-SAM')) etaSum += (trainer.state as SaSamState).eta;
        if (diverged) break;
        if (steps % 20 === 0) bar.update(steps);
      }
    }
  } catch (e) {
    // SA-SAM refuses to take a step from non-finite params or gradients: that run diverged.
    if (!/must be finite/.test(String((e as Error).message))) throw e;
    diverged = true;
  }
  bar.stop();
  const params = treeClone(trainer.params) as MlpParams;
  const finalEta = name.startsWith('SA-SAM') ? (trainer.state as SaSamState).eta : undefined;
  trainer.dispose();
  diverged ||= !finiteTree(params);
  const trainLossT = mlpLoss(params, data);
  const trainLoss = trainLossT.dataSync()[0];
  trainLossT.dispose();
  const testAccuracy = mlpAccuracy(params, test.x, test.y);
  let lambdaMax = NaN;
  let trace = NaN;
  if (!diverged) {
    // The curvature of the training loss at the final point, on a fixed subset of the training digits.
    const H = hessian(functionObjective(mlpLoss, params as unknown as Tree, { batch: curvature }));
    lambdaMax = topEigenvalues(H, { k: 1, vectors: false, tol: 1e-2, maxIterations: HVPS, seed: 1 }).values[0];
    trace = hutchPlusPlusTrace(H, { matvecs: HVPS, seed: 2 }).trace;
  }
  treeDispose(params);
  const result: Result = { optimizer: name, lr, testAccuracy, trainLoss, diverged, lambdaMax, trace, seconds: (Date.now() - started) / 1000 };
  if (finalEta !== undefined) Object.assign(result, { finalEta, meanEta: etaSum / Math.max(steps, 1) });
  console.log(
    `${name.padEnd(20)} lr ${String(lr).padEnd(6)} test ${(100 * testAccuracy).toFixed(2)}%  train loss ${trainLoss.toPrecision(4)}  ` +
      `lambda_max ${lambdaMax.toPrecision(4)}  trace ${trace.toPrecision(4)}${diverged ? '  DIVERGED' : ''}` +
      (finalEta !== undefined ? `  eta: final ${finalEta.toPrecision(3)}, mean ${result.meanEta!.toPrecision(3)}` : '') +
      `  (${result.seconds.toFixed(1)} s)`,
  );
  return result;
}

async function main(): Promise<void> {
  const started = Date.now();
  const backend = (await useBackend(cli.string('backend', 'wasm') as BackendRequest)).name;
  const mnist = loadMnist({ trainCount: TRAIN, testCount: TEST, seed: SEED });
  const data: MlpBatch = { x: mnist.xTrain, y: mnist.yTrain };
  const test: MlpBatch = { x: mnist.xTest, y: mnist.yTest };
  const curvature: MlpBatch = { x: tf.slice(mnist.xTrain, 0, HESSIAN_ROWS), y: tf.slice(mnist.yTrain, 0, HESSIAN_ROWS) };
  console.log(
    `backend ${backend}; MNIST ${TRAIN} train / ${TEST} test digits; MLP 784-${HIDDEN}-10 (ReLU); batch ${BATCH}, ${EPOCHS} epochs; ` +
      `learning rates ${LRS.join(', ')}; SAM rho ${RHO}; Hessian on ${HESSIAN_ROWS} training digits, ${HVPS} HVPs for lambda_max (at most) and ${HVPS} for the trace`,
  );
  const init = initMlp(784, HIDDEN, 10, SEED + 1);
  const tensorsBefore = tf.memory().numTensors;
  const results: Result[] = [];
  for (const name of NAMES) for (const lr of LRS) results.push(run(name, lr, init, data, test, curvature));
  const leaked = tf.memory().numTensors - tensorsBefore;
  treeDispose(init);
  tf.dispose([mnist.xTrain, mnist.yTrain, mnist.xTest, mnist.yTest, curvature.x, curvature.y]);

  const byOptimizer = NAMES.map((name) => {
    const rows = results.filter((r) => r.optimizer === name);
    return { name, rows, sensitivity: sensitivity(rows.map((r) => r.lr), rows.map((r) => r.testAccuracy)) };
  });
  console.log('\nsensitivity to the learning rate (test accuracy over the sweep):');
  for (const { name, sensitivity: s } of byOptimizer) {
    console.log(
      `${name.padEnd(20)} best ${(100 * s.best).toFixed(2)}% at lr ${s.bestLr}; worst ${(100 * s.worst).toFixed(2)}%; spread ${(100 * s.spread).toFixed(2)} points; ` +
        `within 1 point of the best: lr ${s.nearBest.join(', ')} (${s.decadesNearBest.toFixed(2)} decades)`,
    );
  }
  console.log(`tensors leaked over the sweep: ${leaked}`);

  const out = cli.outputFolder({ quick: QUICK, folder: path.join(__dirname, '..'), tempPrefix: 'basin-sa-sam-lr-sweep-' });
  const series = (pick: (r: Result) => number) => byOptimizer.map(({ name, rows }) => ({ x: rows.map((r) => r.lr), y: rows.map(pick), label: name, style: 'both' as const }));
  const charts = [
    lineChart(series((r) => r.testAccuracy), { title: 'Test accuracy', xLabel: 'learning rate (eta_0 for SA-SAM)', yLabel: 'test accuracy', logX: true, yDomain: [0, 1] }),
    lineChart(series((r) => r.trainLoss), { title: 'Training loss at the end', xLabel: 'learning rate (eta_0 for SA-SAM)', yLabel: 'training loss', logX: true, logY: true }),
    lineChart(series((r) => r.lambdaMax), { title: 'lambda_max of the Hessian at the end', xLabel: 'learning rate (eta_0 for SA-SAM)', yLabel: 'lambda_max', logX: true, logY: true }),
    lineChart(series((r) => r.trace), { title: 'Hessian trace at the end (Hutch++)', xLabel: 'learning rate (eta_0 for SA-SAM)', yLabel: 'trace', logX: true, logY: true }),
  ];
  writeFileSync(
    path.join(out, 'results.svg'),
    panels(charts, { columns: 2, caption: `MNIST ${TRAIN}/${TEST}, MLP 784-${HIDDEN}-10, batch ${BATCH}, ${EPOCHS} epochs, SAM rho ${RHO}; one init and data order; missing points: diverged runs; ${backend} backend` }),
  );
  writeFileSync(
    path.join(out, 'results.json'),
    JSON.stringify({ backend, train: TRAIN, test: TEST, hidden: HIDDEN, batch: BATCH, epochs: EPOCHS, rho: RHO, hvps: HVPS, seed: SEED, lrs: LRS, results, sensitivity: Object.fromEntries(byOptimizer.map((o) => [o.name, o.sensitivity])), leaked }, null, 1),
  );
  console.log(`wrote ${path.join(out, 'results.svg')} and results.json (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  if (QUICK) {
    // Robust in the full sweep and in quick runs (see the README): every run that did not diverge
    // gives finite numbers, nothing leaks, and SA-SAM with rhoScale 0.1 (the adaptive step with a
    // workable radius) varies less in test accuracy over the learning rates than SGD does. SA-SAM
    // with the paper's radius is erratic at this scale: reported, not asserted.
    const spreadOf = (name: string) => byOptimizer.find((o) => o.name === name)?.sensitivity.spread;
    const [sgdSpread, adaptiveSpread] = [spreadOf('SGD'), spreadOf('SA-SAM rhoScale 0.1')];
    const checks: [string, boolean][] = [
      ['every run that did not diverge has a finite loss, accuracy, lambda_max and trace', results.every((r) => r.diverged || [r.trainLoss, r.testAccuracy, r.lambdaMax, r.trace].every(Number.isFinite))],
      [`no tensors leaked (${leaked})`, leaked === 0],
    ];
    if (sgdSpread !== undefined && adaptiveSpread !== undefined) {
      checks.push([`SA-SAM rhoScale 0.1's accuracy spread below SGD's (${(100 * adaptiveSpread).toFixed(2)} < ${(100 * sgdSpread).toFixed(2)} points)`, adaptiveSpread < sgdSpread]);
    }
    assertChecks(checks);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
