// The three sharpness measures of Wen, Ma & Li ("How does sharpness-aware minimization minimize
// sharpness?", ICLR 2023): worst-direction max_{|v| <= rho} L(w + v) - L(w), ascent-direction
// L(w + rho g / |g|) - L(w) and average-direction E_u L(w + rho u) - L(w) (u uniform on the unit
// sphere). Near a minimum, to second order, worst ~ rho^2 lambda_max / 2, ascent ~ the same once
// the gradient is aligned with the top eigenvector, and average ~ rho^2 tr(H) / (2 d).
//
// Part 1, quadratics (d = 50, H diagonal with known eigenvalues), where all three are exact
// (src/exact.ts): near the minimum with the gradient along v1, with the gradient in a random
// direction, and near a saddle (lambda_min < 0). Part 2, a small MNIST MLP trained three ways
// (SGD, SAM, SGD with a large learning rate): the three measures against rho^2 lambda_max / 2,
// rho |g| + rho^2 lambda_max / 2 and rho^2 tr / (2 d), with lambda_max, lambda_min (Lanczos) and
// tr(H) (Hutch++) from @basin/hessian.
//
//   npx tsx examples/sharpness-measures/src/main.ts          # full: 1,000 digits, 40 epochs, 6-7 radii
//   npx tsx examples/sharpness-measures/src/main.ts --quick  # CI: 500 digits, 20 epochs, 3-4 radii; asserts the claims
//   options: --hidden 32 --epochs 40 --train 1000 --seed 0 --backend wasm|cpu --out DIR
//
// Full mode writes results.svg and results.json next to this folder; quick mode to a temporary folder.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendRequest } from '@basin/backends';
import { ModelTrainer, mulberry32, sgd, type Transform, type Tree } from '@basin/core';
import { assertChecks, commandLine, loadMnist, progressBar } from '@basin/example-data';
import { functionObjective, modelObjective } from '@basin/hessian';
import { lineChart, panels } from '@basin/plot';
import { sam } from '@basin/sam';
import { exactAscent, exactAverage, exactWorst, sumSq } from './exact';
import { curvature, sharpnessAt, type AtRadius, type Curvature, type MeasureOptions } from './measure';

const cli = commandLine(process.argv.slice(2));
const QUICK = cli.flag('quick');
const HIDDEN = cli.number('hidden', 32);
const EPOCHS = cli.number('epochs', QUICK ? 20 : 40);
const SEED = cli.number('seed', 0);
/** The networks are trained on these digits and measured on the same ones: the minima are minima of this loss. */
const TRAIN = cli.number('train', QUICK ? 500 : 1000);

const QUAD_DIM = 50;
const QUAD_RHOS = QUICK ? [0.001, 0.01, 0.1, 1] : [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1];
const NET_RHOS = QUICK ? [0.01, 0.1, 1] : [0.003, 0.01, 0.03, 0.1, 0.3, 1];
/** |g| at the quadratic points: small, so the rho^2 terms dominate from rho ~ 0.01 up. */
const GRAD_NORM = 0.01;

// ---------- Part 1: quadratics ----------

type QuadBatch = { lambda: tf.Tensor1D };
const quadLoss = (p: Tree, b: QuadBatch): tf.Scalar => tf.tidy(() => tf.mul(0.5, tf.sum(tf.mul(b.lambda, tf.square((p as { w: tf.Tensor1D }).w)))) as tf.Scalar);

/** lambda_1 = 10, lambda_2 = 5, then 48 values log-spaced from 3 to 0.01; `saddle` replaces the last by -2. */
function quadSpectrum(saddle: boolean): number[] {
  const rest = Array.from({ length: QUAD_DIM - 2 }, (_, k) => 3 * (0.01 / 3) ** (k / (QUAD_DIM - 3)));
  const l = [10, 5, ...rest];
  if (saddle) l[QUAD_DIM - 1] = -2;
  return l;
}

interface QuadCase {
  name: string;
  lambda: number[];
  /** The point w; g = lambda * w. */
  w: number[];
}

/** The point whose gradient is `GRAD_NORM` times the unit vector along `g` (w = H^-1 g). */
const pointWithGradient = (lambda: number[], g: number[]): number[] => {
  const n = Math.sqrt(sumSq(g));
  return g.map((x, i) => (x * GRAD_NORM) / n / lambda[i]);
};

function quadCases(): QuadCase[] {
  const pd = quadSpectrum(false);
  const ind = quadSpectrum(true);
  const rand = mulberry32(SEED + 11);
  const u = Array.from({ length: QUAD_DIM }, () => Math.sqrt(-2 * Math.log(rand() + 1e-300)) * Math.cos(2 * Math.PI * rand()));
  const e1 = pd.map((_, i) => (i === 0 ? 1 : 0));
  return [
    { name: 'quadratic, g along v1', lambda: pd, w: pointWithGradient(pd, e1) },
    { name: 'quadratic, g in a random direction', lambda: pd, w: pointWithGradient(pd, u) },
    { name: 'saddle (lambda_min = -2), random g', lambda: ind, w: pointWithGradient(ind, u) },
    { name: 'quadratic, exactly at the minimum (g = 0)', lambda: pd, w: pd.map(() => 0) },
  ];
}

interface QuadResult {
  name: string;
  lambdaMax: number;
  lambdaMin: number;
  trace: number;
  curvature: Curvature;
  rows: (AtRadius & { exactWorst: number; exactAscent: number; exactAverage: number })[];
}

function runQuadratic(c: QuadCase, o: MeasureOptions): QuadResult {
  const batch = { lambda: tf.tensor1d(c.lambda) };
  const params = { w: tf.tensor1d(c.w) };
  const objective = functionObjective(quadLoss, params, { batch });
  const g = c.w.map((x, i) => c.lambda[i] * x);
  try {
    const curv = curvature(objective, o);
    const rows = sharpnessAt(objective, QUAD_RHOS, o).map((r) => ({
      ...r,
      exactWorst: exactWorst(c.lambda, g, r.rho),
      exactAscent: exactAscent(c.lambda, g, r.rho),
      exactAverage: exactAverage(c.lambda, r.rho),
    }));
    return { name: c.name, lambdaMax: Math.max(...c.lambda), lambdaMin: Math.min(...c.lambda), trace: c.lambda.reduce((a, b) => a + b, 0), curvature: curv, rows };
  } finally {
    tf.dispose([batch.lambda, params.w]);
  }
}

// ---------- Part 2: MNIST MLP minima ----------

function buildModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [784], units: HIDDEN, activation: 'relu', kernelInitializer: tf.initializers.heNormal({ seed: SEED + 1 }) }));
  model.add(tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotNormal({ seed: SEED + 2 }) }));
  return model;
}

interface NetResult {
  name: string;
  trainSeconds: number;
  testAccuracy: number;
  curvature: Curvature;
  rows: AtRadius[];
}

async function main(): Promise<void> {
  const started = Date.now();
  const backend = (await useBackend(cli.string('backend', 'wasm') as BackendRequest)).name;
  console.log(`backend ${backend}`);

  // Part 1.
  const quadOptions: MeasureOptions = { samples: QUICK ? 100 : 400, iterations: 100, traceMatvecs: 3 * QUAD_DIM, lanczosSteps: QUAD_DIM };
  const quads = quadCases().map((c) => runQuadratic(c, quadOptions));
  for (const q of quads) {
    const c = q.curvature;
    console.log(
      `\n${q.name}: lambda_max ${c.lambdaMax.toFixed(4)} (exact ${q.lambdaMax}), lambda_min ${c.lambdaMin.toFixed(4)} (exact ${q.lambdaMin.toFixed(4)}), ` +
        `trace ${c.trace.toFixed(4)} ± ${c.traceStandardError.toExponential(1)} (exact ${q.trace.toFixed(4)}); |g| ${c.gradNorm.toExponential(2)}, g^T H g / |g|^2 ${c.gradCurvature.toFixed(3)}`,
    );
    console.log('| rho | worst | exact | ascent | exact | SAM ascentSharpness | average ± s.e. | rho^2 tr / 2d | rho^2 lambda_max / 2 |');
    for (const r of q.rows) {
      const f = (v: number) => v.toExponential(3);
      console.log(
        `| ${r.rho} | ${f(r.worst)} | ${f(r.exactWorst)} | ${f(r.ascent)} | ${f(r.exactAscent)} | ${f(r.samAscent)} | ${f(r.average)} ± ${r.averageStandardError.toExponential(1)} | ${f(r.exactAverage)} | ${f((r.rho ** 2 * q.lambdaMax) / 2)} |`,
      );
    }
  }

  // Part 2.
  const data = loadMnist({ trainCount: TRAIN, testCount: 1000, seed: SEED });
  const netOptions: MeasureOptions = { samples: QUICK ? 30 : 60, iterations: 20, traceMatvecs: QUICK ? 30 : 90, lanczosSteps: 80 };
  const recipes: [string, Transform<unknown>][] = [
    ['SGD, lr 0.05', sgd({ learningRate: 0.05 })],
    ['SAM (rho 0.05), lr 0.05', sam(sgd({ learningRate: 0.05 }), { rho: 0.05 })],
    ['SGD, lr 0.5', sgd({ learningRate: 0.5 })],
  ];
  const nets: NetResult[] = [];
  for (const [name, transform] of recipes) {
    const model = buildModel();
    const trainer = new ModelTrainer(model, { transform, loss: 'softmaxCrossEntropy' });
    const t0 = Date.now();
    const bar = progressBar(name, EPOCHS);
    await trainer.fit(data.xTrain, data.yTrain, { epochs: EPOCHS, batchSize: 32, seed: SEED + 7, onEpochEnd: ({ epoch }) => bar.update(epoch + 1) });
    bar.stop();
    trainer.dispose();
    const trainSeconds = (Date.now() - t0) / 1000;
    const testAccuracy = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.predict(data.xTest) as tf.Tensor, -1), tf.argMax(data.yTest, -1)), 'float32')).dataSync()[0]);
    const objective = modelObjective(model, { x: data.xTrain, y: data.yTrain, loss: 'softmaxCrossEntropy', batchSize: 500 });
    const curv = curvature(objective, netOptions);
    const rows = sharpnessAt(objective, NET_RHOS, netOptions);
    model.dispose();
    nets.push({ name, trainSeconds, testAccuracy, curvature: curv, rows });
    console.log(
      `\n${name}: test accuracy ${testAccuracy.toFixed(3)}, loss ${curv.loss.toFixed(4)} (its ${TRAIN} training digits), lambda_max ${curv.lambdaMax.toFixed(3)}, lambda_min ${curv.lambdaMin.toFixed(4)}, ` +
        `trace ${curv.trace.toFixed(2)} ± ${curv.traceStandardError.toFixed(2)}, d ${curv.size}, |g| ${curv.gradNorm.toExponential(2)}, g^T H g / |g|^2 ${curv.gradCurvature.toFixed(3)} (${curv.hvps} HVPs; trained in ${trainSeconds.toFixed(1)} s)`,
    );
    console.log('| rho | worst | rho^2 lmax / 2 | rho abs(g) + rho^2 lmax / 2 | ascent | SAM ascentSharpness | rho abs(g) + rho^2 gHg / 2 | average ± s.e. | rho^2 tr / 2d |');
    for (const r of rows) {
      const f = (v: number) => v.toExponential(2);
      const c = curv;
      console.log(
        `| ${r.rho} | ${f(r.worst)} | ${f((r.rho ** 2 * c.lambdaMax) / 2)} | ${f(r.rho * c.gradNorm + (r.rho ** 2 * c.lambdaMax) / 2)} | ${f(r.ascent)} | ${f(r.samAscent)} | ` +
          `${f(r.rho * c.gradNorm + (r.rho ** 2 * c.gradCurvature) / 2)} | ${f(r.average)} ± ${r.averageStandardError.toExponential(1)} | ${f((r.rho ** 2 * c.trace) / (2 * c.size))} |`,
      );
    }
  }
  tf.dispose([data.xTrain, data.yTrain, data.xTest, data.yTest]);

  const out = cli.outputFolder({ quick: QUICK, folder: path.join(__dirname, '..'), tempPrefix: 'basin-sharpness-measures-' });
  writeFigure(out, quads, nets, backend);
  writeFileSync(path.join(out, 'results.json'), JSON.stringify({ backend, seed: SEED, hidden: HIDDEN, epochs: EPOCHS, trainDigits: TRAIN, quadratics: quads, networks: nets }, null, 1));
  console.log(`\nwrote ${path.join(out, 'results.svg')} and results.json (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (QUICK) assertClaims(quads, nets);
}

function assertClaims(quads: QuadResult[], nets: NetResult[]): void {
  const checks: [string, boolean][] = [];
  for (const q of quads.slice(0, 3)) {
    const c = q.curvature;
    const scale = (rho: number) => rho * c.gradNorm + (rho * rho * q.lambdaMax) / 2;
    const ascentErr = Math.max(...q.rows.map((r) => Math.abs(r.ascent - r.exactAscent) / scale(r.rho)));
    const samErr = Math.max(...q.rows.map((r) => Math.abs(r.samAscent - r.exactAscent) / scale(r.rho)));
    const worstErr = Math.max(...q.rows.map((r) => Math.abs(r.worst - r.exactWorst) / scale(r.rho)));
    const avgZ = Math.max(...q.rows.map((r) => Math.abs(r.average - r.exactAverage) / r.averageStandardError));
    const spectrumErr = Math.max(Math.abs(c.lambdaMax - q.lambdaMax) / q.lambdaMax, Math.abs(c.lambdaMin - q.lambdaMin) / Math.abs(q.lambdaMin), Math.abs(c.trace - q.trace) / q.trace);
    checks.push([`${q.name}: ascent (hessian and sam) within 0.1% of exact (${ascentErr.toExponential(1)}, ${samErr.toExponential(1)}), worst within 1% (${worstErr.toExponential(1)}), average within 4 s.e. (${avgZ.toFixed(2)}), lambda_max, lambda_min, trace within 1% (${spectrumErr.toExponential(1)})`, ascentErr < 1e-3 && samErr < 1e-3 && worstErr < 0.01 && avgZ < 4 && spectrumErr < 0.01]);
  }
  const random = quads[1];
  const short = random.rows[random.rows.length - 1];
  checks.push([`g off v1: ascent falls short of worst at rho ${short.rho} (${short.ascent.toExponential(2)} < 0.5 x ${short.worst.toExponential(2)})`, short.ascent < 0.5 * short.worst]);
  for (const n of nets) {
    const ordered = n.rows.every((r) => r.average < r.ascent && r.ascent <= r.worst * (1 + 1e-6));
    const r = n.rows.find((x) => x.rho === 0.1) as AtRadius;
    const c = n.curvature;
    const predicted = 0.1 * c.gradNorm + (0.01 * c.lambdaMax) / 2;
    checks.push([`${n.name}: average < ascent <= worst at every rho (${ordered ? 'yes' : 'no'}); worst at rho 0.1 ${r.worst.toExponential(2)} within [0.5, 1.5] x rho |g| + rho^2 lambda_max / 2 = ${predicted.toExponential(2)}`, ordered && r.worst > 0.5 * predicted && r.worst < 1.5 * predicted]);
  }
  const rankBy = (f: (n: NetResult) => number) => nets.map((n, i) => [f(n), i] as const).sort((a, b) => a[0] - b[0]).map(([, i]) => i).join(',');
  const at01 = (n: NetResult) => n.rows.find((x) => x.rho === 0.1) as AtRadius;
  const worstRank = rankBy((n) => at01(n).worst - 0.1 * n.curvature.gradNorm);
  const lmaxRank = rankBy((n) => n.curvature.lambdaMax);
  checks.push([`the worst-direction sharpness at rho 0.1 (less its first-order part rho |g|) ranks the minima as lambda_max does (${worstRank} vs ${lmaxRank})`, worstRank === lmaxRank]);
  assertChecks(checks);
}

function writeFigure(out: string, quads: QuadResult[], nets: NetResult[], backend: string): void {
  const charts: string[] = [];
  const chart = (title: string, rows: AtRadius[], lambdaMax: number, traceOverD: number, extra: { x: number[]; y: number[]; label: string }[]) =>
    lineChart(
      [
        { x: rows.map((r) => r.rho), y: rows.map((r) => r.worst), label: 'worst', style: 'both' },
        { x: rows.map((r) => r.rho), y: rows.map((r) => r.ascent), label: 'ascent', style: 'both' },
        { x: rows.map((r) => r.rho), y: rows.map((r) => r.average), label: 'average', style: 'both' },
        { x: rows.map((r) => r.rho), y: rows.map((r) => (r.rho ** 2 * lambdaMax) / 2), label: 'rho^2 lmax / 2', dashed: true, color: '#1f77b4' },
        { x: rows.map((r) => r.rho), y: rows.map((r) => (r.rho ** 2 * traceOverD) / 2), label: 'rho^2 tr / 2d', dashed: true, color: '#2ca02c' },
        ...extra.map((e) => ({ ...e, dashed: true, color: '#999999' })),
      ],
      { title, xLabel: 'rho', yLabel: 'L(w + v) - L(w)', logX: true, logY: true, width: 700, height: 360, legend: 'right' },
    );
  for (const q of quads.slice(0, 3)) {
    charts.push(chart(q.name, q.rows, q.lambdaMax, q.trace / QUAD_DIM, [{ x: q.rows.map((r) => r.rho), y: q.rows.map((r) => r.exactAscent), label: 'exact ascent' }]));
  }
  for (const n of nets) {
    const c = n.curvature;
    charts.push(
      chart(`MLP, ${n.name}`, n.rows, c.lambdaMax, c.trace / c.size, [{ x: n.rows.map((r) => r.rho), y: n.rows.map((r) => r.rho * c.gradNorm + (r.rho ** 2 * c.lambdaMax) / 2), label: 'rho |g| + rho^2 lmax / 2' }]),
    );
  }
  writeFileSync(
    path.join(out, 'results.svg'),
    panels(charts, {
      columns: 3,
      caption: `Top: quadratics, d = ${QUAD_DIM}, |g| = ${GRAD_NORM} (negative values, e.g. the saddle's ascent at large rho, leave gaps on the log axis). Bottom: MNIST MLP 784-${HIDDEN}-10 minima of the loss on ${TRAIN} training digits (${EPOCHS} epochs, batch 32). ${backend} backend.`,
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
