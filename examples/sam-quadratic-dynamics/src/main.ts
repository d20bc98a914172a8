// SAM on a quadratic (Bartlett, Long & Bousquet, "The dynamics of sharpness-aware minimization:
// bouncing across ravines and drifting towards wide minima", JMLR 2023): with a fixed learning
// rate eta and radius rho, SAM does not converge to the minimum of f(w) = 1/2 w^T H w. Its
// iterates end in a two-point cycle w -> -w -> w along the top eigenvector v1 of H, with
// amplitude |w| = eta lambda_1 rho / (2 - eta lambda_1) (derived in src/cycle.ts), while plain
// gradient descent with the same eta converges.
//
// Runs Basin's sam(sgd({ learningRate: eta }), { rho }) and sgd alone on a quadratic with known
// eigenvalues in a seeded random orthogonal basis, and measures the distance to the minimum, the
// |cos| of w_t and of w_{t+1} - w_t with every eigenvector, the period-2 residual
// |w_{t+2} - w_t| / |w_t| and the amplitude against the prediction; then sweeps rho and eta.
//
//   npx tsx examples/sam-quadratic-dynamics/src/main.ts          # full: d = 20, 1500 steps, 5 starts, sweeps of rho and eta
//   npx tsx examples/sam-quadratic-dynamics/src/main.ts --quick  # CI: d = 10, 600 steps, a short sweep; asserts the claim
//   options: --dim 20 --lr 0.5 --rho 0.1 --steps 1500 --seed 0 --seeds 5 --backend wasm|cpu --out DIR
//
// Full mode writes results.svg and results.json next to this folder; quick mode writes them to a
// temporary folder.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendRequest } from '@basin/backends';
import { mulberry32, sgd } from '@basin/core';
import { assertChecks, commandLine } from '@basin/example-data';
import { lineChart, panels } from '@basin/plot';
import { sam } from '@basin/sam';
import { cycleAmplitude, transverseFactor } from './cycle';
import { absCos, dot, gaussians, makeQuadratic, norm, spectrum, sub, type Quadratic } from './quadratic';
import { trajectory } from './trajectory';

const cli = commandLine(process.argv.slice(2));
const QUICK = cli.flag('quick');
const DIM = cli.number('dim', QUICK ? 10 : 20);
const LR = cli.number('lr', 0.5);
const RHO = cli.number('rho', 0.1);
const STEPS = cli.number('steps', QUICK ? 600 : 1500);
const SEED = cli.number('seed', 0);
const SEEDS = cli.number('seeds', QUICK ? 1 : 5);
/** lambda_1 = 1, then log-spaced from 0.6 down to 0.05: a gap under the top, and slow directions. */
const EIGENVALUES = spectrum(DIM, 1, 0.6, 0.05);
const RHO_SWEEP = QUICK ? [0.03, 0.3] : [0.01, 0.02, 0.05, 0.1, 0.2, 0.5];
const LR_SWEEP = QUICK ? [1.5] : [0.25, 0.5, 1, 1.5, 1.8];

interface Ending {
  /** |w_T|: distance from the minimum at the end. */
  distance: number;
  /** (|w_T| + |w_{T-1}|) / 2, the measured amplitude. */
  amplitude: number;
  /** |cos(w_T, v_i)| for every eigenvector, top first. */
  cosW: number[];
  /** |cos(w_T - w_{T-1}, v_i)|. */
  cosStep: number[];
  /** |w_T - w_{T-2}| / |w_T|: 0 for an exact two-point cycle. */
  period2: number;
  /** |w_T - w_{T-1}| / |w_T|: 2 for a cycle through the minimum's two sides. */
  jump: number;
}

function ending(q: Quadratic, p: Float64Array[]): Ending {
  const T = p.length - 1;
  const [w, prev, prev2] = [p[T], p[T - 1], p[T - 2]];
  const diff = sub(w, prev);
  return {
    distance: norm(w),
    amplitude: (norm(w) + norm(prev)) / 2,
    cosW: q.eigenvectors.map((v) => absCos(w, v)),
    cosStep: q.eigenvectors.map((v) => absCos(diff, v)),
    period2: norm(sub(w, prev2)) / norm(w),
    jump: norm(diff) / norm(w),
  };
}

const startPoint = (seed: number): Float64Array => gaussians(mulberry32(1000 + seed), DIM).map((x) => x / Math.sqrt(DIM));
const samRun = (q: Quadratic, eta: number, rho: number, start: Float64Array, steps = STEPS) => trajectory(sam(sgd({ learningRate: eta }), { rho }), q, start, steps);
const pct = (measured: number, predicted: number): number => (100 * (measured - predicted)) / predicted;

async function main(): Promise<void> {
  const started = Date.now();
  const backend = (await useBackend(cli.string('backend', 'wasm') as BackendRequest)).name;
  const q = makeQuadratic(EIGENVALUES, SEED);
  const lambda1 = q.eigenvalues[0];
  const predicted = cycleAmplitude(LR, lambda1, RHO);
  console.log(
    `backend ${backend}; f(w) = 1/2 w^T H w in d = ${DIM}, eigenvalues ${q.eigenvalues[0]}, ${q.eigenvalues[1]} ... ${q.eigenvalues[DIM - 1]} (random orthogonal basis, seed ${SEED}); ` +
      `eta ${LR} (eta lambda_1 = ${(LR * lambda1).toFixed(2)}), rho ${RHO}, ${STEPS} steps`,
  );
  const slowest = Math.max(...q.eigenvalues.slice(1).map((l) => Math.abs(transverseFactor(LR, lambda1, l))));
  console.log(`prediction: two-point cycle on v1 with |w| = eta lambda rho / (2 - eta lambda) = ${predicted.toPrecision(4)}; other directions shrink by at most ${slowest.toFixed(3)} per step`);

  // Main comparison: GD and SAM from the same start.
  const start = startPoint(SEED);
  const gdPath = trajectory(sgd({ learningRate: LR }), q, start, STEPS);
  const samPath = samRun(q, LR, RHO, start);
  const gd = ending(q, gdPath);
  const s = ending(q, samPath);
  const others = (c: number[]) => Math.max(...c.slice(1));
  console.log(`GD : |w_T| = ${gd.distance.toExponential(2)} (start ${norm(start).toFixed(3)})`);
  console.log(
    `SAM: |w_T| = ${s.distance.toExponential(4)}, amplitude ${s.amplitude.toPrecision(5)} vs predicted ${predicted.toPrecision(5)} (${pct(s.amplitude, predicted).toFixed(3)}%); ` +
      `|cos(w_T, v1)| = ${s.cosW[0].toFixed(6)} (largest other ${others(s.cosW).toExponential(1)}); |cos(w_T - w_T-1, v1)| = ${s.cosStep[0].toFixed(6)} (largest other ${others(s.cosStep).toExponential(1)}); ` +
      `|w_T - w_T-2| / |w_T| = ${s.period2.toExponential(1)}; |w_T - w_T-1| / |w_T| = ${s.jump.toFixed(4)}`,
  );

  // Linear stability of the cycle: start on it, nudge every other direction by 1% of a*, and
  // measure the per-step factor of each nudge against transverseFactor.
  const v1 = q.eigenvectors[0];
  const nudged = Float64Array.from(v1, (x, i) => predicted * x + q.eigenvectors.slice(1).reduce((acc, v) => acc + 0.01 * predicted * v[i], 0));
  const nudgedPath = samRun(q, LR, RHO, nudged, 200);
  const rates = q.eigenvalues.slice(1).map((lambda, k) => {
    const c = nudgedPath.map((w) => Math.abs(dot(w, q.eigenvectors[k + 1])));
    let t2 = 0;
    while (t2 + 1 < c.length && c[t2 + 1] > 1e-7) t2++;
    return { lambda, predicted: Math.abs(transverseFactor(LR, lambda1, lambda)), measured: t2 >= 3 ? (c[t2] / c[0]) ** (1 / t2) : NaN, steps: t2 };
  });
  const worstRate = Math.max(...rates.filter((r) => Number.isFinite(r.measured)).map((r) => Math.abs(r.measured - r.predicted)));
  console.log(
    `cycle stability, per-step factor of a 1% nudge along v_i (measured/predicted |1 - eta lambda_i - (lambda_i/lambda_1)^2 (2 - eta lambda_1)|): ` +
      rates.map((r) => `lambda ${r.lambda.toPrecision(3)}: ${Number.isFinite(r.measured) ? r.measured.toFixed(3) : '-'}/${r.predicted.toFixed(3)}`).join(', ') +
      `; largest difference ${worstRate.toFixed(4)}`,
  );

  // The cycle on v2 also exists, but is unstable: start on it (exactly, in float64; float32
  // rounding leaves a ~1e-8 part along v1) and watch the iterates leave it for the v1 cycle.
  const lambda2 = q.eigenvalues[1];
  const v2Amplitude = cycleAmplitude(LR, lambda2, RHO);
  const onV2Path = samRun(q, LR, RHO, q.eigenvectors[1].map((x) => v2Amplitude * x), 200);
  const cosV1 = onV2Path.map((w) => absCos(w, v1));
  const escape = Math.abs(transverseFactor(LR, lambda2, lambda1));
  const unstable = {
    v2Amplitude,
    startCosV1: cosV1[0],
    leftV2At: onV2Path.findIndex((w) => absCos(w, q.eigenvectors[1]) < 0.99),
    alignedWithV1At: cosV1.findIndex((c) => c > 0.99),
    growthPredicted: escape,
    growthMeasured: (cosV1[8] / cosV1[0]) ** (1 / 8),
    final: ending(q, onV2Path),
  };
  console.log(
    `start on the v2 cycle (|w| ${v2Amplitude.toPrecision(4)}, |cos(w_0, v1)| ${unstable.startCosV1.toExponential(1)} from float32 rounding): the v1 part grows ${unstable.growthMeasured.toFixed(2)}x per step ` +
      `(predicted ${escape.toFixed(2)}); |cos(w, v2)| < 0.99 from step ${unstable.leftV2At}, |cos(w, v1)| > 0.99 from step ${unstable.alignedWithV1At}; final amplitude ${unstable.final.amplitude.toPrecision(5)}`,
  );

  // Other random starts (full mode): "for most random initializations" the same cycle.
  const starts: { seed: number; amplitude: number; errorPct: number; cosV1: number; period2: number }[] = [];
  for (let k = 1; k < SEEDS; k++) {
    const e = ending(q, samRun(q, LR, RHO, startPoint(SEED + k)));
    starts.push({ seed: SEED + k, amplitude: e.amplitude, errorPct: pct(e.amplitude, predicted), cosV1: e.cosW[0], period2: e.period2 });
    console.log(`start ${SEED + k}: amplitude ${e.amplitude.toPrecision(5)} (${pct(e.amplitude, predicted).toFixed(3)}%), |cos(w_T, v1)| ${e.cosW[0].toFixed(6)}, period-2 residual ${e.period2.toExponential(1)}`);
  }

  // Sweeps: the amplitude follows eta lambda rho / (2 - eta lambda).
  const sweep: { eta: number; rho: number; predicted: number; measured: number; errorPct: number; cosV1: number; period2: number; gdDistance: number }[] = [];
  for (const [eta, rho] of [...RHO_SWEEP.map((r) => [LR, r]), ...LR_SWEEP.map((e) => [e, RHO])]) {
    const e = ending(q, samRun(q, eta, rho, start));
    const g = ending(q, trajectory(sgd({ learningRate: eta }), q, start, STEPS));
    const p = cycleAmplitude(eta, lambda1, rho);
    sweep.push({ eta, rho, predicted: p, measured: e.amplitude, errorPct: pct(e.amplitude, p), cosV1: e.cosW[0], period2: e.period2, gdDistance: g.distance });
    console.log(
      `eta ${eta}, rho ${rho}: amplitude ${e.amplitude.toPrecision(5)} vs predicted ${p.toPrecision(5)} (${pct(e.amplitude, p).toFixed(3)}%), |cos(w_T, v1)| ${e.cosW[0].toFixed(6)}, period-2 residual ${e.period2.toExponential(1)}; GD |w_T| ${g.distance.toExponential(1)}`,
    );
  }

  const out = cli.outputFolder({ quick: QUICK, folder: path.join(__dirname, '..'), tempPrefix: 'basin-sam-quadratic-' });
  writeFigure(out, q, gdPath, samPath, predicted, sweep);
  writeFileSync(
    path.join(out, 'results.json'),
    JSON.stringify(
      {
        backend, dim: DIM, eigenvalues: q.eigenvalues, eta: LR, rho: RHO, steps: STEPS, seed: SEED, predictedAmplitude: predicted,
        gd, sam: s, rates, unstable, starts, sweep,
        samLast: samPath.slice(-4).map((w) => Array.from(w)),
      },
      null,
      1,
    ),
  );
  console.log(`wrote ${path.join(out, 'results.svg')} and results.json (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  if (QUICK) {
    const checks: [string, boolean][] = [
      [`GD converges (|w_T| ${gd.distance.toExponential(1)} < 1e-4)`, gd.distance < 1e-4],
      [`SAM does not (|w_T| ${s.distance.toExponential(2)} > predicted / 2)`, s.distance > predicted / 2],
      [`|cos(w_T, v1)| ${s.cosW[0].toFixed(5)} > 0.99 and |cos(w_T - w_T-1, v1)| ${s.cosStep[0].toFixed(5)} > 0.99`, s.cosW[0] > 0.99 && s.cosStep[0] > 0.99],
      [`period 2: |w_T - w_T-2| / |w_T| ${s.period2.toExponential(1)} < 1e-3, and w_T-1 ~ -w_T (|w_T - w_T-1| / |w_T| ${s.jump.toFixed(4)} within 1% of 2)`, s.period2 < 1e-3 && Math.abs(s.jump - 2) < 0.02],
      [
        `amplitude within 3% of eta lambda rho / (2 - eta lambda): ${[s.amplitude, ...sweep.map((r) => r.measured)].map((m, i) => `${pct(m, i === 0 ? predicted : sweep[i - 1].predicted).toFixed(2)}%`).join(', ')}`,
        Math.abs(pct(s.amplitude, predicted)) < 3 && sweep.every((r) => Math.abs(r.errorPct) < 3 && r.cosV1 > 0.99),
      ],
      [`the other components shrink at the predicted per-step rate (largest difference ${worstRate.toFixed(4)} < 0.02)`, worstRate < 0.02],
    ];
    assertChecks(checks);
  }
}

function writeFigure(out: string, q: Quadratic, gdPath: Float64Array[], samPath: Float64Array[], predicted: number, sweep: { eta: number; rho: number; predicted: number; measured: number }[]): void {
  const proj = (p: Float64Array[], k: number) => p.map((w) => dot(w, q.eigenvectors[k]));
  // Every step up to 100, then every 5th (the charts look the same, the file is smaller).
  const keep = (t: number) => t <= 100 || t % 5 === 0 || t === samPath.length - 1;
  const thin = <T,>(xs: T[]): T[] => xs.filter((_, t) => keep(t));
  const steps = thin(samPath.map((_, t) => t));
  const d = q.eigenvalues.length;
  // Across the ravine (v1, the steepest direction) against along its floor (v_d, the flattest).
  const head = (p: Float64Array[]) => p.slice(0, 401);
  const projection = lineChart(
    [
      { x: proj(head(gdPath), d - 1), y: proj(head(gdPath), 0), label: 'GD', dashed: true },
      { x: proj(head(samPath), d - 1), y: proj(head(samPath), 0), label: 'SAM' },
      { x: [0, 0], y: [predicted, -predicted], label: 'predicted cycle', style: 'points', color: '#d62728' },
    ],
    { title: `Iterates projected on (v${d}, v1), first 400 steps`, xLabel: `<w, v${d}> (flattest direction)`, yLabel: '<w, v1> (steepest)', legend: 'inside' },
  );
  const distance = lineChart(
    [
      { x: steps, y: thin(gdPath.map(norm)), label: 'GD' },
      { x: steps, y: thin(samPath.map(norm)), label: 'SAM' },
    ],
    { title: 'Distance to the minimum', xLabel: 'step', yLabel: '|w_t|', logY: true, levels: [{ y: predicted, label: 'predicted' }] },
  );
  const diffs = samPath.map((w, t) => (t === 0 ? w : sub(w, samPath[t - 1])));
  const cosines = lineChart(
    [
      { x: steps, y: thin(samPath.map((w) => absCos(w, q.eigenvectors[0]))), label: '|cos(w_t, v1)|' },
      { x: steps, y: thin(samPath.map((w) => absCos(w, q.eigenvectors[1]))), label: '|cos(w_t, v2)|' },
      { x: steps, y: thin(samPath.map((w) => absCos(w, q.eigenvectors[d - 1]))), label: `|cos(w_t, v${d})|` },
      { x: steps.slice(1), y: thin(diffs.map((v) => absCos(v, q.eigenvectors[0]))).slice(1), label: '|cos(w_t - w_t-1, v1)|', dashed: true },
    ],
    { title: 'SAM: alignment with the eigenvectors', xLabel: 'step', yLabel: '|cos|', logX: true, yDomain: [0, 1], legend: 'inside' },
  );
  const lo = Math.min(...sweep.map((r) => r.predicted)) / 1.5;
  const hi = Math.max(...sweep.map((r) => r.predicted)) * 1.5;
  const byRho = sweep.filter((r) => r.eta === sweep[0].eta);
  const byEta = sweep.filter((r) => r.eta !== sweep[0].eta);
  const amplitude = lineChart(
    [
      { x: [lo, hi], y: [lo, hi], label: 'measured = predicted', color: '#999999', dashed: true },
      { x: byRho.map((r) => r.predicted), y: byRho.map((r) => r.measured), label: `rho swept, eta ${sweep[0].eta}`, style: 'points' },
      { x: byEta.map((r) => r.predicted), y: byEta.map((r) => r.measured), label: 'eta swept', style: 'points' },
    ],
    { title: 'Cycle amplitude: measured vs eta lambda rho / (2 - eta lambda)', xLabel: 'predicted amplitude', yLabel: 'measured |w|', logX: true, logY: true },
  );
  writeFileSync(
    path.join(out, 'results.svg'),
    panels([projection, distance, cosines, amplitude], {
      columns: 2,
      caption: `f(w) = 1/2 w^T H w, d = ${d}, lambda = ${q.eigenvalues[0]}, ${q.eigenvalues[1]} ... ${q.eigenvalues[d - 1]}; sam(sgd(eta ${LR}), rho ${RHO}) and sgd(eta ${LR}) from the same start; ${tf.getBackend()} backend`,
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
