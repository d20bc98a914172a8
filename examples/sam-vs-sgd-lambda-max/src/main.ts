// SAM against SGD on the sharpness of the minimum they reach (Foret, Kleiner, Mobahi & Neyshabur,
// "Sharpness-aware minimization for efficiently improving generalization", ICLR 2021, Figure 3:
// at the end of training a WideResNet on CIFAR-10, the Hessian's largest eigenvalue was 24.2
// with SGD and 1.0 with SAM). Here: the conv net of the TF.js examples' mnist-node (594,922
// weights, the largest network this 2-core machine trains in minutes on WASM), trained on MNIST
// with SGD (momentum 0.9) and with SAM around the same SGD, from the same initial weights and in
// the same data order; then, in inference mode on training digits, the top Hessian eigenvalues
// (Lanczos) and the trace (Hutch++) of both minima with @basin/hessian, test accuracy, training
// loss and the ratio lambda_max(SGD) / lambda_max(SAM).
//
//   npx tsx examples/sam-vs-sgd-lambda-max/src/main.ts            # full: the mnist-node conv net, 2,000 digits, 5 epochs (several minutes)
//   npx tsx examples/sam-vs-sgd-lambda-max/src/main.ts --quick    # CI: a small conv net, 512 digits, 3 epochs; asserts finite numbers
//   options: --net large|small --n 2000 --test 1000 --epochs 5 --batch 64 --lr 0.05 --rho 0.05 --hessian-rows 128
//            --trace-matvecs 12 (quick 10) --seed 0 --backend wasm|cpu --out DIR
//
// Full mode writes results.svg and results.json next to this folder; quick mode writes them to a
// temporary folder. examples/hessian-sharpness does the same comparison for an MLP.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendRequest } from '@basin/backends';
import { ModelTrainer, sgd, type Transform } from '@basin/core';
import { accuracy, commandLine, loadMnist, progressBar } from '@basin/example-data';
import { hessian, hutchPlusPlusTrace, modelObjective, topEigenvalues, type Progress } from '@basin/hessian';
import { lineChart, panels } from '@basin/plot';
import { sam } from '@basin/sam';
import { buildNet, type NetName } from './model';

const cli = commandLine(process.argv.slice(2));
const QUICK = cli.flag('quick');

const NET: NetName = cli.choice('net', QUICK ? 'small' : 'large', ['large', 'small']);
const N = cli.number('n', QUICK ? 512 : 2000);
const N_TEST = cli.number('test', 1000);
const EPOCHS = cli.number('epochs', QUICK ? 3 : 5);
const BATCH = cli.number('batch', QUICK ? 32 : 64);
const LR = cli.number('lr', 0.05);
const RHO = cli.number('rho', 0.05);
const HESSIAN_ROWS = cli.number('hessian-rows', 128);
const TRACE_MATVECS = cli.number('trace-matvecs', QUICK ? 10 : 12);
const TOP_K = 3;
const SEED = cli.number('seed', 0);

interface Result {
  optimizer: 'SGD' | 'SAM';
  epochLoss: number[];
  secondsPerEpoch: number;
  trainLoss: number;
  trainAccuracy: number;
  testAccuracy: number;
  topEigenvalues: number[];
  lanczosHvps: number;
  trace: number;
  traceError: number;
  hessianSeconds: number;
}

/** Mean of a per-row quantity over rows, in chunks of 500 (inference mode: no dropout). */
function evaluate(model: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor2D): { loss: number; accuracy: number } {
  const rows = x.shape[0];
  let loss = 0;
  let correct = 0;
  for (let s = 0; s < rows; s += 500) {
    const size = Math.min(500, rows - s);
    const [l, a] = tf.tidy(() => {
      const xs = tf.slice(x, s, size);
      const ys = tf.slice(y, s, size);
      const logits = model.predict(xs) as tf.Tensor2D;
      return [tf.losses.softmaxCrossEntropy(ys, logits).dataSync()[0], accuracy(logits, ys)];
    });
    loss += l * size;
    correct += a * size;
  }
  return { loss: loss / rows, accuracy: correct / rows };
}

async function trainAndMeasure(optimizer: 'SGD' | 'SAM', data: { x: tf.Tensor4D; y: tf.Tensor2D; xTest: tf.Tensor4D; yTest: tf.Tensor2D }): Promise<Result> {
  const model = buildNet(NET, SEED);
  const base = sgd({ learningRate: LR, momentum: 0.9 });
  const transform: Transform<unknown> = optimizer === 'SGD' ? base : (sam(base, { rho: RHO }) as Transform<unknown>);
  const trainer = new ModelTrainer(model, { transform, loss: 'softmaxCrossEntropy' });
  const epochLoss: number[] = [];
  let seconds = 0;
  const bar = progressBar(`${optimizer} training`, EPOCHS);
  try {
    // The same seed gives both runs the same shuffles (the data order); dropout masks differ.
    await trainer.fit(data.x, data.y, {
      epochs: EPOCHS,
      batchSize: BATCH,
      seed: SEED + 7,
      onEpochEnd: ({ epoch, loss, seconds: s }) => {
        epochLoss.push(loss);
        seconds += s;
        bar.update(epoch + 1, { loss: loss.toFixed(4) });
      },
    });
  } finally {
    bar.stop();
    trainer.dispose();
  }
  const train = evaluate(model, data.x, data.y);
  const test = evaluate(model, data.xTest, data.yTest);

  // The Hessian of the training loss on the first HESSIAN_ROWS training digits, inference mode.
  const started = Date.now();
  const xH = tf.slice(data.x, 0, HESSIAN_ROWS);
  const yH = tf.slice(data.y, 0, HESSIAN_ROWS);
  const hvpBar = progressBar(`${optimizer} Hessian`, 1);
  const onProgress = (p: Progress) => hvpBar.update(p.done / p.total, { task: p.task, estimate: p.estimate?.toPrecision(4) ?? '' });
  try {
    const objective = modelObjective(model, { x: xH, y: yH, loss: 'softmaxCrossEntropy', batchSize: 128 });
    const H = hessian(objective);
    const top = topEigenvalues(H, { k: TOP_K, tol: 1e-2, maxIterations: QUICK ? 12 : 15, seed: 1, vectors: false, onProgress });
    const lanczosHvps = H.hvpCount;
    const trace = hutchPlusPlusTrace(H, { matvecs: TRACE_MATVECS, seed: 2, onProgress });
    const hessianSeconds = (Date.now() - started) / 1000;
    return {
      optimizer,
      epochLoss,
      secondsPerEpoch: seconds / EPOCHS,
      trainLoss: train.loss,
      trainAccuracy: train.accuracy,
      testAccuracy: test.accuracy,
      topEigenvalues: top.values,
      lanczosHvps,
      trace: trace.trace,
      traceError: trace.standardError,
      hessianSeconds,
    };
  } finally {
    hvpBar.stop();
    tf.dispose([xH, yH]);
    model.dispose();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const backend = (await useBackend(cli.string('backend', 'wasm') as BackendRequest)).name;
  const mnist = loadMnist({ trainCount: N, testCount: N_TEST, seed: SEED });
  const data = {
    x: tf.reshape(mnist.xTrain, [-1, 28, 28, 1]) as tf.Tensor4D,
    y: mnist.yTrain,
    xTest: tf.reshape(mnist.xTest, [-1, 28, 28, 1]) as tf.Tensor4D,
    yTest: mnist.yTest,
  };
  tf.dispose([mnist.xTrain, mnist.xTest]);
  const probe = buildNet(NET, SEED);
  const parameters = probe.countParams();
  probe.dispose();
  console.log(
    `backend ${backend}; ${NET} conv net, ${parameters} parameters; ${N} MNIST training digits, ${N_TEST} test digits; ${EPOCHS} epochs, batch ${BATCH}; ` +
      `SGD lr ${LR} momentum 0.9; SAM rho ${RHO} around the same SGD; Hessian on ${HESSIAN_ROWS} training digits (inference mode)`,
  );
  const before = tf.memory().numTensors;
  const results: Result[] = [];
  for (const optimizer of ['SGD', 'SAM'] as const) {
    const r = await trainAndMeasure(optimizer, data);
    results.push(r);
    console.log(
      `${optimizer}: ${r.secondsPerEpoch.toFixed(1)} s per epoch; training loss ${r.trainLoss.toFixed(4)} (accuracy ${r.trainAccuracy.toFixed(3)}), test accuracy ${r.testAccuracy.toFixed(3)}; ` +
        `top eigenvalues ${r.topEigenvalues.map((v) => v.toFixed(3)).join(', ')} (${r.lanczosHvps} HVPs); trace ${r.trace.toFixed(1)} +- ${r.traceError.toFixed(1)} (${r.hessianSeconds.toFixed(0)} s of HVPs)`,
    );
  }
  const leaked = tf.memory().numTensors - before;
  tf.dispose([data.x, data.y, data.xTest, data.yTest]);
  const [sgdRun, samRun] = results;
  const ratio = sgdRun.topEigenvalues[0] / samRun.topEigenvalues[0];
  const traceRatio = sgdRun.trace / samRun.trace;
  console.log(`\nlambda_max SGD / SAM = ${sgdRun.topEigenvalues[0].toFixed(3)} / ${samRun.topEigenvalues[0].toFixed(3)} = ${ratio.toFixed(2)} (Foret et al.'s WideResNet on CIFAR-10: 24.2 / 1.0 = 24.2)`);
  console.log(`trace SGD / SAM = ${sgdRun.trace.toFixed(1)} / ${samRun.trace.toFixed(1)} = ${traceRatio.toFixed(2)}`);

  const out = cli.outputFolder({ quick: QUICK, folder: path.join(__dirname, '..'), tempPrefix: 'basin-sam-vs-sgd-' });
  const colors = { SGD: '#1f77b4', SAM: '#d62728' };
  const size = { width: 460, height: 320 };
  const eigenChart = lineChart(
    results.map((r) => ({ x: r.topEigenvalues.map((_, i) => i + 1), y: r.topEigenvalues, label: r.optimizer, color: colors[r.optimizer], style: 'both' as const })),
    { title: `Top ${TOP_K} Hessian eigenvalues at the end`, xLabel: 'rank', yLabel: 'eigenvalue', logY: true, ...size },
  );
  const lossChart = lineChart(
    results.map((r) => ({ x: r.epochLoss.map((_, i) => i + 1), y: r.epochLoss, label: r.optimizer, color: colors[r.optimizer], style: 'both' as const })),
    { title: 'Training loss (mean over each epoch)', xLabel: 'epoch', yLabel: 'cross-entropy', logY: true, ...size },
  );
  const caption =
    `${NET} conv net (${parameters} parameters), ${N} MNIST digits, ${EPOCHS} epochs of batch ${BATCH}, SGD lr ${LR} momentum 0.9, SAM rho ${RHO}; ` +
    `lambda_max SGD / SAM = ${ratio.toFixed(2)}, trace ratio ${traceRatio.toFixed(2)}; Hessian on ${HESSIAN_ROWS} training digits; ${backend} backend`;
  writeFileSync(path.join(out, 'results.svg'), panels([eigenChart, lossChart], { columns: 2, caption }));
  writeFileSync(
    path.join(out, 'results.json'),
    JSON.stringify({ backend, net: NET, parameters, n: N, test: N_TEST, epochs: EPOCHS, batch: BATCH, lr: LR, rho: RHO, hessianRows: HESSIAN_ROWS, traceMatvecs: TRACE_MATVECS, seed: SEED, ratio, traceRatio, results }, null, 1),
  );
  console.log(`wrote ${path.join(out, 'results.svg')} and results.json (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  if (leaked !== 0) {
    console.error(`check failed: ${leaked} tensors leaked`);
    process.exit(1);
  }
  if (QUICK) {
    // Asserted: every measured number is finite and lambda_max is positive for both. SAM < SGD is
    // printed, not asserted: at 3 epochs of a small net it held in our runs but is not a margin
    // we would gate CI on (see the README).
    const finite = results.every((r) => [r.trainLoss, r.testAccuracy, r.trace, ...r.topEigenvalues].every(Number.isFinite) && r.topEigenvalues[0] > 0);
    console.log(`check: finite numbers and positive lambda_max for both: ${finite ? 'yes' : 'NO'}; SAM's lambda_max below SGD's: ${ratio > 1 ? 'yes' : 'no'} (not asserted)`);
    if (!finite) process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
