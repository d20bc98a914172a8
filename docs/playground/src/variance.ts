// Variance reduction, live: SGD, SVRG and SAG (@basin/variance-reduction) at the same step size
// on a 2-D least-squares finite sum (64 noisy points, 16 fixed minibatches of 4), with the
// paths in the parameter plane, the distance to the minimiser, and SVRG's variance ratio
// Var[SGD estimate] / Var[SVRG estimate] at SVRG's iterate, measured over all 16 batches.
// SGD stalls at its noise floor; SVRG and SAG converge linearly. Self-contained: it builds its
// own controls and canvases inside the element given to `mountVarianceDemo`.
import * as tf from '@tensorflow/tfjs';
import { datasetGradient, sag, svrg, svrgVariance, type SvrgState } from '@basin/variance-reduction';
import { mulberry32, sgd, Trainer, valueAndGrad, type Transform, type Tree } from '@basin/core';

export interface VarianceDemoOptions {
  /** Step size shared by the three methods. Default 0.1. */
  learningRate?: number;
  /** Epochs (16 steps each) between SVRG snapshots. Default 1. */
  snapshotEpochs?: number;
  /** Data and batch-order seed. Default 0. */
  seed?: number;
}

type Batch = { x: tf.Tensor2D; y: tf.Tensor1D };
const ROWS = 64;
const BATCH = 4;
const BATCHES = ROWS / BATCH;

const loss = (params: Tree, b: Batch): tf.Scalar =>
  tf.tidy(() => tf.mul(0.5, tf.mean(tf.square(tf.sub(tf.squeeze(tf.matMul(b.x, tf.reshape((params as { w: tf.Tensor }).w, [2, 1])), [1]), b.y)))) as tf.Scalar);

/** The problem: features with different scales (an elongated valley) and noisy targets. */
function makeProblem(seed: number) {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const xs = Array.from({ length: ROWS }, () => [1.2 * gauss(), 0.7 * gauss()]);
  const ys = xs.map(([a, b]) => 1.2 * a - 0.8 * b + 0.5 * gauss());
  // w* from the normal equations (2x2).
  let a = 0, b = 0, c = 0, u = 0, v = 0;
  for (let r = 0; r < ROWS; r++) {
    a += xs[r][0] ** 2; b += xs[r][0] * xs[r][1]; c += xs[r][1] ** 2; u += xs[r][0] * ys[r]; v += xs[r][1] * ys[r];
  }
  const det = a * c - b * b;
  const optimum: [number, number] = [(c * u - b * v) / det, (a * v - b * u) / det];
  const hessian = [[a / ROWS, b / ROWS], [b / ROWS, c / ROWS]];
  return { xs, ys, optimum, hessian };
}

export interface Racer {
  name: string;
  color: string;
  trainer: Trainer<Batch>;
  path: [number, number][];
  /** Distance to the minimiser after each step. */
  distances: number[];
  error?: string;
}

/** The headless part: three trainers on the same batches in the same order, and SVRG's variance ratio. */
export class VarianceRace {
  readonly racers: Racer[];
  readonly optimum: [number, number];
  readonly hessian: number[][];
  /** [step, ratio] pairs, measured every `measureEvery` steps at SVRG's iterate. */
  readonly ratios: [number, number][] = [];
  steps = 0;
  private readonly batches: Batch[];
  private readonly all: Batch;
  private readonly order: () => number;
  private current = 0;
  private readonly grad = valueAndGrad(loss);

  constructor(readonly options: VarianceDemoOptions = {}, readonly start: [number, number] = [-2, 2.5], readonly measureEvery = 4) {
    const { learningRate = 0.1, snapshotEpochs = 1, seed = 0 } = options;
    const p = makeProblem(seed);
    this.optimum = p.optimum;
    this.hessian = p.hessian;
    this.all = { x: tf.tensor2d(p.xs), y: tf.tensor1d(p.ys) };
    this.batches = Array.from({ length: BATCHES }, (_, b) => ({ x: tf.tensor2d(p.xs.slice(b * BATCH, (b + 1) * BATCH)), y: tf.tensor1d(p.ys.slice(b * BATCH, (b + 1) * BATCH)) }));
    const random = mulberry32(seed + 1);
    this.order = () => Math.floor(random() * BATCHES);
    const make = (name: string, color: string, transform: Transform<any>): Racer => {
      const params = { w: tf.tensor1d(start) };
      const trainer = new Trainer<Batch>({ transform, loss, params });
      params.w.dispose();
      return { name, color, trainer, path: [[...start]], distances: [Math.hypot(start[0] - p.optimum[0], start[1] - p.optimum[1])] };
    };
    this.racers = [
      make('SGD', '#e6194b', sgd({ learningRate })),
      make('SVRG', '#4363d8', svrg({ learningRate, fullGradient: datasetGradient(loss, this.all), snapshotEvery: snapshotEpochs * BATCHES })),
      make('SAG', '#3cb44b', sag({ learningRate, batches: BATCHES, batchIndex: () => this.current })),
    ];
  }

  /** `n` steps for every racer on the same random batches; a racer that fails stops with its message. */
  step(n = 1): void {
    for (let k = 0; k < n; k++) {
      this.current = this.order();
      for (const r of this.racers) {
        if (r.error) continue;
        try {
          r.trainer.step(this.batches[this.current]);
          const w = (r.trainer.params as { w: tf.Tensor }).w.dataSync();
          r.path.push([w[0], w[1]]);
          r.distances.push(Math.hypot(w[0] - this.optimum[0], w[1] - this.optimum[1]));
        } catch (e) {
          r.error = (e as Error).message;
        }
      }
      this.steps++;
      if (this.steps % this.measureEvery === 0) this.measure();
    }
  }

  private measure(): void {
    const vr = this.racers[1];
    if (vr.error) return;
    const state = vr.trainer.state as SvrgState;
    const gradientAt = (params: Tree, b: number): Tree => {
      const { loss: l, grads } = this.grad(params, this.batches[b]);
      l.dispose();
      return grads;
    };
    const v = svrgVariance({ gradientAt, batches: BATCHES, params: vr.trainer.params, snapshotParams: state.snapshotParams });
    // Right after a snapshot SVRG's variance is exactly 0 (ratio infinite): nothing to draw.
    if (Number.isFinite(v.total.ratio)) this.ratios.push([this.steps, v.total.ratio]);
  }

  /** Numbers for a test or a status line. */
  snapshot(): { steps: number; numTensors: number; racers: { name: string; distance: number; error?: string }[]; lastRatio?: number } {
    return {
      steps: this.steps,
      numTensors: tf.memory().numTensors,
      racers: this.racers.map((r) => ({ name: r.name, distance: r.distances[r.distances.length - 1], error: r.error })),
      lastRatio: this.ratios.length ? this.ratios[this.ratios.length - 1][1] : undefined,
    };
  }

  dispose(): void {
    for (const r of this.racers) r.trainer.dispose();
    tf.dispose([this.all.x, this.all.y, ...this.batches.flatMap((b) => [b.x, b.y])]);
  }
}

// ---------------------------------------------------------------------------------------------
// Drawing (plain canvas).

function drawPlane(canvas: HTMLCanvasElement, race: VarianceRace): void {
  const ctx = canvas.getContext('2d')!;
  const { width: w, height: h } = canvas;
  const [cx, cy] = race.optimum;
  const span = 3.5;
  const x0 = cx - span, x1 = cx + span, y0 = cy - span * (h / w), y1 = cy + span * (h / w);
  const px = (x: number) => ((x - x0) / (x1 - x0)) * w;
  const py = (y: number) => ((y1 - y) / (y1 - y0)) * h;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  // Level sets of the quadratic: (w - w*)^T H (w - w*) = c, drawn as ellipses.
  const [[a, b], [, c]] = race.hessian;
  const tr = a + c, det = a * c - b * b;
  const l1 = tr / 2 + Math.sqrt((tr * tr) / 4 - det), l2 = tr / 2 - Math.sqrt((tr * tr) / 4 - det);
  const angle = Math.atan2(l1 - a, b || 1e-12);
  ctx.strokeStyle = '#ddd';
  for (let k = 1; k <= 8; k++) {
    const level = 0.05 * 2 ** k;
    ctx.beginPath();
    ctx.ellipse(px(cx), py(cy), (Math.sqrt(level / l1) / (x1 - x0)) * w, (Math.sqrt(level / l2) / (y1 - y0)) * h, -angle, 0, 2 * Math.PI);
    ctx.stroke();
  }
  for (const r of race.racers) {
    ctx.strokeStyle = r.color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    r.path.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
    ctx.stroke();
  }
  ctx.fillStyle = '#000';
  ctx.beginPath();
  ctx.arc(px(cx), py(cy), 4, 0, 2 * Math.PI);
  ctx.fill();
}

function drawLogSeries(canvas: HTMLCanvasElement, title: string, series: { color: string; points: [number, number][] }[], level?: number): void {
  const ctx = canvas.getContext('2d')!;
  const { width: w, height: h } = canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = '#333';
  ctx.font = '13px sans-serif';
  ctx.fillText(title, 8, 16);
  const ys = series.flatMap((s) => s.points.map(([, y]) => y)).filter((y) => y > 0 && Number.isFinite(y));
  if (ys.length === 0) return;
  if (level !== undefined) ys.push(level);
  const lo = Math.floor(Math.log10(Math.min(...ys)));
  const hi = Math.ceil(Math.log10(Math.max(...ys)));
  const xMax = Math.max(2, ...series.flatMap((s) => s.points.map(([x]) => x)));
  const px = (x: number) => 44 + (x / xMax) * (w - 54);
  const py = (y: number) => 26 + ((hi - Math.log10(y)) / Math.max(hi - lo, 1)) * (h - 40);
  ctx.fillStyle = '#888';
  for (let e = lo; e <= hi; e++) ctx.fillText(`1e${e}`, 4, py(10 ** e) + 4);
  if (level !== undefined) {
    ctx.strokeStyle = '#999';
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(px(0), py(level));
    ctx.lineTo(px(xMax), py(level));
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.lineWidth = 2;
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.beginPath();
    s.points.filter(([, y]) => y > 0 && Number.isFinite(y)).forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
    ctx.stroke();
  }
}

/**
 * Builds the demo inside `container`: controls (step size, epochs between snapshots, run /
 * reset), the paths in the parameter plane, the distance to the minimiser and SVRG's variance
 * ratio (a dashed line at 1: no reduction). Returns the live race (for tests) and a `dispose`.
 */
export function mountVarianceDemo(container: HTMLElement, options: VarianceDemoOptions = {}): { race: () => VarianceRace; dispose: () => void } {
  container.innerHTML =
    '<h2 style="font-size:17px;margin:16px 0 4px">Variance reduction: SGD, SVRG and SAG at the same step size</h2>' +
    '<p style="margin:0 0 6px;color:#555">2-D least squares, 64 noisy points in 16 fixed batches of 4. Legend: <span style="color:#e6194b">SGD</span>, <span style="color:#4363d8">SVRG</span> (snapshot every epoch), <span style="color:#3cb44b">SAG</span>.</p>' +
    '<p>lr <input data-k="lr" type="number" step="0.05" value="' + (options.learningRate ?? 0.1) + '" style="width:64px"> ' +
    'epochs between snapshots <input data-k="snap" type="number" min="1" step="1" value="' + (options.snapshotEpochs ?? 1) + '" style="width:48px"> ' +
    '<button data-k="run">Run</button> <button data-k="reset">Reset</button> <span data-k="status"></span></p>' +
    '<div style="display:flex;gap:12px;flex-wrap:wrap"><canvas data-k="plane" width="360" height="300" style="border:1px solid #ccc"></canvas>' +
    '<canvas data-k="dist" width="360" height="300" style="border:1px solid #ccc"></canvas>' +
    '<canvas data-k="ratio" width="360" height="300" style="border:1px solid #ccc"></canvas></div>';
  const el = <T extends HTMLElement>(k: string) => container.querySelector(`[data-k="${k}"]`) as T;
  let race = new VarianceRace(options);
  let running = false;
  const draw = () => {
    drawPlane(el<HTMLCanvasElement>('plane'), race);
    drawLogSeries(el<HTMLCanvasElement>('dist'), `distance to the minimiser, step ${race.steps}`, race.racers.map((r) => ({ color: r.color, points: r.distances.map((d, i) => [i, d] as [number, number]) })));
    drawLogSeries(el<HTMLCanvasElement>('ratio'), 'SVRG: Var[SGD] / Var[SVRG] (dashed: 1)', [{ color: '#4363d8', points: race.ratios }], 1);
    const errors = race.racers.filter((r) => r.error).map((r) => `${r.name}: ${r.error}`);
    el('status').textContent = errors.length ? errors.join('; ') : `tensors ${tf.memory().numTensors}`;
  };
  const reset = () => {
    race.dispose();
    race = new VarianceRace({ learningRate: Number(el<HTMLInputElement>('lr').value), snapshotEpochs: Math.max(1, Math.round(Number(el<HTMLInputElement>('snap').value))), seed: options.seed });
    draw();
  };
  const frame = () => {
    if (!running) return;
    race.step(2);
    draw();
    if (race.steps >= 800) {
      running = false;
      el('run').textContent = 'Run';
    } else requestAnimationFrame(frame);
  };
  el('run').onclick = () => {
    running = !running;
    el('run').textContent = running ? 'Pause' : 'Run';
    if (running) requestAnimationFrame(frame);
  };
  el('reset').onclick = reset;
  el('lr').onchange = reset;
  el('snap').onchange = reset;
  draw();
  return {
    race: () => race,
    dispose: () => {
      running = false;
      race.dispose();
      container.innerHTML = '';
    },
  };
}
