// A small canvas line chart for the phenomena pages (grokking, double descent, the line between
// two minima): linear or log axes, a legend, optional dashed series and vertical markers. Ticks
// and labels come from @basin/plot's helpers, so the pages read like its SVG charts. No tensors.
import { formatNumber, logTicks, niceTicks } from '@basin/plot';

export interface ChartSeries {
  x: number[];
  y: number[];
  label: string;
  color: string;
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  /** Fixed y range (in data units); default the data's. */
  yRange?: [number, number];
  /** Vertical dashed markers, e.g. the interpolation threshold. */
  markers?: { x: number; label: string }[];
}

export const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/** Creates a canvas (and a caption line under it) inside `el`. */
export function makeCanvas(el: HTMLElement, width = 560, height = 320): { canvas: HTMLCanvasElement; caption: HTMLElement } {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.style.border = '1px solid #ccc';
  const caption = document.createElement('div');
  caption.style.font = '13px system-ui, sans-serif';
  caption.style.color = '#444';
  caption.style.maxWidth = `${width}px`;
  el.append(canvas, caption);
  return { canvas, caption };
}

export function drawChart(canvas: HTMLCanvasElement, series: ChartSeries[], spec: ChartSpec): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { width: w, height: h } = canvas;
  const m = { left: 58, right: 150, top: 26, bottom: 40 };
  const tx = (v: number) => (spec.logX ? Math.log10(v) : v);
  const ty = (v: number) => (spec.logY ? Math.log10(v) : v);
  const ok = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && (!spec.logX || x > 0) && (!spec.logY || y > 0);
  const pts = series.flatMap((s) => s.x.map((x, i) => [x, s.y[i]] as const).filter(([x, y]) => ok(x, y)));
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = '#222';
  ctx.font = '13px system-ui, sans-serif';
  ctx.fillText(spec.title, m.left, 16);
  if (pts.length === 0) return;
  let [x0, x1] = [Math.min(...pts.map((p) => tx(p[0]))), Math.max(...pts.map((p) => tx(p[0])))];
  let [y0, y1] = spec.yRange ? [ty(spec.yRange[0]), ty(spec.yRange[1])] : [Math.min(...pts.map((p) => ty(p[1]))), Math.max(...pts.map((p) => ty(p[1])))];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pw = w - m.left - m.right;
  const ph = h - m.top - m.bottom;
  const px = (v: number) => m.left + ((tx(v) - x0) / (x1 - x0)) * pw;
  const py = (v: number) => m.top + ph - ((Math.min(Math.max(ty(v), y0), y1) - y0) / (y1 - y0)) * ph;
  ctx.strokeStyle = '#888';
  ctx.lineWidth = 1;
  ctx.setLineDash([]);
  ctx.strokeRect(m.left, m.top, pw, ph);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#444';
  const ticks = (lo: number, hi: number, log: boolean) => (log ? logTicks(10 ** lo, 10 ** hi, 6) : niceTicks(lo, hi, 5));
  ctx.textAlign = 'center';
  for (const t of ticks(x0, x1, spec.logX ?? false)) ctx.fillText(formatNumber(t, 3), px(t), h - m.bottom + 14);
  ctx.textAlign = 'right';
  for (const t of ticks(y0, y1, spec.logY ?? false)) ctx.fillText(formatNumber(t, 3), m.left - 4, py(t) + 4);
  ctx.textAlign = 'center';
  ctx.fillText(spec.xLabel, m.left + pw / 2, h - 8);
  ctx.save();
  ctx.translate(12, m.top + ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(spec.yLabel, 0, 0);
  ctx.restore();
  ctx.textAlign = 'left';
  for (const marker of spec.markers ?? []) {
    ctx.strokeStyle = '#999';
    ctx.setLineDash([4, 4]);
    ctx.beginPath();
    ctx.moveTo(px(marker.x), m.top);
    ctx.lineTo(px(marker.x), m.top + ph);
    ctx.stroke();
    ctx.fillStyle = '#777';
    ctx.fillText(marker.label, px(marker.x) + 3, m.top + 12);
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(m.left, m.top, pw, ph);
  ctx.clip();
  ctx.lineWidth = 2;
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.setLineDash(s.dashed ? [6, 4] : []);
    ctx.beginPath();
    let pen = false;
    s.x.forEach((x, i) => {
      if (!ok(x, s.y[i])) {
        pen = false;
        return;
      }
      if (pen) ctx.lineTo(px(x), py(s.y[i]));
      else ctx.moveTo(px(x), py(s.y[i]));
      pen = true;
    });
    ctx.stroke();
  }
  ctx.restore();
  ctx.setLineDash([]);
  series.forEach((s, k) => {
    const y = m.top + 8 + 16 * k;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dashed ? [6, 4] : []);
    ctx.beginPath();
    ctx.moveTo(w - m.right + 8, y);
    ctx.lineTo(w - m.right + 28, y);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#222';
    ctx.fillText(s.label, w - m.right + 32, y + 4);
  });
}

/** Lets the browser paint between chunks of work. */
export const nextFrame = (): Promise<void> => new Promise((resolve) => (typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => resolve()) : setTimeout(resolve, 0)));

/** Standard normal samples from a uniform generator (Box-Muller). */
export function normals(rand: () => number, count: number, scale = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = scale * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  return out;
}
