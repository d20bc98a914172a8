import { BasinError, checkNumber, entryPoint } from '@basin/core';
import type { PathEvaluation } from './evaluate';
import type { PlaneEvaluation } from './plane';
import { checkBoolean, describeGot, isRecord, oneOf, optionsRecord } from './checks';

// Small hand-written SVG (no plotting dependency): line charts of a metric along t, and the
// loss-surface picture over the plane through the endpoints and the bend.

export interface Series {
  label: string;
  xs: readonly number[];
  ys: readonly number[];
  color?: string;
  dashed?: boolean;
}

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (v: number): string => (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3))));

function numbers(owner: string, name: string, value: unknown, minLength = 0): readonly number[] {
  if (!Array.isArray(value)) throw new BasinError(`${owner}: ${name} must be an array of numbers, got ${describeGot(value)}`);
  value.forEach((v, i) => {
    if (typeof v !== 'number') throw new BasinError(`${owner}: ${name}[${i}] must be a number, got ${describeGot(v)}`);
  });
  if (value.length < minLength) throw new BasinError(`${owner}: ${name} needs at least ${minLength} values, got ${value.length}`);
  return value;
}

function text(owner: string, name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new BasinError(`${owner}: ${name} must be a string, got ${describeGot(value)}`);
  return value;
}

const positive = (owner: string, name: string, value: unknown, fallback: number): number =>
  checkNumber(owner, name, value ?? fallback, { min: 0, minExclusive: true });

function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A line chart of several series (e.g. loss along t for the curve and the line). */
export const lineChartSvg = entryPoint('lineChartSvg', function lineChartSvg(series: readonly Series[], options: ChartOptions = {}): string {
  const owner = 'lineChartSvg';
  if (!Array.isArray(series as unknown)) throw new BasinError(`${owner}: series must be an array of { label, xs, ys }, got ${describeGot(series)}`);
  if (series.length === 0) throw new BasinError(`${owner}: no series to plot`);
  series.forEach((entry, k) => {
    const s = entry as unknown;
    if (!isRecord(s)) throw new BasinError(`${owner}: series[${k}] must be a record { label, xs, ys }, got ${describeGot(s)}`);
    const label = text(owner, `series[${k}].label`, s.label, '');
    const xs = numbers(owner, `series[${k}].xs`, s.xs);
    const ys = numbers(owner, `series[${k}].ys`, s.ys);
    text(owner, `series[${k}].color`, s.color, '');
    checkBoolean(owner, `series[${k}].dashed`, s.dashed, false);
    if (xs.length !== ys.length || xs.length === 0) throw new BasinError(`${owner}: series '${label}' needs xs and ys of the same non-zero length`);
  });
  const o = optionsRecord(owner, options, "{ title: 'loss' }");
  const title = text(owner, 'title', o.title, '');
  const xLabel = text(owner, 'xLabel', o.xLabel, 't');
  const yLabel = text(owner, 'yLabel', o.yLabel, '');
  const width = positive(owner, 'width', o.width, 640);
  const height = positive(owner, 'height', o.height, 400);
  const m = { left: 64, right: 150, top: 36, bottom: 48 };
  const allX = series.flatMap((s) => s.xs as number[]);
  const allY = series.flatMap((s) => s.ys as number[]).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...allX), Math.max(...allX)];
  const y0 = Math.min(0, ...allY);
  let y1 = Math.max(...allY);
  if (!(y1 > y0)) y1 = y0 + 1;
  y1 += 0.05 * (y1 - y0);
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x: number): number => m.left + ((x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y: number): number => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  if (title) parts.push(`<text x="${m.left + pw / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  for (const v of niceTicks(y0, y1)) {
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${sy(v).toFixed(1)}" y2="${sy(v).toFixed(1)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${m.left - 6}" y="${(sy(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (const v of niceTicks(x0, x1)) {
    parts.push(`<line x1="${sx(v).toFixed(1)}" x2="${sx(v).toFixed(1)}" y1="${m.top + ph}" y2="${m.top + ph + 4}" stroke="black"/>`);
    parts.push(`<text x="${sx(v).toFixed(1)}" y="${m.top + ph + 18}" text-anchor="middle">${fmt(v)}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="black"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 10}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = s.xs.map((x, k) => `${sx(x).toFixed(1)},${sy(Number.isFinite(s.ys[k]) ? s.ys[k] : y1).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts}"/>`);
    const ly = m.top + 14 + i * 20;
    parts.push(`<line x1="${m.left + pw + 12}" x2="${m.left + pw + 36}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${m.left + pw + 42}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
});

export interface CurveVsLineOptions extends ChartOptions {
  metric?: 'loss' | 'accuracy';
}

/** Loss (or accuracy) along t for a curve and the straight line, train solid and test dashed. */
export const curveVsLineSvg = entryPoint('curveVsLineSvg', function curveVsLineSvg(curve: PathEvaluation, line: PathEvaluation, options: CurveVsLineOptions = {}): string {
  const owner = 'curveVsLineSvg';
  for (const [name, evaluation] of [['curve', curve], ['line', line]] as const) {
    if (!isRecord(evaluation) || !isRecord(evaluation.train)) throw new BasinError(`${owner}: ${name} must be an evaluatePath(...) result, got ${describeGot(evaluation)}`);
    numbers(owner, `${name}.ts`, evaluation.ts, 1);
  }
  const o = optionsRecord(owner, options, "{ metric: 'loss' }");
  const metric = oneOf(owner, 'metric', o.metric, ['loss', 'accuracy'] as const, 'loss');
  const series: Series[] = [];
  const add = (evaluation: PathEvaluation, name: string, color: string): void => {
    for (const split of ['train', 'test'] as const) {
      const data = evaluation[split];
      const ys = data?.[metric];
      if (ys) series.push({ label: `${name} (${split})`, xs: evaluation.ts, ys, color, dashed: split === 'test' });
    }
  };
  add(curve, 'curve', '#1f77b4');
  add(line, 'line', '#d62728');
  if (series.length === 0) throw new BasinError(`${owner}: neither evaluation has ${metric} values`);
  return lineChartSvg(series, { ...o, title: o.title ?? `${metric} along the path`, yLabel: o.yLabel ?? metric });
});

// Viridis, sampled: low values dark blue, high values yellow.
const VIRIDIS = ['#440154', '#414487', '#2a788e', '#22a884', '#7ad151', '#fde725'];
function colorAt(s: number): string {
  const x = Math.min(1, Math.max(0, s)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const rgb = (h: string): number[] => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16));
  const [a, b] = [rgb(VIRIDIS[i]), rgb(VIRIDIS[i + 1])];
  return `rgb(${a.map((v, k) => Math.round(v + f * (b[k] - v))).join(',')})`;
}

export interface PlaneSvgOptions {
  split?: 'train' | 'test';
  metric?: 'loss' | 'accuracy';
  /** Projected curve points (`plane.trace(curve.path(params))`), drawn as a white line. */
  curve?: readonly [number, number][];
  title?: string;
  /** Cap on the colour scale (values above share the top colour); default the 90th percentile. */
  vmax?: number;
  width?: number;
}

/**
 * The classic picture: the metric over the plane as a heat map (log scale for loss), the trained
 * curve, the straight line (dashed) and the three anchors (endpoints as circles, bend as a cross).
 */
export const planeSvg = entryPoint('planeSvg', function planeSvg(plane: PlaneEvaluation, options: PlaneSvgOptions = {}): string {
  const owner = 'planeSvg';
  if (!isRecord(plane)) throw new BasinError(`${owner}: plane must be an evaluatePlane(...) result, got ${describeGot(plane)}`);
  const { values, anchors } = plane;
  const xs = numbers(owner, 'plane.xs', plane.xs, 2);
  const ys = numbers(owner, 'plane.ys', plane.ys, 2);
  if (!Array.isArray(values) || values.length !== ys.length || values.some((row) => !Array.isArray(row) || row.length !== xs.length)) {
    throw new BasinError(`${owner}: plane.values must be ${ys.length} rows of ${xs.length} evaluations (values[j][i] at (xs[i], ys[j]))`);
  }
  if (!Array.isArray(anchors) || anchors.length !== 3) throw new BasinError(`${owner}: plane.anchors must be the three anchors' [x, y], got ${describeGot(anchors)}`);
  anchors.forEach((a, k) => numbers(owner, `plane.anchors[${k}]`, a, 2));
  const o = optionsRecord(owner, options, "{ split: 'train', metric: 'loss' }");
  const split = oneOf(owner, 'split', o.split, ['train', 'test'] as const, 'train');
  const metric = oneOf(owner, 'metric', o.metric, ['loss', 'accuracy'] as const, 'loss');
  const title = text(owner, 'title', o.title, `${split} ${metric} over the plane`);
  const width = positive(owner, 'width', o.width, 560);
  const curve = o.curve;
  if (curve !== undefined) {
    if (!Array.isArray(curve)) throw new BasinError(`${owner}: curve must be an array of [x, y] (plane.trace(path)), got ${describeGot(curve)}`);
    curve.forEach((p, k) => numbers(owner, `curve[${k}]`, p, 2));
  }
  if (o.vmax !== undefined) checkNumber(owner, 'vmax', o.vmax);
  const grid = values.map((row) => row.map((v) => {
    const m = v[split];
    if (!m) throw new BasinError(`planeSvg: the evaluation has no '${split}' split`);
    const value = m[metric];
    if (value === undefined) throw new BasinError(`planeSvg: the evaluation has no ${metric} for '${split}'`);
    return value;
  }));
  const flatVals = grid.flat().filter(Number.isFinite).sort((a, b) => a - b);
  const vmin = flatVals[0];
  const vmax = o.vmax ?? flatVals[Math.floor(0.9 * (flatVals.length - 1))];
  const useLog = metric === 'loss' && vmin > 0;
  const scale = (v: number): number => {
    if (!Number.isFinite(v)) return 1;
    if (metric === 'accuracy') return 1 - (v - vmin) / (vmax - vmin || 1); // low accuracy is bright
    return useLog ? (Math.log(v) - Math.log(vmin)) / (Math.log(vmax) - Math.log(vmin) || 1) : (v - vmin) / (vmax - vmin || 1);
  };
  const m = { left: 20, right: 90, top: 36, bottom: 20 };
  const [x0, x1, y0, y1] = [xs[0], xs[xs.length - 1], ys[0], ys[ys.length - 1]];
  const pw = width - m.left - m.right;
  const ph = Math.round((pw * (y1 - y0)) / (x1 - x0)); // true proportions
  const height = ph + m.top + m.bottom;
  const sx = (x: number): number => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => m.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const dx = pw / (xs.length - 1);
  const dy = ph / (ys.length - 1);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${m.left + pw / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  // Cells centred on the grid points, clipped to the plotting area.
  parts.push(`<clipPath id="plot"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/></clipPath><g clip-path="url(#plot)">`);
  grid.forEach((row, j) => row.forEach((v, i) => {
    parts.push(`<rect x="${(sx(xs[i]) - dx / 2).toFixed(1)}" y="${(sy(ys[j]) - dy / 2).toFixed(1)}" width="${(dx + 0.6).toFixed(1)}" height="${(dy + 0.6).toFixed(1)}" fill="${colorAt(scale(v))}"/>`);
  }));
  parts.push('</g>');
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="black"/>`);
  const [a, bend, b] = anchors;
  parts.push(`<line x1="${sx(a[0]).toFixed(1)}" y1="${sy(a[1]).toFixed(1)}" x2="${sx(b[0]).toFixed(1)}" y2="${sy(b[1]).toFixed(1)}" stroke="white" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  if (curve && curve.length > 1) {
    parts.push(`<polyline fill="none" stroke="white" stroke-width="2.5" points="${curve.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')}"/>`);
  }
  for (const p of [a, b]) parts.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="5" fill="white" stroke="black"/>`);
  const [bx, by] = [sx(bend[0]), sy(bend[1])];
  parts.push(`<path d="M${bx - 5},${by - 5}L${bx + 5},${by + 5}M${bx - 5},${by + 5}L${bx + 5},${by - 5}" stroke="white" stroke-width="2.5"/>`);
  // Colour bar.
  const cbx = m.left + pw + 16;
  for (let k = 0; k < 50; k++) {
    parts.push(`<rect x="${cbx}" y="${(m.top + ph - ((k + 1) * ph) / 50).toFixed(1)}" width="14" height="${(ph / 50 + 0.6).toFixed(1)}" fill="${colorAt(k / 49)}"/>`);
  }
  const label = (s: number): number => (metric === 'accuracy' ? vmax - s * (vmax - vmin) : useLog ? Math.exp(Math.log(vmin) + s * (Math.log(vmax) - Math.log(vmin))) : vmin + s * (vmax - vmin));
  for (const s of [0, 0.5, 1]) parts.push(`<text x="${cbx + 18}" y="${(m.top + ph - s * ph + 4).toFixed(1)}">${fmt(label(s))}${s === 1 && metric === 'loss' ? '+' : ''}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
});
