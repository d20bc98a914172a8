// SAM bouncing on a quadratic, live (Bartlett, Long & Bousquet, "The dynamics of sharpness-aware
// minimization: bouncing across ravines and drifting towards wide minima", JMLR 2023;
// examples/sam-quadratic-dynamics is the Node version). On a 2-D ill-conditioned quadratic
// f(w) = 1/2 w^T H w, Basin's sam(sgd) does not converge: it ends bouncing between +a v1 and
// -a v1 across the ravine, along the top eigenvector v1, with a = eta lambda_1 rho / (2 - eta
// lambda_1), while plain gradient descent with the same step converges. Runs on the active
// TF.js backend (WebGL in the playground).
import * as tf from '@tensorflow/tfjs';
import { sgd, Trainer, type Transform, type Tree } from '@basin/core';
import { sam } from '@basin/sam';
import { COLORS, drawChart, makeCanvas, nextFrame } from './phenomena-chart';

export interface SamQuadraticOptions {
  /** Eigenvalues of H: the steep (lambda_1) and the flat direction. Default 1 and 0.05. */
  lambdaSteep?: number;
  lambdaFlat?: number;
  /** Angle of the top eigenvector, in degrees. Default 30. */
  angle?: number;
  learningRate?: number;
  rho?: number;
  steps?: number;
  /** Steps between redraws. Default 10. */
  stepsPerFrame?: number;
  signal?: AbortSignal;
}

export interface SamQuadraticResult {
  /** |cos(w_T, v1)| at the end. */
  finalCos: number;
  /** |w_T|, the distance from the minimum at the end, and the predicted cycle amplitude. */
  amplitude: number;
  predicted: number;
  /** |w_T - w_T-2| / |w_T|: 0 for an exact two-point cycle. */
  period2: number;
  /** SAM ends in a two-point cycle across the minimum: |w_T| > a / 2, period 2, and w_T-1 on the other side. */
  bounces: boolean;
  /** |w_T| of gradient descent with the same learning rate. */
  gdDistance: number;
  seconds: number;
  leakedTensors: number;
}

type Batch = { h: tf.Tensor2D };
const loss = (params: Tree, batch: Batch): tf.Scalar =>
  tf.tidy(() => {
    const w = tf.reshape((params as { w: tf.Tensor1D }).w, [2, 1]);
    return tf.mul(0.5, tf.sum(tf.mul(w, tf.matMul(batch.h, w)))) as tf.Scalar;
  });

const norm2 = (w: number[]): number => Math.hypot(w[0], w[1]);

/** Runs SAM and GD side by side and draws both paths on the contours, and |cos(w_t, v1)|; resolves when done. */
export async function drawSamQuadratic(el: HTMLElement, options: SamQuadraticOptions = {}): Promise<SamQuadraticResult> {
  const { lambdaSteep = 1, lambdaFlat = 0.05, angle = 30, learningRate = 1.5, rho = 0.1, steps = 300, stepsPerFrame = 10, signal } = options;
  const before = tf.memory().numTensors;
  const started = performance.now();
  const { canvas: plane, caption } = makeCanvas(el, 560, 400);
  const { canvas: chart } = makeCanvas(el, 560, 260);
  const t = (angle * Math.PI) / 180;
  const v1 = [Math.cos(t), Math.sin(t)];
  const v2 = [-Math.sin(t), Math.cos(t)];
  const h = [0, 1].map((i) => [0, 1].map((j) => lambdaSteep * v1[i] * v1[j] + lambdaFlat * v2[i] * v2[j]));
  const predicted = (learningRate * lambdaSteep * rho) / (2 - learningRate * lambdaSteep);
  // Start high on the flat direction and off the floor of the ravine.
  const start = [0, 1].map((i) => 1.7 * v2[i] + 0.6 * v1[i]);
  const batch: Batch = { h: tf.tensor2d(h.flat(), [2, 2]) };
  const w0 = tf.tensor1d(start);
  const make = (transform: Transform<unknown>) => new Trainer<Batch>({ transform, loss, params: { w: w0 }, checkFinite: false });
  const samTrainer = make(sam(sgd({ learningRate }), { rho }));
  const gdTrainer = make(sgd({ learningRate }));
  w0.dispose();
  const read = (tr: Trainer<Batch>): number[] => Array.from((tr.params as { w: tf.Tensor1D }).w.dataSync());
  const samPath = [start];
  const gdPath = [start];
  const cosV1: number[] = [];
  const cosOf = (w: number[]) => Math.abs(w[0] * v1[0] + w[1] * v1[1]) / Math.max(norm2(w), 1e-30);

  const extent = 2.6;
  const draw = () => {
    const ctx = plane.getContext('2d');
    if (!ctx) return;
    const { width: W, height: H } = plane;
    const s = Math.min(W, H) / (2 * extent);
    const px = (w: number[]) => [W / 2 + w[0] * s, H / 2 - w[1] * s];
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    // Contours f = c: the ellipses sqrt(2c / lambda_1) cos(u) v1 + sqrt(2c / lambda_2) sin(u) v2.
    ctx.strokeStyle = '#ccc';
    ctx.lineWidth = 1;
    for (const c of [0.0005, 0.002, 0.008, 0.03, 0.08, 0.15, 0.3]) {
      ctx.beginPath();
      for (let k = 0; k <= 120; k++) {
        const u = (2 * Math.PI * k) / 120;
        const [a, b] = [Math.sqrt((2 * c) / lambdaSteep) * Math.cos(u), Math.sqrt((2 * c) / lambdaFlat) * Math.sin(u)];
        const [x, y] = px([a * v1[0] + b * v2[0], a * v1[1] + b * v2[1]]);
        if (k === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      }
      ctx.stroke();
    }
    // The eigenvector axes.
    ctx.setLineDash([4, 4]);
    ctx.strokeStyle = '#999';
    for (const [v, name] of [[v1, 'v1 (steep)'], [v2, 'v2 (flat)']] as const) {
      const [x0, y0] = px([-extent * 2 * v[0], -extent * 2 * v[1]]);
      const [x1, y1] = px([extent * 2 * v[0], extent * 2 * v[1]]);
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
      const [lx, ly] = px([0.7 * extent * v[0], 0.7 * extent * v[1]]);
      ctx.fillStyle = '#666';
      ctx.font = '12px system-ui, sans-serif';
      ctx.fillText(name, lx + 4, ly - 4);
    }
    ctx.setLineDash([]);
    const path = (p: number[][], color: string, width: number) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      p.forEach((w, k) => {
        const [x, y] = px(w);
        if (k === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
    };
    path(gdPath, COLORS[0], 1.5);
    path(samPath, COLORS[1], 1.5);
    // The predicted cycle points +-a v1.
    ctx.fillStyle = COLORS[3];
    for (const sign of [1, -1]) {
      const [x, y] = px([sign * predicted * v1[0], sign * predicted * v1[1]]);
      ctx.beginPath();
      ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.font = '13px system-ui, sans-serif';
    ctx.fillStyle = '#222';
    ctx.fillText(`f(w) = 1/2 w^T H w, eigenvalues ${lambdaSteep} and ${lambdaFlat}; eta ${learningRate}, rho ${rho}`, 8, 16);
    ctx.fillStyle = COLORS[0];
    ctx.fillText('GD', 8, H - 10);
    ctx.fillStyle = COLORS[1];
    ctx.fillText('SAM', 36, H - 10);
    ctx.fillStyle = COLORS[3];
    ctx.fillText('predicted cycle ±a v1', 72, H - 10);
    drawChart(chart, [{ x: cosV1.map((_, k) => k + 1), y: cosV1, label: 'SAM |cos(w_t, v1)|', color: COLORS[1] }], {
      title: 'Alignment of the SAM iterate with the top eigenvector',
      xLabel: 'step',
      yLabel: '|cos(w_t, v1)|',
      yRange: [0, 1],
    });
    const w = samPath[samPath.length - 1];
    caption.textContent =
      `step ${samPath.length - 1}: SAM |w| = ${norm2(w).toFixed(4)} (predicted cycle a = eta lambda rho / (2 - eta lambda) = ${predicted.toFixed(4)}), ` +
      `GD |w| = ${norm2(gdPath[gdPath.length - 1]).toExponential(1)} (${tf.getBackend()}, ${((performance.now() - started) / 1000).toFixed(1)} s)`;
  };
  try {
    for (let k = 1; k <= steps; k++) {
      if (signal?.aborted) break;
      samTrainer.step(batch);
      gdTrainer.step(batch);
      samPath.push(read(samTrainer));
      gdPath.push(read(gdTrainer));
      cosV1.push(cosOf(samPath[k]));
      if (k % stepsPerFrame === 0 || k === steps) {
        draw();
        await nextFrame();
      }
    }
  } finally {
    samTrainer.dispose();
    gdTrainer.dispose();
    batch.h.dispose();
  }
  draw();
  const T = samPath.length - 1;
  const [w, prev, prev2] = [samPath[T], samPath[T - 1], samPath[T - 2]];
  const amplitude = norm2(w);
  const period2 = norm2([w[0] - prev2[0], w[1] - prev2[1]]) / amplitude;
  const opposite = (w[0] * prev[0] + w[1] * prev[1]) / (amplitude * norm2(prev)) < -0.99;
  const result: SamQuadraticResult = {
    finalCos: cosOf(w),
    amplitude,
    predicted,
    period2,
    bounces: amplitude > predicted / 2 && period2 < 1e-3 && opposite,
    gdDistance: norm2(gdPath[T]),
    seconds: (performance.now() - started) / 1000,
    leakedTensors: 0,
  };
  result.leakedTensors = tf.memory().numTensors - before;
  return result;
}
