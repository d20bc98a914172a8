// Andriushchenko & Flammarion, "Towards understanding sharpness-aware minimization" (ICML 2022):
// (a) switching from ERM (plain SGD) to SAM late in training recovers much of SAM's test-accuracy
// gain, and the switched minimum is linearly connected to the ERM minimum it started from;
// (b) SAM helps most with label noise: with 60% of the training labels wrong it fits the noisy
// labels later than ERM, and its test accuracy is higher at the same epoch.
//
// On MNIST (a ReLU MLP, WASM backend), with one initialisation and one data order for every run:
//   (i) ERM for E epochs, (ii) SAM for E epochs, (iii) ERM for the first S epochs then SAM (the
//   ERM run's params at epoch S, same batches after); test accuracy of each every epoch, and the
//   training loss along the straight line between the ERM and ERM -> SAM endpoints (@basin/hessian
//   linearPath), also between ERM and SAM; (iv) 60% label noise: ERM against SAM, test accuracy
//   and the fraction of the wrong training labels the network predicts, every epoch.
//
//   npx tsx examples/sam-switching/src/main.ts           # full: a few minutes; writes results.svg/json here
//   npx tsx examples/sam-switching/src/main.ts --quick   # CI: short runs; asserts the robust claims
//   options: --train 4000 --test 2000 --hidden 128 --epochs 40 --switch 0.75 --lr 0.1 --rho 0.05 --batch 64
//            --noise 0.6 --noise-epochs 60 --noise-rho 0.1 --seed 0 --backend wasm|cpu --out DIR
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendRequest } from '@basin/backends';
import { sgd, Trainer, treeClone, treeDispose, type Transform, type Tree } from '@basin/core';
import { assertChecks, commandLine, epochOrder, initMlp, loadMnist, mlpAccuracy, mlpHits, mlpLoss, progressBar, type MlpBatch, type MlpParams } from '@basin/example-data';
import { functionObjective, linearPath } from '@basin/hessian';
import { lineChart, panels } from '@basin/plot';
import { sam } from '@basin/sam';
import { withLabelNoise } from './label-noise';

const cli = commandLine(process.argv.slice(2));
const QUICK = cli.flag('quick');
const TRAIN = cli.number('train', QUICK ? 2000 : 4000);
const TEST = cli.number('test', QUICK ? 1000 : 2000);
const HIDDEN = cli.number('hidden', 128);
const EPOCHS = cli.number('epochs', QUICK ? 8 : 40);
const SWITCH = Math.round(cli.number('switch', 0.75) * EPOCHS);
const LR = cli.number('lr', 0.1);
const RHO = cli.number('rho', 0.05);
const BATCH = cli.number('batch', 64);
const NOISE = cli.number('noise', 0.6);
const NOISE_EPOCHS = cli.number('noise-epochs', QUICK ? 16 : 60);
const NOISE_RHO = cli.number('noise-rho', 0.1);
const SEED = cli.number('seed', 0);

interface Curve {
  epochs: number[];
  test: number[];
  loss: number[];
  /** Label-noise runs: fraction of the changed training labels that the network predicts. */
  noisyFit?: number[];
  /** Label-noise runs: training accuracy on the rows whose label is right. */
  cleanFit?: number[];
}

/** One epoch of minibatches; returns the mean training loss of its steps (before each step). */
function epoch(trainer: Trainer<MlpBatch>, data: MlpBatch, e: number): number {
  const idx = epochOrder(data.x.shape[0], SEED, e);
  let sum = 0;
  let steps = 0;
  for (let start = 0; start + BATCH <= idx.length; start += BATCH) {
    const rows = tf.tensor1d(idx.subarray(start, start + BATCH), 'int32');
    const batch = { x: tf.gather(data.x, rows), y: tf.gather(data.y, rows) };
    sum += trainer.step(batch);
    steps++;
    tf.dispose([rows, batch.x, batch.y]);
  }
  return sum / steps;
}

interface RunSpec {
  name: string;
  transform: Transform<unknown>;
  from: MlpParams;
  epochs: [number, number];
  data: MlpBatch;
  test: MlpBatch;
  /** Rows whose label was changed (label-noise runs). */
  noisy?: Uint8Array;
  /** Called after epoch e (1-based count) with the trainer's params, e.g. to keep a snapshot. */
  after?: (e: number, params: MlpParams) => void;
}

function train(spec: RunSpec): { curve: Curve; params: MlpParams; seconds: number } {
  const trainer = new Trainer<MlpBatch>({ transform: spec.transform, loss: mlpLoss, params: spec.from, checkFinite: false });
  const curve: Curve = { epochs: [], test: [], loss: [], ...(spec.noisy ? { noisyFit: [], cleanFit: [] } : {}) };
  const bar = progressBar(spec.name, spec.epochs[1] - spec.epochs[0]);
  const started = Date.now();
  for (let e = spec.epochs[0]; e < spec.epochs[1]; e++) {
    const l = epoch(trainer, spec.data, e);
    const params = trainer.params as MlpParams;
    curve.epochs.push(e + 1);
    curve.loss.push(l);
    curve.test.push(mlpAccuracy(params, spec.test.x, spec.test.y));
    if (spec.noisy) {
      const h = mlpHits(params, spec.data.x, spec.data.y);
      let [noisyHits, noisyRows, cleanHits] = [0, 0, 0];
      h.forEach((v, i) => {
        if (spec.noisy![i]) {
          noisyHits += v;
          noisyRows++;
        } else cleanHits += v;
      });
      curve.noisyFit!.push(noisyHits / noisyRows);
      curve.cleanFit!.push(cleanHits / (h.length - noisyRows));
    }
    spec.after?.(e + 1, params);
    bar.update(e + 1 - spec.epochs[0], { info: `test ${curve.test[curve.test.length - 1].toFixed(4)}` });
  }
  bar.stop();
  const seconds = (Date.now() - started) / 1000;
  const params = treeClone(trainer.params) as MlpParams;
  trainer.dispose();
  const last = curve.test.length - 1;
  console.log(
    `${spec.name}: epochs ${spec.epochs[0] + 1}-${spec.epochs[1]}, test accuracy ${curve.test[last].toFixed(4)}, training loss ${curve.loss[last].toFixed(4)}` +
      (curve.noisyFit ? `, wrong labels fitted ${curve.noisyFit[last].toFixed(3)}, right labels fitted ${curve.cleanFit![last].toFixed(3)}` : '') +
      ` (${seconds.toFixed(1)} s)`,
  );
  return { curve, params, seconds };
}

/** max over the line of L(alpha) - ((1 - alpha) L(0) + alpha L(1)) (Frankle et al. 2020's barrier). */
const barrier = (p: { alphas: number[]; losses: number[] }): number => {
  const [l0, l1] = [p.losses[0], p.losses[p.losses.length - 1]];
  return Math.max(...p.alphas.map((a, i) => p.losses[i] - ((1 - a) * l0 + a * l1)));
};

async function main(): Promise<void> {
  const started = Date.now();
  const backend = (await useBackend(cli.string('backend', 'wasm') as BackendRequest)).name;
  const mnist = loadMnist({ trainCount: TRAIN, testCount: TEST, seed: SEED });
  const clean: MlpBatch = { x: mnist.xTrain, y: mnist.yTrain };
  const test: MlpBatch = { x: mnist.xTest, y: mnist.yTest };
  console.log(
    `backend ${backend}; MNIST ${TRAIN} train / ${TEST} test digits; MLP 784-${HIDDEN}-10 (ReLU); SGD lr ${LR}, batch ${BATCH}; ` +
      `SAM rho ${RHO}; ${EPOCHS} epochs, switch to SAM after epoch ${SWITCH}; label noise ${NOISE * 100}% for ${NOISE_EPOCHS} epochs, SAM rho ${NOISE_RHO}`,
  );
  const init = initMlp(784, HIDDEN, 10, SEED + 1);
  const erm = () => sgd({ learningRate: LR }) as Transform<unknown>;
  const samOf = (rho: number) => sam(sgd({ learningRate: LR }), { rho }) as Transform<unknown>;

  // (i) ERM, keeping its params at the switch epoch; (ii) SAM; (iii) from ERM's switch point, SAM.
  let atSwitch: MlpParams | undefined;
  const ermRun = train({ name: 'ERM', transform: erm(), from: init, epochs: [0, EPOCHS], data: clean, test, after: (e, p) => { if (e === SWITCH) atSwitch = treeClone(p) as MlpParams; } });
  const samRun = train({ name: 'SAM', transform: samOf(RHO), from: init, epochs: [0, EPOCHS], data: clean, test });
  const switched = train({ name: 'ERM -> SAM', transform: samOf(RHO), from: atSwitch!, epochs: [SWITCH, EPOCHS], data: clean, test });
  treeDispose(atSwitch);
  const switchedCurve: Curve = {
    epochs: [...ermRun.curve.epochs.slice(0, SWITCH), ...switched.curve.epochs],
    test: [...ermRun.curve.test.slice(0, SWITCH), ...switched.curve.test],
    loss: [...ermRun.curve.loss.slice(0, SWITCH), ...switched.curve.loss],
  };

  // The straight line between minima, training loss on the (clean) training digits.
  const objective = functionObjective(mlpLoss, ermRun.params as unknown as Tree, { batch: clean });
  const points = QUICK ? 11 : 21;
  const lineSwitched = linearPath(objective, ermRun.params as unknown as Tree, switched.params as unknown as Tree, { points });
  const lineSam = linearPath(objective, ermRun.params as unknown as Tree, samRun.params as unknown as Tree, { points });
  const barrierSwitched = barrier(lineSwitched);
  const barrierSam = barrier(lineSam);
  treeDispose([ermRun.params, samRun.params, switched.params]);

  // (iv) Label noise: the same init, the same data order, 60% of the training labels wrong; and
  // the same switch from ERM to SAM at the same fraction of the epochs.
  const noisy = withLabelNoise(mnist.yTrain, NOISE, SEED + 2);
  const noisyData: MlpBatch = { x: mnist.xTrain, y: noisy.y };
  const noisySwitch = Math.round((SWITCH / EPOCHS) * NOISE_EPOCHS);
  let noisyAtSwitch: MlpParams | undefined;
  const ermNoisy = train({
    name: `ERM, ${NOISE * 100}% noise`, transform: erm(), from: init, epochs: [0, NOISE_EPOCHS], data: noisyData, test, noisy: noisy.noisy,
    after: (e, p) => { if (e === noisySwitch) noisyAtSwitch = treeClone(p) as MlpParams; },
  });
  const samNoisy = train({ name: `SAM, ${NOISE * 100}% noise`, transform: samOf(NOISE_RHO), from: init, epochs: [0, NOISE_EPOCHS], data: noisyData, test, noisy: noisy.noisy });
  const switchedNoisy = train({ name: `ERM -> SAM, ${NOISE * 100}% noise`, transform: samOf(NOISE_RHO), from: noisyAtSwitch!, epochs: [noisySwitch, NOISE_EPOCHS], data: noisyData, test, noisy: noisy.noisy });
  const switchedNoisyCurve: Curve = {
    epochs: [...ermNoisy.curve.epochs.slice(0, noisySwitch), ...switchedNoisy.curve.epochs],
    test: [...ermNoisy.curve.test.slice(0, noisySwitch), ...switchedNoisy.curve.test],
    loss: [...ermNoisy.curve.loss.slice(0, noisySwitch), ...switchedNoisy.curve.loss],
    noisyFit: [...ermNoisy.curve.noisyFit!.slice(0, noisySwitch), ...switchedNoisy.curve.noisyFit!],
    cleanFit: [...ermNoisy.curve.cleanFit!.slice(0, noisySwitch), ...switchedNoisy.curve.cleanFit!],
  };
  // The line between the noisy ERM and ERM -> SAM endpoints, training loss on the noisy labels they were trained on.
  const noisyObjective = functionObjective(mlpLoss, ermNoisy.params as unknown as Tree, { batch: noisyData });
  const lineNoisy = linearPath(noisyObjective, ermNoisy.params as unknown as Tree, switchedNoisy.params as unknown as Tree, { points });
  const barrierNoisy = barrier(lineNoisy);
  treeDispose([noisyAtSwitch, ermNoisy.params, samNoisy.params, switchedNoisy.params, init]);
  tf.dispose([noisy.y, mnist.xTrain, mnist.yTrain, mnist.xTest, mnist.yTest]);

  const final = (c: Curve) => c.test[c.test.length - 1];
  const best = (c: Curve) => Math.max(...c.test);
  const lastFit = (c: Curve) => c.noisyFit![c.noisyFit!.length - 1];
  const gainSam = final(samRun.curve) - final(ermRun.curve);
  const gainSwitched = final(switchedCurve) - final(ermRun.curve);
  const summary = {
    clean: {
      erm: { finalTest: final(ermRun.curve), bestTest: best(ermRun.curve), finalLoss: ermRun.curve.loss[EPOCHS - 1], seconds: ermRun.seconds },
      sam: { finalTest: final(samRun.curve), bestTest: best(samRun.curve), finalLoss: samRun.curve.loss[EPOCHS - 1], seconds: samRun.seconds },
      ermThenSam: { finalTest: final(switchedCurve), switchAfterEpoch: SWITCH, testAtSwitch: ermRun.curve.test[SWITCH - 1], finalLoss: switchedCurve.loss[EPOCHS - 1], seconds: switched.seconds },
      samGain: gainSam,
      switchedGain: gainSwitched,
      /** Fraction of SAM's gain over ERM that the late switch recovers (meaningful only if SAM gains). */
      recovered: gainSam > 0 ? gainSwitched / gainSam : null,
      barrierErmToSwitched: barrierSwitched,
      barrierErmToSam: barrierSam,
    },
    labelNoise: {
      erm: { finalTest: final(ermNoisy.curve), bestTest: best(ermNoisy.curve), wrongLabelsFitted: lastFit(ermNoisy.curve), seconds: ermNoisy.seconds },
      sam: { finalTest: final(samNoisy.curve), bestTest: best(samNoisy.curve), wrongLabelsFitted: lastFit(samNoisy.curve), seconds: samNoisy.seconds },
      ermThenSam: {
        finalTest: final(switchedNoisyCurve), switchAfterEpoch: noisySwitch, testAtSwitch: ermNoisy.curve.test[noisySwitch - 1],
        wrongLabelsFittedAtSwitch: ermNoisy.curve.noisyFit![noisySwitch - 1], wrongLabelsFitted: lastFit(switchedNoisyCurve), seconds: switchedNoisy.seconds,
      },
      samGain: final(samNoisy.curve) - final(ermNoisy.curve),
      switchedGain: final(switchedNoisyCurve) - final(ermNoisy.curve),
      barrierErmToSwitched: barrierNoisy,
    },
  };
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  console.log(`\nclean labels, test accuracy after ${EPOCHS} epochs: ERM ${pct(summary.clean.erm.finalTest)}, SAM ${pct(summary.clean.sam.finalTest)}, ERM -> SAM (switch after epoch ${SWITCH}) ${pct(summary.clean.ermThenSam.finalTest)}`);
  console.log(`SAM's gain over ERM ${(100 * gainSam).toFixed(2)} points; the switch recovers ${(100 * gainSwitched).toFixed(2)} points${summary.clean.recovered !== null ? ` (${(100 * summary.clean.recovered).toFixed(0)}% of it)` : ''}`);
  console.log(`loss barrier on the line ERM -> (ERM -> SAM): ${barrierSwitched.toExponential(2)} (losses at the ends ${lineSwitched.losses[0].toFixed(4)}, ${lineSwitched.losses[points - 1].toFixed(4)}, max on the line ${Math.max(...lineSwitched.losses).toFixed(4)})`);
  console.log(`loss barrier on the line ERM -> SAM: ${barrierSam.toExponential(2)} (ends ${lineSam.losses[0].toFixed(4)}, ${lineSam.losses[points - 1].toFixed(4)})`);
  const ln = summary.labelNoise;
  console.log(
    `${NOISE * 100}% label noise after ${NOISE_EPOCHS} epochs: test accuracy ERM ${pct(ln.erm.finalTest)} (best ${pct(ln.erm.bestTest)}), SAM ${pct(ln.sam.finalTest)} (best ${pct(ln.sam.bestTest)}); ` +
      `wrong labels fitted ERM ${pct(ln.erm.wrongLabelsFitted)}, SAM ${pct(ln.sam.wrongLabelsFitted)}`,
  );
  console.log(
    `${NOISE * 100}% label noise, ERM -> SAM after epoch ${noisySwitch}: test accuracy ${pct(ln.ermThenSam.testAtSwitch)} at the switch, ${pct(ln.ermThenSam.finalTest)} at the end ` +
      `(recovers ${(100 * ln.switchedGain).toFixed(2)} of SAM's ${(100 * ln.samGain).toFixed(2)} points); wrong labels fitted ${pct(ln.ermThenSam.wrongLabelsFittedAtSwitch)} -> ${pct(ln.ermThenSam.wrongLabelsFitted)}; ` +
      `loss barrier on the line to the ERM endpoint ${barrierNoisy.toExponential(2)}`,
  );

  const out = cli.outputFolder({ quick: QUICK, folder: path.join(__dirname, '..'), tempPrefix: 'basin-sam-switching-' });
  const accLo = Math.floor(20 * Math.min(...ermRun.curve.test, ...samRun.curve.test)) / 20;
  const accuracyChart = lineChart(
    [
      { x: ermRun.curve.epochs, y: ermRun.curve.test, label: 'ERM' },
      { x: samRun.curve.epochs, y: samRun.curve.test, label: 'SAM' },
      { x: switchedCurve.epochs.slice(SWITCH - 1), y: switchedCurve.test.slice(SWITCH - 1), label: 'ERM -> SAM' },
      { x: [SWITCH, SWITCH], y: [accLo, 1], label: `switch (epoch ${SWITCH})`, color: '#999999', dashed: true },
    ],
    { title: `Clean MNIST: test accuracy`, xLabel: 'epoch', yLabel: 'test accuracy', yDomain: [accLo, 1] },
  );
  const lineChartOfPaths = lineChart(
    [
      { x: lineSwitched.alphas, y: lineSwitched.losses, label: 'ERM (0) to ERM -> SAM (1)' },
      { x: lineSam.alphas, y: lineSam.losses, label: 'ERM (0) to SAM (1)', dashed: true },
    ],
    { title: 'Clean labels: training loss on the straight line', xLabel: 'alpha', yLabel: 'training loss' },
  );
  const noiseChart = lineChart(
    [
      { x: ermNoisy.curve.epochs, y: ermNoisy.curve.test, label: 'ERM: test accuracy' },
      { x: samNoisy.curve.epochs, y: samNoisy.curve.test, label: 'SAM: test accuracy' },
      { x: ermNoisy.curve.epochs, y: ermNoisy.curve.noisyFit!, label: 'ERM: wrong labels fitted', dashed: true, color: '#1f77b4' },
      { x: samNoisy.curve.epochs, y: samNoisy.curve.noisyFit!, label: 'SAM: wrong labels fitted', dashed: true, color: '#ff7f0e' },
      { x: switchedNoisyCurve.epochs.slice(noisySwitch - 1), y: switchedNoisyCurve.test.slice(noisySwitch - 1), label: 'ERM -> SAM: test accuracy', color: '#2ca02c' },
      { x: switchedNoisyCurve.epochs.slice(noisySwitch - 1), y: switchedNoisyCurve.noisyFit!.slice(noisySwitch - 1), label: 'ERM -> SAM: wrong labels fitted', dashed: true, color: '#2ca02c' },
      { x: [noisySwitch, noisySwitch], y: [0, 1], label: `switch (epoch ${noisySwitch})`, color: '#999999', dashed: true },
    ],
    { title: `${NOISE * 100}% of training labels wrong`, xLabel: 'epoch', yLabel: 'fraction', yDomain: [0, 1] },
  );
  const noisyLineChart = lineChart(
    { x: lineNoisy.alphas, y: lineNoisy.losses, label: 'ERM (0) to ERM -> SAM (1)', color: '#2ca02c' },
    { title: `${NOISE * 100}% noise: training loss on the straight line`, xLabel: 'alpha', yLabel: 'training loss (noisy labels)' },
  );
  writeFileSync(
    path.join(out, 'results.svg'),
    panels([accuracyChart, lineChartOfPaths, noiseChart, noisyLineChart], {
      columns: 2,
      caption: `MNIST ${TRAIN}/${TEST}, MLP 784-${HIDDEN}-10, SGD lr ${LR}, batch ${BATCH}, SAM rho ${RHO} (${NOISE_RHO} with label noise); one init and data order; ${backend} backend`,
    }),
  );
  writeFileSync(
    path.join(out, 'results.json'),
    JSON.stringify(
      {
        backend, train: TRAIN, test: TEST, hidden: HIDDEN, epochs: EPOCHS, switchAfter: SWITCH, lr: LR, rho: RHO, batch: BATCH, noise: NOISE, noiseEpochs: NOISE_EPOCHS, noiseRho: NOISE_RHO, seed: SEED,
        summary,
        curves: { erm: ermRun.curve, sam: samRun.curve, ermThenSam: switchedCurve, ermNoisy: ermNoisy.curve, samNoisy: samNoisy.curve, ermThenSamNoisy: switchedNoisyCurve },
        lines: { ermToSwitched: lineSwitched, ermToSam: lineSam, noisyErmToSwitched: lineNoisy },
      },
      null,
      1,
    ),
  );
  console.log(`wrote ${path.join(out, 'results.svg')} and results.json (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  if (QUICK) {
    // Robust in every run we made (see the README): with 60% wrong labels SAM fits fewer of them
    // than ERM and has the higher test accuracy at the end of the same epochs; the line from the
    // ERM endpoint to the ERM -> SAM endpoint has no loss barrier above BARRIER_TOLERANCE (clean
    // and noisy). The clean-label gains are a few tenths of a point: not asserted.
    const BARRIER_TOLERANCE = 0.01;
    const checks: [string, boolean][] = [
      [`60% noise: SAM fits fewer wrong labels than ERM (${pct(ln.sam.wrongLabelsFitted)} < ${pct(ln.erm.wrongLabelsFitted)})`, ln.sam.wrongLabelsFitted < ln.erm.wrongLabelsFitted],
      [`60% noise: SAM's test accuracy above ERM's (${pct(ln.sam.finalTest)} > ${pct(ln.erm.finalTest)})`, ln.sam.finalTest > ln.erm.finalTest],
      [`clean: no barrier on the line ERM -> (ERM -> SAM) (${barrierSwitched.toExponential(2)} < ${BARRIER_TOLERANCE})`, barrierSwitched < BARRIER_TOLERANCE],
      [`60% noise: no barrier on the line ERM -> (ERM -> SAM) (${barrierNoisy.toExponential(2)} < ${BARRIER_TOLERANCE})`, barrierNoisy < BARRIER_TOLERANCE],
      ['all numbers finite', [summary.clean.erm.finalLoss, summary.clean.sam.finalLoss, summary.clean.ermThenSam.finalLoss, barrierSam].every(Number.isFinite)],
    ];
    assertChecks(checks);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
