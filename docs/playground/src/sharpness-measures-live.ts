// The three sharpness measures, live (Wen, Ma & Li, "How does sharpness-aware minimization
// minimize sharpness?", ICLR 2023; examples/sharpness-measures is the Node version). On a
// quadratic L(w) = 1/2 w^T H w with eigenvalues the page shows, at a point near the minimum
// (|g| small), @basin/hessian's directionalSharpness measures worst-direction, ascent-direction
// and average-direction sharpness at several radii rho; they are drawn against rho^2 lambda_max / 2
// and rho^2 tr(H) / (2 d), and checked against their exact values for a quadratic:
//   worst = max_{|v| <= rho} g.v + 1/2 v^T H v (a trust-region problem), ascent = rho |g| +
//   rho^2 g^T H g / (2 |g|^2), average = rho^2 tr(H) / (2 d).
// Runs on the active TF.js backend (WebGL in the playground).
import * as tf from '@tensorflow/tfjs';
import { mulberry32, type Tree } from '@basin/core';
import { directionalSharpness, functionObjective } from '@basin/hessian';
import { COLORS, drawChart, makeCanvas, nextFrame, normals } from './phenomena-chart';

export interface SharpnessMeasuresOptions {
  /** Dimension. Default 20. */
  dim?: number;
  /** Largest eigenvalue; the rest are log-spaced from lambdaMax / 4 down to lambdaMax / 1000. Default 10. */
  lambdaMax?: number;
  /** |g| at the measured point. Default 0.01. */
  gradNorm?: number;
  rhos?: number[];
  /** Random directions per radius for the average. Default 200. */
  samples?: number;
  /** Ascent steps for the worst direction. Default 50. */
  iterations?: number;
  seed?: number;
  signal?: AbortSignal;
}

export interface SharpnessRow {
  rho: number;
  worst: number;
  ascent: number;
  average: number;
  averageStandardError: number;
  exactWorst: number;
  exactAscent: number;
  exactAverage: number;
}

export interface SharpnessMeasuresResult {
  eigenvalues: number[];
  rows: SharpnessRow[];
  /** average < ascent <= worst at every radius. */
  ordered: boolean;
  /** Largest |measured - exact| / exact of the worst and ascent measures. */
  worstError: number;
  ascentError: number;
  /** Largest |average - exact| / its standard error. */
  averageZ: number;
  seconds: number;
  leakedTensors: number;
}

/** max_{|v| <= rho} g.v + 1/2 sum lambda_i v_i^2: v_i = g_i / (mu - lambda_i), |v| = rho, mu > lambda_max (bisection; g has a part on v1 here). */
function exactWorst(lambda: number[], g: number[], rho: number): number {
  const top = Math.max(...lambda);
  const at = (mu: number) => g.map((x, i) => x / (mu - lambda[i]));
  const sq = (v: number[]) => v.reduce((a, x) => a + x * x, 0);
  let [lo, hi] = [top, top + Math.sqrt(sq(g)) / rho + 1e-12];
  for (let k = 0; k < 200; k++) {
    const mid = (lo + hi) / 2;
    if (sq(at(mid)) > rho * rho) lo = mid;
    else hi = mid;
  }
  return at(hi).reduce((a, v, i) => a + g[i] * v + 0.5 * lambda[i] * v * v, 0);
}

/** Measures the three notions at each radius and draws them; resolves when done. */
export async function drawSharpnessMeasures(el: HTMLElement, options: SharpnessMeasuresOptions = {}): Promise<SharpnessMeasuresResult> {
  const { dim = 20, lambdaMax = 10, gradNorm = 0.01, rhos = [0.003, 0.01, 0.03, 0.1, 0.3, 1], samples = 200, iterations = 50, seed = 0, signal } = options;
  const before = tf.memory().numTensors;
  const started = performance.now();
  const { canvas, caption } = makeCanvas(el, 620, 380);
  const lambda = [lambdaMax, ...Array.from({ length: dim - 1 }, (_, k) => (lambdaMax / 4) * (1 / 250) ** (k / Math.max(dim - 2, 1)))];
  const trace = lambda.reduce((a, b) => a + b, 0);
  // A point near the minimum: w along a random direction, scaled so that |g| = |H w| = gradNorm.
  const u = Array.from(normals(mulberry32(seed + 1), dim));
  const hu = u.map((x, i) => lambda[i] * x);
  const scale = gradNorm / Math.hypot(...hu);
  const w = u.map((x) => x * scale);
  const g = hu.map((x) => x * scale);
  const gg = g.reduce((a, x) => a + x * x, 0);
  const ghg = g.reduce((a, x, i) => a + lambda[i] * x * x, 0);
  const data = { lambda: tf.tensor1d(lambda) };
  const params = { w: tf.tensor1d(w) };
  const loss = (p: Tree, b: typeof data): tf.Scalar => tf.tidy(() => tf.mul(0.5, tf.sum(tf.mul(b.lambda, tf.square((p as { w: tf.Tensor1D }).w)))) as tf.Scalar);
  const objective = functionObjective(loss, params, { batch: data });
  const rows: SharpnessRow[] = [];
  const draw = () => {
    const x = rows.map((r) => r.rho);
    drawChart(
      canvas,
      [
        { x, y: rows.map((r) => r.worst), label: 'worst', color: COLORS[0] },
        { x, y: rows.map((r) => r.ascent), label: 'ascent', color: COLORS[1] },
        { x, y: rows.map((r) => r.average), label: 'average', color: COLORS[2] },
        { x: rhos, y: rhos.map((r) => (r * r * lambdaMax) / 2), label: 'rho² λmax / 2', color: COLORS[0], dashed: true },
        { x: rhos, y: rhos.map((r) => r * Math.sqrt(gg) + (r * r * ghg) / (2 * gg)), label: 'exact ascent', color: COLORS[1], dashed: true },
        { x: rhos, y: rhos.map((r) => (r * r * trace) / (2 * dim)), label: 'rho² tr / 2d', color: COLORS[2], dashed: true },
      ],
      { title: `Sharpness vs rho on a quadratic, d = ${dim}, |g| = ${gradNorm}`, xLabel: 'rho', yLabel: 'L(w + v) - L(w)', logX: true, logY: true },
    );
    caption.textContent =
      `eigenvalues ${lambda.map((l) => l.toPrecision(2)).join(', ')} (tr ${trace.toFixed(2)}). At large rho, worst -> rho² λmax / 2 and ascent -> rho² (g^T H g / |g|²) / 2 ` +
      `with g^T H g / |g|² = ${(ghg / gg).toFixed(2)} here: the ascent direction falls short of the worst one unless g is aligned with v1 (${tf.getBackend()}, ${((performance.now() - started) / 1000).toFixed(1)} s)`;
  };
  try {
    for (const rho of rhos) {
      if (signal?.aborted) break;
      const d = directionalSharpness(objective, { rho, samples, iterations, seed });
      rows.push({
        rho,
        worst: d.worst,
        ascent: d.ascent,
        average: d.average,
        averageStandardError: d.averageStandardError,
        exactWorst: exactWorst(lambda, g, rho),
        exactAscent: rho * Math.sqrt(gg) + (rho * rho * ghg) / (2 * gg),
        exactAverage: (rho * rho * trace) / (2 * dim),
      });
      draw();
      await nextFrame();
    }
  } finally {
    tf.dispose([data.lambda, params.w]);
  }
  draw();
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
  const result: SharpnessMeasuresResult = {
    eigenvalues: lambda,
    rows,
    ordered: rows.every((r) => r.average < r.ascent && r.ascent <= r.worst * (1 + 1e-5)),
    worstError: Math.max(...rows.map((r) => rel(r.worst, r.exactWorst))),
    ascentError: Math.max(...rows.map((r) => rel(r.ascent, r.exactAscent))),
    averageZ: Math.max(...rows.map((r) => Math.abs(r.average - r.exactAverage) / r.averageStandardError)),
    seconds: (performance.now() - started) / 1000,
    leakedTensors: 0,
  };
  result.leakedTensors = tf.memory().numTensors - before;
  return result;
}
