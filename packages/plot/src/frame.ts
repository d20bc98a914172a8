// What every chart shares: the document, title, axes with ticks and grid lines, axis labels and
// the legend. Ids inside a chart (clip paths, gradients) are written as ID_TOKEN and replaced by
// a hash of the finished chart, so several charts can share one HTML page.
import { checkNumber, checkOneOf, checkString } from './errors';
import { escapeXml, formatNumber, hash, px, textWidth } from './format';
import type { Scale } from './scale';

export interface FrameOptions {
  /** Drawn above the plot. */
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Pixels (default 640 by 400; heat maps 560 by 460). */
  width?: number;
  height?: number;
}

export interface Frame {
  title: string;
  xLabel: string;
  yLabel: string;
  width: number;
  height: number;
}

export type LegendPlace = 'right' | 'inside' | 'none';

export interface LegendEntry {
  label: string;
  color: string;
  dashed: boolean;
  kind: 'line' | 'points' | 'both' | 'box';
}

/** The plotting area inside the margins, in pixels. */
export interface Area {
  left: number;
  top: number;
  width: number;
  height: number;
}

export const FONT_SIZE = 12;
/** Never produced by escaped user text (a raw `<`), so replacing it touches only our own ids. */
export const ID_TOKEN = '<#>';

export function frameOptions(owner: string, o: Partial<Record<keyof FrameOptions, unknown>>, defaults: { width: number; height: number; xLabel?: string; yLabel?: string }): Frame {
  return {
    title: checkString(owner, 'title', o.title),
    xLabel: checkString(owner, 'xLabel', o.xLabel, defaults.xLabel ?? ''),
    yLabel: checkString(owner, 'yLabel', o.yLabel, defaults.yLabel ?? ''),
    width: checkNumber(owner, 'width', o.width ?? defaults.width, { min: 0, minExclusive: true }),
    height: checkNumber(owner, 'height', o.height ?? defaults.height, { min: 0, minExclusive: true }),
  };
}

export function legendPlace(owner: string, value: unknown): LegendPlace {
  return checkOneOf(owner, 'legend', value, ['right', 'inside', 'none'] as const, 'right');
}

/** Tick labels with as many digits as the step needs (0.2 0.4; 1.0005 1.001; 125 150). */
export function tickLabels(ticks: readonly number[], log = false): string[] {
  if (log || ticks.length < 2) return ticks.map((t) => formatNumber(t, 3));
  const step = Math.min(...ticks.slice(1).map((t, i) => Math.abs(t - ticks[i])));
  const maxAbs = Math.max(...ticks.map(Math.abs));
  const stepExp = Math.floor(Math.log10(step));
  const stepDigits = Number((step / 10 ** stepExp).toPrecision(3)) % 1 === 0 ? 1 : 2;
  const digits = Math.min(15, Math.max(1, Math.floor(Math.log10(maxAbs)) - stepExp + stepDigits));
  return ticks.map((t) => (Math.abs(t) < step * 1e-9 ? '0' : formatNumber(t, digits)));
}

/** How many ticks fit along `pixels` with labels about `labelWidth` wide. */
export function tickCount(pixels: number, spacing: number): number {
  return Math.max(2, Math.min(10, Math.round(pixels / spacing)));
}

/** Margins around the plot for the given y tick labels, labels, title and right-hand extra. */
export function plotArea(frame: Frame, yLabelTexts: readonly string[], right: number): Area {
  const yTickWidth = Math.max(0, ...yLabelTexts.map((t) => textWidth(t, FONT_SIZE)));
  const left = Math.ceil(Math.max(36, yTickWidth + 14) + (frame.yLabel ? 20 : 0));
  const top = frame.title ? 34 : 14;
  const bottom = 26 + (frame.xLabel ? 20 : 0);
  return { left, top, width: Math.max(10, frame.width - left - right), height: Math.max(10, frame.height - top - bottom) };
}

export function openDocument(width: number, height: number): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}" font-family="sans-serif" font-size="${FONT_SIZE}">`,
    `<rect class="background" width="${px(width)}" height="${px(height)}" fill="white"/>`,
  ];
}

/** Grid lines, tick marks and tick labels of both axes. */
export function axes(area: Area, x: Scale, xTicks: readonly number[], y: Scale, yTicks: readonly number[], grid = true): string[] {
  const bottom = area.top + area.height;
  const right = area.left + area.width;
  const out: string[] = ['<g class="axis x-axis">'];
  tickLabels(xTicks, x.log).forEach((label, k) => {
    const p = px(x.map(xTicks[k]));
    if (grid) out.push(`<line class="grid" x1="${p}" x2="${p}" y1="${area.top}" y2="${bottom}" stroke="#e8e8e8"/>`);
    out.push(`<line class="tick" x1="${p}" x2="${p}" y1="${bottom}" y2="${bottom + 4}" stroke="#444"/>`);
    out.push(`<text class="tick-label" x="${p}" y="${bottom + 17}" text-anchor="middle">${escapeXml(label)}</text>`);
  });
  out.push('</g>', '<g class="axis y-axis">');
  tickLabels(yTicks, y.log).forEach((label, k) => {
    const p = px(y.map(yTicks[k]));
    if (grid) out.push(`<line class="grid" x1="${area.left}" x2="${px(right)}" y1="${p}" y2="${p}" stroke="#e8e8e8"/>`);
    out.push(`<line class="tick" x1="${area.left - 4}" x2="${area.left}" y1="${p}" y2="${p}" stroke="#444"/>`);
    out.push(`<text class="tick-label" x="${area.left - 7}" y="${p}" dy="0.32em" text-anchor="end">${escapeXml(label)}</text>`);
  });
  out.push('</g>');
  return out;
}

/** The box around the plot, the title and the axis labels. */
export function labels(frame: Frame, area: Area): string[] {
  const out = [`<rect class="frame" x="${area.left}" y="${area.top}" width="${px(area.width)}" height="${px(area.height)}" fill="none" stroke="#444"/>`];
  if (frame.title) {
    // A long title shrinks to fit (bold text is about 10% wider).
    const size = Math.max(8, Math.min(14, Math.floor((10 * (frame.width - 16)) / (11 * textWidth(frame.title, 1)))));
    out.push(`<text class="title" x="${px(frame.width / 2)}" y="22" text-anchor="middle" font-size="${size}" font-weight="bold">${escapeXml(frame.title)}</text>`);
  }
  if (frame.xLabel) out.push(`<text class="x-label" x="${px(area.left + area.width / 2)}" y="${px(area.top + area.height + 38)}" text-anchor="middle">${escapeXml(frame.xLabel)}</text>`);
  if (frame.yLabel) {
    out.push(`<text class="y-label" transform="translate(14 ${px(area.top + area.height / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(frame.yLabel)}</text>`);
  }
  return out;
}

/** Width the legend takes on the right of the plot (0 when there is none there). */
export function legendWidth(entries: readonly LegendEntry[], place: LegendPlace): number {
  if (place !== 'right' || entries.length === 0) return 16;
  return Math.ceil(Math.max(...entries.map((e) => textWidth(e.label, FONT_SIZE))) + 58);
}

export function legend(entries: readonly LegendEntry[], place: LegendPlace, area: Area): string[] {
  if (place === 'none' || entries.length === 0) return [];
  const w = Math.max(...entries.map((e) => textWidth(e.label, FONT_SIZE))) + 40;
  const x = place === 'right' ? area.left + area.width + 12 : area.left + area.width - w - 8;
  const y = area.top + 8;
  const out = ['<g class="legend">'];
  if (place === 'inside') out.push(`<rect x="${px(x - 6)}" y="${px(y - 4)}" width="${px(w + 8)}" height="${entries.length * 18 + 6}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`);
  entries.forEach((e, k) => {
    const cy = y + 9 + 18 * k;
    const color = escapeXml(e.color);
    if (e.kind === 'box') out.push(`<rect x="${px(x)}" y="${px(cy - 6)}" width="22" height="12" fill="${color}" fill-opacity="0.6" stroke="${color}"/>`);
    if (e.kind === 'line' || e.kind === 'both') {
      out.push(`<line x1="${px(x)}" x2="${px(x + 22)}" y1="${px(cy)}" y2="${px(cy)}" stroke="${color}" stroke-width="2"${e.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    if (e.kind === 'points' || e.kind === 'both') out.push(`<circle cx="${px(x + 11)}" cy="${px(cy)}" r="3" fill="${color}"/>`);
    out.push(`<text x="${px(x + 28)}" y="${px(cy)}" dy="0.32em">${escapeXml(e.label)}</text>`);
  });
  out.push('</g>');
  return out;
}

/** A clip path for the plotting area, referenced as `url(#ID_TOKEN-clip)`. */
export function clipDef(area: Area): string {
  return `<defs><clipPath id="${ID_TOKEN}-clip"><rect x="${area.left}" y="${area.top}" width="${px(area.width)}" height="${px(area.height)}"/></clipPath></defs>`;
}

/** Joins the parts and closes the document, giving its ids a hash of the content. */
export function finish(parts: readonly string[]): string {
  const body = [...parts, '</svg>'].join('\n');
  const id = `plot-${hash(body)}`;
  return body.split(ID_TOKEN).join(id) + '\n';
}
