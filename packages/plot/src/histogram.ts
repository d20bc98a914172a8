// Distributions: histograms of raw values, and smooth densities on a grid (the spectral density of
// @basin/hessian plots as it is).
import { PALETTE } from './color';
import { checkBoolean, checkDomain, checkNumber, checkNumbers, checkOptions, checkString, fail, isNumbers, type Numbers } from './errors';
import { escapeXml, px } from './format';
import { type FrameOptions, type LegendEntry, type LegendPlace } from './frame';
import { asList, extent, renderLines, styleOf, xyChart, xyOptions, type LineChartOptions } from './line-chart';
import { niceDomain } from './scale';

export interface HistogramSeries {
  values: Numbers;
  label?: string;
  color?: string;
}

export interface HistogramOptions extends FrameOptions {
  /** A number of equal bins (default about the square root of the count, 5 to 50), or the bin edges. */
  bins?: number | Numbers;
  /** The range the equal bins cover; default the values' range. Values outside it are not counted. */
  range?: readonly [number, number];
  /** Bar heights as a density (the bars' area sums to 1) instead of counts. */
  density?: boolean;
  logY?: boolean;
  legend?: LegendPlace;
}

/**
 * A histogram as an SVG string, of one array of values or of several labelled series
 * (`{ values, label?, color? }`, drawn translucent over each other). NaN and infinite values are
 * left out, and the legend says how many.
 */
export function histogram(data: Numbers | HistogramSeries | readonly HistogramSeries[], options: HistogramOptions = {}): string {
  const owner = 'histogram';
  let list: { values: Numbers; label: string; color: string }[];
  if (isNumbers(data) && (data.length === 0 || typeof data[0] === 'number')) {
    list = [{ values: checkNumbers(owner, 'data', data, 1), label: '', color: PALETTE[0] }];
  } else {
    const { items, names } = asList(owner, 'data', data, 'an array of numbers or series { values, label? }');
    list = items.map((s, k) => ({
      values: checkNumbers(owner, `${names[k]}.values`, s.values, 1),
      label: checkString(owner, `${names[k]}.label`, s.label),
      color: checkString(owner, `${names[k]}.color`, s.color, PALETTE[k % PALETTE.length]),
    }));
  }
  const o = checkOptions(owner, options);
  const xy = xyOptions(owner, o, {});
  const asDensity = checkBoolean(owner, 'density', o.density, false);
  const all = extent(list.flatMap((s) => Array.from(s.values)), false);
  const range = checkDomain(owner, 'range', o.range);
  if (!all && (range[0] === undefined || range[1] === undefined)) return fail(owner, 'no finite value to count: every value is NaN or infinite');
  let [lo, hi] = [range[0] ?? all![0], range[1] ?? all![1]];
  if (!(hi > lo)) [lo, hi] = [lo - 0.5, hi + 0.5];
  let edges: number[];
  if (o.bins === undefined || typeof o.bins === 'number') {
    const count = list.reduce((n, s) => n + s.values.length, 0) / list.length;
    const bins = checkNumber(owner, 'bins', o.bins ?? Math.min(50, Math.max(5, Math.ceil(Math.sqrt(count)))), { min: 1, integer: true });
    edges = Array.from({ length: bins + 1 }, (_, k) => lo + ((hi - lo) * k) / bins);
  } else {
    edges = Array.from(checkNumbers(owner, 'bins', o.bins, 2));
    edges.forEach((e, k) => {
      checkNumber(owner, `bins[${k}]`, e);
      if (k > 0 && !(e > edges[k - 1])) fail(owner, `bins (the edges) must be increasing, got bins[${k}] = ${e} after ${edges[k - 1]}`);
    });
  }
  const nb = edges.length - 1;
  const heights = list.map((s) => {
    const counts = new Array<number>(nb).fill(0);
    let inside = 0;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (!Number.isFinite(v) || v < edges[0] || v > edges[nb]) continue;
      let k = 0;
      while (k < nb - 1 && v >= edges[k + 1]) k++;
      counts[k]++;
      inside++;
    }
    return asDensity ? counts.map((c, k) => (inside > 0 ? c / (inside * (edges[k + 1] - edges[k])) : 0)) : counts;
  });
  const dropped = list.map((s) => Array.from(s.values).filter((v) => !Number.isFinite(v)).length);
  const top = Math.max(...heights.flat());
  const positive = heights.flat().filter((h) => h > 0);
  const yData: [number, number] = xy.logY ? (positive.length ? [Math.min(...positive), top] : [1, 10]) : [0, top > 0 ? top : 1];
  if (xy.logY) yData[0] = niceDomain(yData[0], yData[0], true)[0];
  const entries: LegendEntry[] = list.flatMap((s, k) => {
    const note = dropped[k] > 0 ? ` (${dropped[k]} NaN/inf left out)` : '';
    return s.label || note ? [{ label: `${s.label || 'values'}${note}`, color: s.color, dashed: false, kind: 'box' as const }] : [];
  });
  return xyChart(xy, [edges[0], edges[nb]], yData, entries, (x, y) => {
    const base = y.map(y.domain[0]);
    const out: string[] = [];
    list.forEach((s, k) => {
      const color = escapeXml(s.color);
      const opacity = list.length > 1 ? 0.45 : 0.8;
      out.push(`<g class="series" data-index="${k}"${s.label ? ` data-label="${escapeXml(s.label)}"` : ''} fill="${color}" fill-opacity="${opacity}" stroke="${list.length > 1 ? color : 'white'}" stroke-width="${list.length > 1 ? 1 : 0.5}">`);
      heights[k].forEach((h, b) => {
        if (!(h > 0)) return;
        const [x0, x1, yh] = [x.map(edges[b]), x.map(edges[b + 1]), y.map(h)];
        out.push(`<rect class="bar" x="${px(x0)}" y="${px(yh)}" width="${px(x1 - x0)}" height="${px(base - yh)}"/>`);
      });
      out.push('</g>');
    });
    return out;
  });
}

/** A density on a grid, as `spectralDensity` of @basin/hessian returns it (other fields are ignored). */
export interface DensityLike {
  grid: Numbers;
  density: Numbers;
  label?: string;
  color?: string;
  dashed?: boolean;
}

export interface DensityPlotOptions extends LineChartOptions {
  /**
   * On the log axis (the default), the lowest value shown as a fraction of the highest peak:
   * Gaussian tails fall off fast and would otherwise squash the picture. Default 1e-6.
   */
  floor?: number;
}

/**
 * Densities on a grid as an SVG line chart, log y by default (as PyHessian plots spectra): one
 * `spectralDensity(...)` result or several (`{ ...density, label: 'SGD' }`), axes labelled
 * eigenvalue and density.
 */
export function densityPlot(densities: DensityLike | readonly DensityLike[], options: DensityPlotOptions = {}): string {
  const owner = 'densityPlot';
  const { items, names } = asList(owner, 'densities', densities, 'spectral densities { grid, density, label? }');
  const series = items.map((d, k) => {
    const x = checkNumbers(owner, `${names[k]}.grid`, d.grid);
    const y = checkNumbers(owner, `${names[k]}.density`, d.density);
    if (x.length !== y.length) fail(owner, `${names[k]} has ${x.length} grid values and ${y.length} density values`);
    const style = styleOf(owner, names[k], { ...d, style: undefined }, k);
    return { x, y, ...style };
  });
  const o = checkOptions(owner, options);
  const xy = xyOptions(owner, o, { xLabel: 'eigenvalue', yLabel: 'density', logY: true });
  const floor = checkNumber(owner, 'floor', o.floor ?? 1e-6, { min: 0, minExclusive: true, max: 1 });
  if (xy.logY && xy.yDomain[0] === undefined) {
    const peak = extent(series.flatMap((s) => Array.from(s.y)), true);
    if (peak) {
      const lowest = extent(series.flatMap((s) => Array.from(s.y)).filter((v) => v >= peak[1] * floor), true)!;
      xy.yDomain = [niceDomain(lowest[0], peak[1], true)[0], xy.yDomain[1]];
    }
  }
  return renderLines(owner, series, xy);
}
