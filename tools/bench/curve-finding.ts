// Benchmark for @basin/curve-finding: one curve-training step (quadratic Bezier, one t per batch)
// divided by one ordinary training step of the same model, for a functional MLP (core's Trainer vs
// CurveTrainer) and a tf.LayersModel (core's ModelTrainer vs ModelCurveTrainer). Target <= 1.3.
//   npx tsx tools/bench/curve-finding.ts [--backend cpu|wasm]
import * as tf from '@tensorflow/tfjs';
import { ModelTrainer, sgd, Trainer, Tree, LayersModelLike } from '@basin/core';
import { Curve, CurveTrainer, ModelCurveTrainer, modelWeights } from '@basin/curve-finding';
import { useBackend, BackendName } from '../shared/backend';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

function timeSteps(fn: () => void, steps: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Alternates rounds of A and B so drift on a shared machine hits both; per-step medians. */
function compare(a: () => void, b: () => void, { warmup = 4, rounds = 5, perRound = 6 } = {}): { a: number; b: number } {
  for (let i = 0; i < warmup; i++) { a(); b(); }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ta.push(...timeSteps(a, perRound));
    tb.push(...timeSteps(b, perRound));
  }
  return { a: median(ta), b: median(tb) };
}

const mlp = (seed: number) => {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 64, activation: 'relu', inputShape: [784], kernelInitializer: tf.initializers.heNormal({ seed }) }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }));
  return model;
};

const functionalLoss = (p: Tree, batch: { x: tf.Tensor; y: tf.Tensor }) =>
  tf.tidy(() => {
    const [k1, b1, k2, b2] = p as tf.Tensor[];
    const h = tf.relu(tf.add(tf.matMul(batch.x, k1), b1));
    return tf.losses.softmaxCrossEntropy(batch.y, tf.add(tf.matMul(h, k2), b2)) as tf.Scalar;
  });

async function main(): Promise<void> {
  const backend = await useBackend(arg('backend', 'cpu') as BackendName);
  const batchSize = Number(arg('batch', '128'));
  console.log(`backend ${backend}, MLP 784-64-10, batch ${batchSize}, sgd(0.05, momentum 0.9), quadratic Bezier`);
  const x = tf.randomUniform([batchSize, 784], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([batchSize], 0, 10, 'int32', 2), 10);
  const a = mlp(1);
  const b = mlp(100);
  const wa = modelWeights(a);
  const wb = modelWeights(b);
  const curve = new Curve(wa, wb);
  const transform = () => sgd({ learningRate: 0.05, momentum: 0.9 });

  // Functional loss.
  const plain = new Trainer({ transform: transform(), loss: functionalLoss, params: wa });
  const batch = { x, y };
  for (const weightDecay of [0, 5e-4]) {
    const curved = new CurveTrainer({ curve, transform: transform(), loss: functionalLoss, weightDecay });
    const f = compare(() => plain.step(batch), () => curved.step(batch));
    console.log(`functional, weightDecay ${weightDecay}: ordinary step ${f.a.toFixed(2)} ms, curve step ${f.b.toFixed(2)} ms, ratio ${(f.b / f.a).toFixed(2)}`);
    curved.dispose();
  }

  // tf.LayersModel.
  const modelPlain = new ModelTrainer(mlp(1) as unknown as LayersModelLike, { transform: transform(), loss: 'categoricalCrossentropy' });
  const curveModel = mlp(1);
  const before = tf.memory().numTensors;
  for (const weightDecay of [0, 5e-4]) {
    const modelCurve = new ModelCurveTrainer(curveModel, { curve, transform: transform(), loss: 'categoricalCrossentropy', weightDecay });
    const m = compare(() => modelPlain.trainOnBatch(x, y), () => modelCurve.trainOnBatch(x, y));
    console.log(`LayersModel, weightDecay ${weightDecay}: ordinary step ${m.a.toFixed(2)} ms, curve step ${m.b.toFixed(2)} ms, ratio ${(m.b / m.a).toFixed(2)}`);
    modelCurve.dispose();
  }
  console.log(`live tensors before/after the LayersModel runs: ${before}/${tf.memory().numTensors}`);
  console.log('target: ratio <= 1.3 (indicative: shared 2-core machine)');
}

main().catch((e) => { console.error(e); process.exit(1); });
