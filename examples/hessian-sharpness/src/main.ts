// Trains the same MNIST MLP (same initial weights, data order and learning rate) with SGD and
// with SAM, then measures the curvature of both minima with @basin/hessian: top Hessian
// eigenvalues (Lanczos), trace (Hutch++), Keskar et al.'s epsilon-sharpness, Wen et al.'s
// directional sharpness, the spectral density (SLQ) and loss slices (1-D and 2-D). Writes SVG
// plots (drawn by @basin/plot) and a JSON of every number into ./out.
//
//   npx tsx examples/hessian-sharpness/src/main.ts [--epochs 8] [--backend wasm]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendRequest } from '@basin/backends';
import { ModelTrainer, sgd, treeDispose, type Tree } from '@basin/core';
import { accuracy, commandLine, fitWithProgressBar, loadMnist, progressBar, type ProgressBar } from '@basin/example-data';
import {
  densityPlot,
  directionalSharpness,
  epsilonSharpness,
  filterNormalizedDirection,
  heatMap,
  hessian,
  hutchPlusPlusTrace,
  linearPath,
  lineChart,
  lossSlice1D,
  lossSlice2D,
  modelObjective,
  spectralDensity,
  topEigenvalues,
  type Progress,
} from '@basin/hessian';
import { panels } from '@basin/plot';
import { sam } from '@basin/sam';

const cli = commandLine(process.argv.slice(2));
const EPOCHS = cli.number('epochs', 8);
const HIDDEN = 64;
const LR = 0.1;
const RHO = 0.05;
const OUT = join(__dirname, '..', 'out');

function buildModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [784], units: HIDDEN, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }));
  model.add(tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) }));
  return model;
}

/**
 * Runs one measurement with a terminal progress bar fed by its onProgress reports (a new bar
 * when the task changes); the bar is stopped however the measurement ends.
 */
function measured<T>(label: string, measure: (onProgress: (p: Progress) => void) => T): T {
  let bar: ProgressBar | undefined;
  let current = '';
  try {
    return measure((p) => {
      if (bar === undefined || current !== `${p.task}/${p.total}`) {
        bar?.stop();
        current = `${p.task}/${p.total}`;
        bar = progressBar(`  ${label}: ${p.task}`, p.total);
      }
      bar.update(p.done, p.estimate !== undefined ? { estimate: p.estimate.toPrecision(4) } : undefined);
    });
  } finally {
    bar?.stop();
  }
}

async function main(): Promise<void> {
  const backend = (await useBackend(cli.string('backend', 'auto') as BackendRequest)).name;
  console.log(`backend: ${backend}`);
  const data = loadMnist({ trainCount: 4000, testCount: 1000, seed: 0 });
  // The Hessian is taken of the training loss on 2,000 training digits (in batches of 500).
  const xH = tf.slice(data.xTrain, 0, 2000);
  const yH = tf.slice(data.yTrain, 0, 2000);

  const runs: { name: string; model: tf.Sequential; seconds: number; trainLoss: number }[] = [];
  for (const [name, transform] of [
    ['SGD', sgd({ learningRate: LR })],
    ['SAM', sam(sgd({ learningRate: LR }), { rho: RHO })],
  ] as const) {
    const model = buildModel();
    const trainer = new ModelTrainer(model, { transform, loss: 'softmaxCrossEntropy' });
    const start = Date.now();
    const history = await fitWithProgressBar(`${name} training`, (onBatchEnd) =>
      trainer.fit(data.xTrain, data.yTrain, { epochs: EPOCHS, batchSize: 32, seed: 7, onBatchEnd }),
    );
    trainer.dispose();
    console.log(`${name}: epoch ${EPOCHS}/${EPOCHS} loss ${history[history.length - 1].toFixed(4)}`);
    runs.push({ name, model, seconds: (Date.now() - start) / 1000, trainLoss: history[history.length - 1] });
  }

  const results: Record<string, unknown>[] = [];
  const densities = [];
  const slices = [];
  const planes: string[] = [];
  for (const run of runs) {
    const objective = modelObjective(run.model, { x: xH, y: yH, loss: 'softmaxCrossEntropy', batchSize: 500 });
    const H = hessian(objective);
    const lossT = objective.loss();
    const loss = lossT.dataSync()[0];
    lossT.dispose();
    const testAcc = tf.tidy(() => accuracy(run.model.predict(data.xTest) as tf.Tensor, data.yTest));
    const top = measured(run.name, (onProgress) => topEigenvalues(H, { k: 3, tol: 1e-3, vectors: false, onProgress }));
    const bottom = measured(run.name, (onProgress) => topEigenvalues(H, { k: 1, which: 'smallest', tol: 1e-2, maxIterations: 60, vectors: false, onProgress }));
    const trace = measured(run.name, (onProgress) => hutchPlusPlusTrace(H, { matvecs: 60, seed: 1, onProgress }));
    const eps1 = measured(run.name, (onProgress) => epsilonSharpness(objective, { epsilon: 1e-3, iterations: 10, onProgress }));
    const eps2 = measured(run.name, (onProgress) => epsilonSharpness(objective, { epsilon: 5e-4, iterations: 10, onProgress }));
    const wen = measured(run.name, (onProgress) => directionalSharpness(objective, { rho: RHO, samples: 20, iterations: 10, onProgress }));
    const density = measured(run.name, (onProgress) => spectralDensity(H, { steps: 40, runs: 2, seed: 3, onProgress }));
    const direction = filterNormalizedDirection(objective.params, { seed: 5 });
    const slice = measured(run.name, (onProgress) => lossSlice1D(objective, direction, { range: [-1, 1], points: 21, onProgress }));
    const direction2 = filterNormalizedDirection(objective.params, { seed: 6 });
    const plane = measured(run.name, (onProgress) => lossSlice2D(objective, direction, direction2, { range: [-1, 1], points: 11, onProgress }));
    treeDispose([direction, direction2]);
    planes.push(heatMap(plane, { title: `${run.name}: training loss on a random plane`, logZ: true, contours: 8, width: 440, height: 400 }));
    densities.push({ ...density, label: run.name });
    slices.push({ ...slice, label: run.name });
    results.push({
      optimizer: run.name,
      trainSeconds: run.seconds,
      trainLoss: loss,
      testAccuracy: testAcc,
      topEigenvalues: top.values,
      topEigenvalueHvps: top.matvecs,
      minEigenvalue: bottom.values[0],
      trace: trace.trace,
      traceStandardError: trace.standardError,
      epsilonSharpness1e3: eps1.sharpness,
      epsilonSharpness5e4: eps2.sharpness,
      wenWorst: wen.worst,
      wenAscent: wen.ascent,
      wenAverage: wen.average,
      hvps: H.hvpCount,
    });
  }

  // The linear path between the two minima (Goodfellow et al. 2015), on the same training digits.
  const objectiveSgd = modelObjective(runs[0].model, { x: xH, y: yH, loss: 'softmaxCrossEntropy', batchSize: 500 });
  const samWeights = Object.fromEntries(runs[1].model.trainableWeights.map((w, i) => [runs[0].model.trainableWeights[i].name, w.read()])) as Tree;
  const path = linearPath(objectiveSgd, objectiveSgd.params, samWeights, { range: [-0.25, 1.25], points: 21 });

  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'density.svg'), densityPlot(densities, { title: 'Hessian spectral density (SLQ) at the SGD and SAM minima' }));
  writeFileSync(join(OUT, 'slices.svg'), lineChart(slices, { title: 'Loss along a filter-normalised random direction', yLabel: 'training loss' }));
  writeFileSync(join(OUT, 'planes.svg'), panels(planes, { caption: 'filter-normalised random directions (seeds 5 and 6), log colour scale' }));
  writeFileSync(join(OUT, 'path.svg'), lineChart({ ...path, label: 'SGD (0) to SAM (1)' }, { title: 'Linear path between the minima', yLabel: 'training loss' }));
  writeFileSync(join(OUT, 'results.json'), JSON.stringify({ backend, epochs: EPOCHS, learningRate: LR, rho: RHO, results, path }, null, 2));

  console.log('\n' + ['optimizer', 'test acc', 'loss', 'lambda_max', 'lambda_min', 'trace', 'eps-sharp 1e-3', 'eps-sharp 5e-4', 'worst', 'ascent', 'average'].join('\t'));
  for (const r of results) {
    const f = (v: unknown, d = 4) => (typeof v === 'number' ? v.toPrecision(d) : String(v));
    console.log([r.optimizer, f(r.testAccuracy, 3), f(r.trainLoss), f((r.topEigenvalues as number[])[0]), f(r.minEigenvalue), f(r.trace), f(r.epsilonSharpness1e3), f(r.epsilonSharpness5e4), f(r.wenWorst), f(r.wenAscent), f(r.wenAverage)].join('\t'));
  }
  console.log(`plots and numbers in ${OUT}`);
  tf.dispose([xH, yH, data.xTrain, data.yTrain, data.xTest, data.yTest]);
  runs.forEach((r) => r.model.dispose());
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
