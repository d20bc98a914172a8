import { BasinError, checkNumber, entryPoint } from '@basin/core';
import { heatMap, lineChart, type Series as PlotSeries } from '@basin/plot';
import type { PathEvaluation } from './evaluate';
import type { PlaneEvaluation } from './plane';
import { checkBoolean, describeGot, isRecord, oneOf, optionsRecord } from './checks';

// The charts are drawn by @basin/plot (one plotting module for hessian, curve-finding, the
// examples and the playground): a metric along t for the curve and the line, and the
// loss-surface picture over the plane through the endpoints and the bend. These functions turn
// curve-finding's results into @basin/plot's input.

/** A series of `lineChartSvg` (`@basin/plot`'s `lineChart` takes `{ x, y, label }`). */
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

/** Draws checked series with @basin/plot; the y axis starts at 0 (or below, for negative values). */
function chart(series: readonly Series[], o: ChartOptions): string {
  const finite = series.flatMap((s) => s.ys.filter(Number.isFinite));
  return lineChart(
    series.map((s): PlotSeries => ({ x: s.xs, y: s.ys, label: s.label, color: s.color, dashed: s.dashed })),
    { title: o.title, xLabel: o.xLabel ?? 't', yLabel: o.yLabel, width: o.width, height: o.height, yDomain: [Math.min(0, ...finite), undefined] },
  );
}

/** A line chart of several series (e.g. loss along t for the curve and the line); drawn by @basin/plot's `lineChart`. */
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
  return chart(series, optionsRecord(owner, options, "{ title: 'loss' }"));
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
  return chart(series, { ...o, title: o.title ?? `${metric} along the path`, yLabel: o.yLabel ?? metric });
});

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
 * Drawn by @basin/plot's `heatMap`, in true proportions.
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
  const width = checkNumber(owner, 'width', o.width ?? 560, { min: 0, minExclusive: true });
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
  const [a, bend, b] = anchors;
  return heatMap(
    { x: xs, y: ys, z: grid },
    {
      title,
      width,
      aspect: 'equal',
      logZ: metric === 'loss' && vmin > 0,
      // Loss capped at the 90th percentile (the interesting low region gets the colours); low accuracy is bright.
      zDomain: [undefined, metric === 'loss' ? (vmax > vmin ? vmax : undefined) : o.vmax],
      reverse: metric === 'accuracy',
      zLabel: `${split} ${metric}`,
      lines: [
        { x: [a[0], b[0]], y: [a[1], b[1]], dashed: true },
        ...(curve && curve.length > 1 ? [{ x: curve.map((p) => p[0]), y: curve.map((p) => p[1]) }] : []),
      ],
      points: [
        { x: a[0], y: a[1] },
        { x: b[0], y: b[1] },
        { x: bend[0], y: bend[1], symbol: 'cross' },
      ],
    },
  );
});
