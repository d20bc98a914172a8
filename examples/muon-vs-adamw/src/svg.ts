// A small SVG line chart (no plotting dependencies): several series on shared axes, optional
// log-scale y, and panels placed side by side in one file.

export interface Series {
  name: string;
  color: string;
  /** [x, y] points; y must be > 0 on a log axis. */
  points: [number, number][];
  dashed?: boolean;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logY?: boolean;
}

const W = 460;
const H = 320;
const M = { left: 62, right: 16, top: 34, bottom: 46 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => span / s <= count) ?? 10 * mag;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9 * span; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(3)));
}

/** One chart as an SVG `<g>` translated to (ox, oy). */
function panelGroup(p: Panel, ox: number, oy: number): string {
  const pts = p.series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y) && (!p.logY || y > 0));
  const xs = pts.map(([x]) => x);
  const ty = (y: number): number => (p.logY ? Math.log10(y) : y);
  const ys = pts.map(([, y]) => ty(y));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (p.logY) [y0, y1] = [Math.floor(y0 * 2) / 2, Math.ceil(y1 * 2) / 2];
  else [y0, y1] = [y0 - 0.05 * (y1 - y0 || 1), y1 + 0.05 * (y1 - y0 || 1)];
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const sx = (x: number): number => M.left + ((x - x0) / (x1 - x0 || 1)) * iw;
  const sy = (y: number): number => M.top + ih - ((ty(y) - y0) / (y1 - y0 || 1)) * ih;
  const out: string[] = [`<g transform="translate(${ox},${oy})">`];
  out.push(`<rect x="${M.left}" y="${M.top}" width="${iw}" height="${ih}" fill="#fff" stroke="#999"/>`);
  for (const t of niceTicks(x0, x1)) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${M.top}" y2="${M.top + ih}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${M.top + ih + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  const yTicks = p.logY
    ? Array.from({ length: Math.round((y1 - y0) * 2) + 1 }, (_, i) => 10 ** (y0 + i / 2)).filter((_, i, a) => a.length <= 7 || i % 2 === 0)
    : niceTicks(y0, y1);
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${M.left}" x2="${M.left + iw}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(`<text x="${M.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`);
  }
  out.push(`<text x="${M.left + iw / 2}" y="${18}" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  out.push(`<text x="${M.left + iw / 2}" y="${H - 8}" text-anchor="middle">${esc(p.xLabel)}</text>`);
  out.push(`<text transform="translate(14,${M.top + ih / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}${p.logY ? ' (log)' : ''}</text>`);
  p.series.forEach((s, i) => {
    const d = s.points
      .filter(([, y]) => Number.isFinite(y) && (!p.logY || y > 0))
      .map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
      .join('');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
    const ly = M.top + 14 + i * 16;
    out.push(`<line x1="${M.left + iw - 150}" x2="${M.left + iw - 128}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,3"' : ''}/>`);
    out.push(`<text x="${M.left + iw - 122}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

/** Panels side by side in one SVG document. */
export function renderPanels(panels: Panel[], caption?: string): string {
  const height = H + (caption ? 22 : 0);
  const width = W * panels.length;
  const body = panels.map((p, i) => panelGroup(p, i * W, 0)).join('\n');
  const cap = caption ? `<text x="${width / 2}" y="${H + 14}" text-anchor="middle" fill="#555">${esc(caption)}</text>` : '';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fafafa"/>
${body}
${cap}
</svg>
`;
}
