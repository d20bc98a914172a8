// Several charts in one SVG document, side by side or in a grid, with an optional caption.
import { checkNumber, checkOptions, checkString, describe, fail } from './errors';
import { escapeXml, px, textWidth } from './format';
import { FONT_SIZE } from './frame';

export interface PanelsOptions {
  /** Charts per row (default all in one row). */
  columns?: number;
  /** Drawn above the panels. */
  title?: string;
  /** Drawn below the panels (a note on the setup, the seed...). */
  caption?: string;
  /** Pixels between panels (default 8). */
  gap?: number;
}

const ROOT = /^\s*<svg\b([^>]*)>/;

function size(owner: string, chart: unknown, k: number): { width: number; height: number; attrs: string } {
  const match = typeof chart === 'string' ? ROOT.exec(chart) : null;
  const attr = (name: string): number => Number(new RegExp(`\\s${name}="([^"]*)"`).exec(match?.[1] ?? '')?.[1]);
  const [width, height] = [attr('width'), attr('height')];
  if (!match || !(width > 0) || !(height > 0)) {
    fail(owner, `charts[${k}] must be an SVG string with a root <svg width="..." height="..."> (a chart of @basin/plot), got ${typeof chart === 'string' ? `'${chart.slice(0, 40)}${chart.length > 40 ? '...' : ''}'` : describe(chart)}`);
  }
  return { width, height, attrs: match![1] };
}

/**
 * Charts (SVG strings from `lineChart`, `heatMap`...) laid out in one SVG document: in one row, or
 * `columns` per row, each in a cell as large as the largest chart.
 */
export function panels(charts: readonly string[], options: PanelsOptions = {}): string {
  const owner = 'panels';
  if (!Array.isArray(charts) || charts.length === 0) fail(owner, `charts must be a non-empty array of SVG strings, got ${describe(charts)}`);
  const sizes = charts.map((c, k) => size(owner, c, k));
  const o = checkOptions(owner, options);
  const columns = checkNumber(owner, 'columns', o.columns ?? charts.length, { min: 1, integer: true });
  const gap = checkNumber(owner, 'gap', o.gap ?? 8, { min: 0 });
  const title = checkString(owner, 'title', o.title);
  const caption = checkString(owner, 'caption', o.caption);
  const cellW = Math.max(...sizes.map((s) => s.width));
  const cellH = Math.max(...sizes.map((s) => s.height));
  const cols = Math.min(columns, charts.length);
  const rows = Math.ceil(charts.length / cols);
  const top = title ? 30 : 0;
  const width = Math.max(cols * cellW + (cols - 1) * gap, textWidth(caption, FONT_SIZE) + 20);
  const height = top + rows * cellH + (rows - 1) * gap + (caption ? 26 : 0);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}" font-family="sans-serif" font-size="${FONT_SIZE}">`,
    `<rect class="background" width="${px(width)}" height="${px(height)}" fill="white"/>`,
  ];
  if (title) out.push(`<text class="title" x="${px(width / 2)}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`);
  charts.forEach((chart, k) => {
    const [col, row] = [k % cols, Math.floor(k / cols)];
    const attrs = sizes[k].attrs.replace(/\s(x|y)="[^"]*"/g, '');
    const body = chart.replace(ROOT, '').replace(/<\?xml[^>]*\?>/, '');
    out.push(`<svg class="panel" x="${px(col * (cellW + gap))}" y="${px(top + row * (cellH + gap))}"${attrs}>${body.trim()}`);
  });
  if (caption) out.push(`<text class="caption" x="${px(width / 2)}" y="${px(height - 9)}" text-anchor="middle" fill="#555">${escapeXml(caption)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
