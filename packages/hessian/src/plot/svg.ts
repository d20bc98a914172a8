import { BasinError, checkNumber, entryPoint } from '@basin/core';
import type { SpectralDensity } from '../spectrum/density';
import { checkBoolean, describeGot, optionsRecord } from '../checks';

export interface Series {
  x: number[];
  y: number[];
  label?: string;
}

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Log-scale y axis (non-positive values are dropped). */
  logY?: boolean;
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : Number(v.toPrecision(3)).toString());

const isNumbers = (x: unknown): x is ArrayLike<number> => Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));

function numbers(owner: string, name: string, value: unknown, nonEmpty = false): ArrayLike<number> {
  if (!isNumbers(value)) throw new BasinError(`${owner}: ${name} must be an array of numbers, got ${describeGot(value)}`);
  if (nonEmpty && value.length === 0) throw new BasinError(`${owner}: ${name} is empty`);
  return value;
}

function text(owner: string, name: string, value: unknown): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new BasinError(`${owner}: ${name} must be a string, got ${describeGot(value)}`);
  return value;
}

/** Checks the chart options shared by the plots. */
function chartOptions(owner: string, options: ChartOptions | undefined, width: number, height: number) {
  const o = optionsRecord(owner, options);
  return {
    title: text(owner, 'title', o.title),
    xLabel: text(owner, 'xLabel', o.xLabel),
    yLabel: text(owner, 'yLabel', o.yLabel),
    logY: checkBoolean(owner, 'logY', o.logY, false),
    width: checkNumber(owner, 'width', o.width ?? width, { min: 0, minExclusive: true }),
    height: checkNumber(owner, 'height', o.height ?? height, { min: 0, minExclusive: true }),
  };
}

function ticks(lo: number, hi: number, n = 5): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

/** A line chart as an SVG string (no dependencies). */
export const lineChartSvg = entryPoint('lineChartSvg', function lineChartSvg(series: Series[], options: ChartOptions = {}): string {
  const owner = 'lineChartSvg';
  if (!Array.isArray(series) || series.length === 0) throw new BasinError(`${owner}: series must be a non-empty array of { x, y, label? }, got ${describeGot(series)}`);
  series.forEach((s, k) => {
    if (typeof s !== 'object' || s === null) throw new BasinError(`${owner}: series[${k}] must be a record { x, y, label? }, got ${describeGot(s)}`);
    numbers(owner, `series[${k}].x`, s.x);
    numbers(owner, `series[${k}].y`, s.y);
    text(owner, `series[${k}].label`, s.label);
  });
  const { title, xLabel, yLabel, logY, width, height } = chartOptions(owner, options, 640, 400);
  const m = { left: 70, right: 20, top: 36, bottom: 50 };
  const tr = (y: number) => (logY ? Math.log10(y) : y);
  const pts = series.map((s) => {
    if (s.x.length !== s.y.length) throw new BasinError(`lineChartSvg: series '${s.label ?? ''}' has ${s.x.length} x values and ${s.y.length} y values`);
    return Array.from(s.x, (x, i) => [x, s.y[i]] as [number, number]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0));
  });
  const all = pts.flat();
  if (all.length === 0) throw new BasinError('lineChartSvg: no finite points to plot');
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...all.map((p) => tr(p[1]))), Math.max(...all.map((p) => tr(p[1])))];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number) => m.top + ph - ((tr(y) - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  for (const t of ticks(x0, x1)) parts.push(`<text x="${sx(t).toFixed(1)}" y="${height - m.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  for (const t of ticks(y0, y1)) {
    const y = m.top + ph - ((t - y0) / (y1 - y0)) * ph;
    parts.push(`<text x="${m.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${logY ? `1e${t.toFixed(1)}` : fmt(t)}</text>`);
    parts.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#eee"/>`);
  }
  pts.forEach((p, k) => {
    const d = p.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
    parts.push(`<path d="${d}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.6"/>`);
    if (series[k].label) {
      parts.push(`<text x="${m.left + pw - 8}" y="${m.top + 16 + 16 * k}" text-anchor="end" fill="${COLORS[k % COLORS.length]}">${esc(series[k].label as string)}</text>`);
    }
  });
  parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 12}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
});

/** Spectral densities (log-scale y by default, as PyHessian plots them). */
export const densitySvg = entryPoint('densitySvg', function densitySvg(densities: { density: SpectralDensity; label?: string }[], options: ChartOptions = {}): string {
  const owner = 'densitySvg';
  if (!Array.isArray(densities) || densities.length === 0) throw new BasinError(`${owner}: densities must be a non-empty array of { density, label? }, got ${describeGot(densities)}`);
  densities.forEach((d, k) => {
    const density = (d as { density?: Partial<SpectralDensity> } | null)?.density;
    if (typeof density !== 'object' || density === null) throw new BasinError(`${owner}: densities[${k}].density must be a spectralDensity(...) result, got ${describeGot(density)}`);
    numbers(owner, `densities[${k}].density.grid`, density.grid);
    numbers(owner, `densities[${k}].density.density`, density.density);
  });
  optionsRecord(owner, options);
  return lineChartSvg(
    densities.map(({ density, label }) => ({ x: density.grid, y: density.density, label })),
    { title: 'Hessian spectral density', xLabel: 'eigenvalue', yLabel: 'density', logY: true, ...options },
  );
});

/** A heat map of z[i][j] over x[i] (horizontal) and y[j] (vertical), e.g. a 2D loss slice. */
export const heatmapSvg = entryPoint('heatmapSvg', function heatmapSvg(x: number[], y: number[], z: number[][], options: ChartOptions & { logZ?: boolean } = {}): string {
  const owner = 'heatmapSvg';
  numbers(owner, 'x', x, true);
  numbers(owner, 'y', y, true);
  if (!Array.isArray(z)) throw new BasinError(`${owner}: z must be an array of rows of numbers, got ${describeGot(z)}`);
  z.forEach((row, i) => numbers(owner, `z[${i}]`, row));
  if (z.length !== x.length || z.some((row) => row.length !== y.length)) throw new BasinError(`${owner}: z must be ${x.length} rows of ${y.length} values`);
  const { title, xLabel, yLabel, width, height } = chartOptions(owner, options, 480, 440);
  const logZ = checkBoolean(owner, 'logZ', optionsRecord(owner, options).logZ, false);
  const m = { left: 60, right: 70, top: 36, bottom: 50 };
  const pw = width - m.left - m.right;
  const ph = height - m.top - m.bottom;
  const tz = (v: number) => (logZ ? Math.log10(Math.max(v, 1e-30)) : v);
  const flat = z.flat().filter(Number.isFinite).map(tz);
  const lo = Math.min(...flat);
  const hi = Math.max(...flat);
  const color = (v: number): string => {
    const t = Number.isFinite(v) ? (tz(v) - lo) / (hi - lo || 1) : 1;
    // Blue (low) to yellow (high) through purple and orange.
    const r = Math.round(255 * Math.min(1, 1.5 * t));
    const g = Math.round(255 * Math.max(0, t * t));
    const b = Math.round(255 * Math.max(0, 1 - 1.8 * t) * 0.9 + 30 * (1 - t));
    return `rgb(${r},${g},${Math.min(255, b)})`;
  };
  const cw = pw / x.length;
  const ch = ph / y.length;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`, `<rect width="${width}" height="${height}" fill="white"/>`];
  z.forEach((row, i) =>
    row.forEach((v, j) => parts.push(`<rect x="${(m.left + i * cw).toFixed(1)}" y="${(m.top + ph - (j + 1) * ch).toFixed(1)}" width="${(cw + 0.5).toFixed(1)}" height="${(ch + 0.5).toFixed(1)}" fill="${color(v)}"/>`)),
  );
  for (const t of ticks(0, x.length - 1)) parts.push(`<text x="${(m.left + (t + 0.5) * cw).toFixed(1)}" y="${height - m.bottom + 16}" text-anchor="middle">${fmt(x[Math.round(t)])}</text>`);
  for (const t of ticks(0, y.length - 1)) parts.push(`<text x="${m.left - 6}" y="${(m.top + ph - (t + 0.5) * ch + 4).toFixed(1)}" text-anchor="end">${fmt(y[Math.round(t)])}</text>`);
  for (let k = 0; k <= 10; k++) {
    const v = lo + ((hi - lo) * k) / 10;
    const yy = m.top + ph - (ph * (k + 1)) / 11;
    parts.push(`<rect x="${width - m.right + 10}" y="${yy.toFixed(1)}" width="14" height="${(ph / 11 + 0.5).toFixed(1)}" fill="${color(logZ ? 10 ** v : v)}"/>`);
    if (k % 5 === 0) parts.push(`<text x="${width - m.right + 28}" y="${(yy + ph / 22 + 4).toFixed(1)}">${logZ ? `1e${v.toFixed(1)}` : fmt(v)}</text>`);
  }
  parts.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`);
  parts.push(`<text x="${m.left + pw / 2}" y="${height - 12}" text-anchor="middle">${esc(xLabel)}</text>`);
  parts.push(`<text transform="translate(16 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
});
