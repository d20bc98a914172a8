// Line charts (and scatter plots): several series on shared axes, linear or log, with a legend.
import { PALETTE } from './color';
import { checkBoolean, checkDomain, checkNumber, checkNumbers, checkOneOf, checkOptions, checkString, describe, fail, isRecord, type Numbers } from './errors';
import { escapeXml, px, textWidth } from './format';
import { axes, clipDef, finish, FONT_SIZE, frameOptions, ID_TOKEN, labels, legend, legendPlace, legendWidth, openDocument, plotArea, tickCount, tickLabels, type Frame, type FrameOptions, type LegendEntry, type LegendPlace } from './frame';
import { niceDomain, scale, type Scale } from './scale';

/** How a series is drawn: a line (default), points only (a scatter plot), or both. */
export type SeriesStyle = 'line' | 'points' | 'both';

export interface SeriesStyleOptions {
  /** Legend text; series without one are left out of the legend. */
  label?: string;
  /** Any SVG colour; default the next of `PALETTE`. */
  color?: string;
  dashed?: boolean;
  style?: SeriesStyle;
}

/** One series: `y[i]` at `x[i]`. A NaN or infinite value (or one <= 0 on a log axis) leaves a gap. */
export interface Series extends SeriesStyleOptions {
  x: Numbers;
  y: Numbers;
}

/** A 1-D loss slice as `lossSlice1D` and `linearPath` of @basin/hessian return it: `losses[i]` at `alphas[i]`. */
export interface Slice1DLike extends SeriesStyleOptions {
  alphas: Numbers;
  losses: Numbers;
}

export type LineData = Series | Slice1DLike;

type Domain = readonly [number | undefined, number | undefined];

export interface LineChartOptions extends FrameOptions {
  logX?: boolean;
  logY?: boolean;
  /** Axis ranges; an end left undefined comes from the data (y widened to round numbers). */
  xDomain?: Domain;
  yDomain?: Domain;
  /** Where the legend goes: `'right'` of the plot (default), `'inside'` its top-right corner, or `'none'`. */
  legend?: LegendPlace;
  /** Horizontal reference lines (dashed grey), e.g. an optimum or a ratio of 1, labelled at the right end. */
  levels?: readonly Level[];
}

export interface Level {
  y: number;
  label?: string;
}

/** A series after checking: arrays of numbers, a colour and a style. */
export interface Drawn {
  x: Numbers;
  y: Numbers;
  label: string;
  color: string;
  dashed: boolean;
  style: SeriesStyle;
}

/** Checks the style fields shared by every kind of series. */
export function styleOf(owner: string, name: string, s: Record<string, unknown>, k: number): Omit<Drawn, 'x' | 'y'> {
  return {
    label: checkString(owner, `${name}.label`, s.label),
    color: checkString(owner, `${name}.color`, s.color, PALETTE[k % PALETTE.length]),
    dashed: checkBoolean(owner, `${name}.dashed`, s.dashed, false),
    style: checkOneOf(owner, `${name}.style`, s.style, ['line', 'points', 'both'] as const, 'line'),
  };
}

/** One series or an array of them, as a list; `what` describes an element for messages. */
export function asList(owner: string, argName: string, value: unknown, what: string): { items: Record<string, unknown>[]; names: string[] } {
  if (isRecord(value)) return { items: [value], names: [argName] };
  if (!Array.isArray(value) || value.length === 0) return fail(owner, `${argName} must be a non-empty array of ${what} (or one of them), got ${describe(value)}`);
  const items = value.map((s, k) => (isRecord(s) ? s : fail(owner, `${argName}[${k}] must be ${what}, got ${describe(s)}`)));
  return { items, names: items.map((_, k) => `${argName}[${k}]`) };
}

function lineSeries(owner: string, value: unknown): { series: Drawn[]; slices: boolean } {
  const { items, names } = asList(owner, 'series', value, '{ x, y, label? } or loss slices { alphas, losses }');
  let slices = false;
  const series = items.map((s, k) => {
    const name = names[k];
    const isSlice = !('x' in s) && !('y' in s) && ('alphas' in s || 'losses' in s);
    slices ||= isSlice;
    const [xName, yName] = isSlice ? ['alphas', 'losses'] : ['x', 'y'];
    const x = checkNumbers(owner, `${name}.${xName}`, s[xName]);
    const y = checkNumbers(owner, `${name}.${yName}`, s[yName]);
    const style = styleOf(owner, name, s, k);
    if (x.length !== y.length) fail(owner, `${name}${style.label ? ` ('${style.label}')` : ''} has ${x.length} ${xName} values and ${y.length} ${yName} values`);
    return { x, y, ...style };
  });
  return { series, slices };
}

export interface XYOptions {
  frame: Frame;
  logX: boolean;
  logY: boolean;
  xDomain: Domain;
  yDomain: Domain;
  legend: LegendPlace;
  levels: Required<Level>[];
}

function checkLevels(owner: string, value: unknown, log: boolean): Required<Level>[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(owner, `levels must be an array of { y, label? }, got ${describe(value)}`);
  return value.map((l, k) => {
    if (!isRecord(l)) return fail(owner, `levels[${k}] must be a record { y, label? }, got ${describe(l)}`);
    return { y: checkNumber(owner, `levels[${k}].y`, l.y, log ? { min: 0, minExclusive: true } : {}), label: checkString(owner, `levels[${k}].label`, l.label) };
  });
}

export function xyOptions(owner: string, o: Partial<Record<keyof LineChartOptions, unknown>>, defaults: { xLabel?: string; yLabel?: string; logY?: boolean }): XYOptions {
  const logX = checkBoolean(owner, 'logX', o.logX, false);
  const logY = checkBoolean(owner, 'logY', o.logY, defaults.logY ?? false);
  return {
    frame: frameOptions(owner, o, { width: 640, height: 400, ...defaults }),
    logX,
    logY,
    xDomain: checkDomain(owner, 'xDomain', o.xDomain, logX),
    yDomain: checkDomain(owner, 'yDomain', o.yDomain, logY),
    legend: legendPlace(owner, o.legend),
    levels: checkLevels(owner, o.levels, logY),
  };
}

/** The extent of the usable values (finite; > 0 on a log axis), or undefined when there are none. */
export function extent(values: Iterable<number>, log: boolean): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** Fills in the ends of a domain the caller left undefined; `nice` widens data ends to round numbers. */
export function resolveDomain(given: Domain, data: [number, number], log: boolean, nice: boolean): [number, number] {
  let [lo, hi] = [given[0] ?? data[0], given[1] ?? data[1]];
  if (given[0] !== undefined && given[1] === undefined && hi <= lo) hi = log ? lo * 10 : lo + 1;
  if (given[1] !== undefined && given[0] === undefined && hi <= lo) lo = log ? hi / 10 : hi - 1;
  if (nice || !(hi > lo)) {
    const [nlo, nhi] = niceDomain(lo, hi, log);
    lo = given[0] ?? nlo;
    hi = given[1] ?? nhi;
  }
  return [lo, hi];
}

/** Everything an x-y chart draws around its data; `draw` adds the data, clipped to the plot. */
export function xyChart(
  o: XYOptions,
  xData: [number, number],
  yData: [number, number],
  entries: readonly LegendEntry[],
  draw: (x: Scale, y: Scale) => string[],
  niceX = false,
): string {
  const xDomain = resolveDomain(o.xDomain, xData, o.logX, niceX);
  for (const { y } of o.levels) yData = [Math.min(yData[0], y), Math.max(yData[1], y)];
  const yDomain = resolveDomain(o.yDomain, yData, o.logY, true);
  const { frame } = o;
  const probeY = scale(yDomain, [frame.height, 0], o.logY);
  const yTicksFor = (h: number) => probeY.ticks(tickCount(h, 55));
  const right = legendWidth(entries, o.legend);
  const area = plotArea(frame, tickLabels(yTicksFor(frame.height - 60), o.logY), right);
  const x = scale(xDomain, [area.left, area.left + area.width], o.logX);
  const y = scale(yDomain, [area.top + area.height, area.top], o.logY);
  let xTicks = x.ticks(tickCount(area.width, 90));
  const widest = Math.max(...tickLabels(xTicks, o.logX).map((t) => textWidth(t, FONT_SIZE))) + 14;
  if (widest * xTicks.length > area.width) xTicks = x.ticks(Math.max(2, Math.floor(area.width / widest)));
  return finish([
    ...openDocument(frame.width, frame.height),
    clipDef(area),
    ...axes(area, x, xTicks, y, y.ticks(tickCount(area.height, 55))),
    `<g class="data" clip-path="url(#${ID_TOKEN}-clip)">`,
    ...o.levels.flatMap(({ y: v, label }) => {
      const p = px(y.map(v));
      const line = `<line class="level" x1="${area.left}" x2="${px(area.left + area.width)}" y1="${p}" y2="${p}" stroke="#888" stroke-dasharray="4 4"/>`;
      return label ? [line, `<text class="level-label" x="${px(area.left + area.width - 4)}" y="${px(y.map(v) - 4)}" text-anchor="end" fill="#555">${escapeXml(label)}</text>`] : [line];
    }),
    ...draw(x, y),
    '</g>',
    ...labels(frame, area),
    ...legend(entries, o.legend, area),
  ]);
}

/** The `d` of a path through the usable points, starting a new piece after each gap. */
export function pathData(s: Drawn, x: Scale, y: Scale): string {
  const pieces: string[][] = [];
  let current: string[] | undefined;
  for (let i = 0; i < s.x.length; i++) {
    const [xv, yv] = [s.x[i], s.y[i]];
    if (!Number.isFinite(xv) || !Number.isFinite(yv) || (x.log && xv <= 0) || (y.log && yv <= 0)) {
      current = undefined;
      continue;
    }
    if (!current) pieces.push((current = []));
    current.push(`${px(x.map(xv))},${px(y.map(yv))}`);
  }
  // A lone point between gaps is drawn as a dot (a zero-length segment with round caps).
  return pieces.map((p) => (p.length === 1 ? `M${p[0]}h0` : `M${p.join('L')}`)).join('');
}

export function drawSeries(series: readonly Drawn[], x: Scale, y: Scale): string[] {
  const out: string[] = [];
  series.forEach((s, k) => {
    const color = escapeXml(s.color);
    const label = s.label ? ` data-label="${escapeXml(s.label)}"` : '';
    out.push(`<g class="series" data-index="${k}"${label}>`);
    if (s.style !== 'points') {
      const d = pathData(s, x, y);
      if (d) out.push(`<path class="line" d="${d}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    if (s.style !== 'line') {
      for (let i = 0; i < s.x.length; i++) {
        const [xv, yv] = [s.x[i], s.y[i]];
        if (!Number.isFinite(xv) || !Number.isFinite(yv) || (x.log && xv <= 0) || (y.log && yv <= 0)) continue;
        out.push(`<circle class="point" cx="${px(x.map(xv))}" cy="${px(y.map(yv))}" r="3" fill="${color}"/>`);
      }
    }
    out.push('</g>');
  });
  return out;
}

export function entriesOf(series: readonly Drawn[]): LegendEntry[] {
  return series.filter((s) => s.label).map((s) => ({ label: s.label, color: s.color, dashed: s.dashed, kind: s.style }));
}

/** Renders checked series (shared by `lineChart` and `densityPlot`). */
export function renderLines(owner: string, series: readonly Drawn[], o: XYOptions): string {
  const xData = extent(series.flatMap((s) => usable(s, o).map((i) => s.x[i])), o.logX);
  const yData = extent(series.flatMap((s) => usable(s, o).map((i) => s.y[i])), o.logY);
  if (!xData || !yData) {
    const why = o.logX || o.logY ? ' (a log axis leaves out values <= 0)' : '';
    return fail(owner, `no point to plot: every series is empty or has NaN or infinite values only${why}`);
  }
  return xyChart(o, xData, yData, entriesOf(series), (x, y) => drawSeries(series, x, y));
}

/** Indices of the points that can be drawn (both coordinates finite, and > 0 on a log axis). */
function usable(s: Drawn, o: XYOptions): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.x.length; i++) {
    const [xv, yv] = [s.x[i], s.y[i]];
    if (Number.isFinite(xv) && Number.isFinite(yv) && (!o.logX || xv > 0) && (!o.logY || yv > 0)) out.push(i);
  }
  return out;
}

/**
 * A line chart as an SVG string: one series or several (`{ x, y, label?, color?, dashed?, style? }`),
 * on linear or log axes, with a legend for the labelled ones. A loss slice from @basin/hessian
 * (`lossSlice1D`, `linearPath`: `{ alphas, losses }`) plots as it is, with axes labelled alpha
 * and loss. NaN and infinite values leave gaps; `style: 'points'` makes a scatter plot.
 */
export function lineChart(series: LineData | readonly LineData[], options: LineChartOptions = {}): string {
  const owner = 'lineChart';
  const { series: drawn, slices } = lineSeries(owner, series);
  const o = checkOptions(owner, options);
  return renderLines(owner, drawn, xyOptions(owner, o, slices ? { xLabel: 'alpha', yLabel: 'loss' } : {}));
}
