// Canvas drawing: a log-scaled heatmap of the surface with the racers' paths, and the MLP
// loss curves on a log axis. Both redraw every animation frame, so they stay on canvas; the loss
// axis takes its ticks and labels from @basin/plot, as its SVG charts do.
import { formatNumber, logTicks } from '@basin/plot';
import type { Racer } from './race';
import { surfaceValue, type Surface } from './surfaces';

const heatCache = new Map<string, ImageData>();

function heatmap(ctx: CanvasRenderingContext2D, s: Surface, w: number, h: number): ImageData {
  const key = `${s.id}:${w}x${h}`;
  const hit = heatCache.get(key);
  if (hit) return hit;
  const [x0, x1, y0, y1] = s.view;
  const values = new Float64Array(w * h);
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const v = surfaceValue(s, x0 + ((i + 0.5) / w) * (x1 - x0), y1 - ((j + 0.5) / h) * (y1 - y0));
      values[j * w + i] = v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  const img = ctx.createImageData(w, h);
  const span = Math.log1p(max - min);
  for (let k = 0; k < values.length; k++) {
    const t = Math.log1p(values[k] - min) / span; // 0 (low) .. 1 (high)
    // Contour bands every 1/14 of the log range.
    const band = Math.abs(((t * 14) % 1) - 0.5) < 0.04 ? 0.82 : 1;
    img.data[4 * k] = band * (30 + 210 * t);
    img.data[4 * k + 1] = band * (60 + 150 * (1 - Math.abs(2 * t - 1)));
    img.data[4 * k + 2] = band * (120 + 120 * (1 - t));
    img.data[4 * k + 3] = 255;
  }
  heatCache.set(key, img);
  return img;
}

export function drawSurface(canvas: HTMLCanvasElement, s: Surface, racers: Racer[], start: [number, number]): void {
  const ctx = canvas.getContext('2d')!;
  const { width: w, height: h } = canvas;
  ctx.putImageData(heatmap(ctx, s, w, h), 0, 0);
  const [x0, x1, y0, y1] = s.view;
  const px = (x: number) => ((x - x0) / (x1 - x0)) * w;
  const py = (y: number) => ((y1 - y) / (y1 - y0)) * h;
  ctx.lineWidth = 2;
  for (const r of racers) {
    ctx.strokeStyle = r.spec.color;
    ctx.beginPath();
    r.path.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
    ctx.stroke();
    const last = r.path[r.path.length - 1];
    ctx.fillStyle = r.spec.color;
    ctx.beginPath();
    ctx.arc(px(last[0]), py(last[1]), 5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.strokeStyle = '#fff';
  ctx.beginPath();
  ctx.arc(px(start[0]), py(start[1]), 6, 0, 2 * Math.PI);
  ctx.stroke();
}

/** Maps a click on the surface canvas to surface coordinates. */
export function canvasToSurface(canvas: HTMLCanvasElement, s: Surface, ev: MouseEvent): [number, number] {
  const rect = canvas.getBoundingClientRect();
  const [x0, x1, y0, y1] = s.view;
  return [x0 + ((ev.clientX - rect.left) / rect.width) * (x1 - x0), y1 - ((ev.clientY - rect.top) / rect.height) * (y1 - y0)];
}

export function drawLosses(canvas: HTMLCanvasElement, racers: Racer[], title: string): void {
  const ctx = canvas.getContext('2d')!;
  const { width: w, height: h } = canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  const all = racers.flatMap((r) => r.losses).filter((v) => Number.isFinite(v) && v > 0);
  ctx.fillStyle = '#333';
  ctx.font = '13px sans-serif';
  ctx.fillText(title, 8, 16);
  if (all.length === 0) return;
  const lo = Math.log10(Math.min(...all));
  const hi = Math.log10(Math.max(...all));
  const n = Math.max(2, ...racers.map((r) => r.losses.length));
  const px = (i: number) => 48 + (i / (n - 1)) * (w - 58);
  const py = (v: number) => 24 + (1 - (Math.log10(v) - lo) / Math.max(hi - lo, 1e-9)) * (h - 40);
  ctx.font = '11px sans-serif';
  ctx.textAlign = 'right';
  ctx.lineWidth = 1;
  ctx.strokeStyle = '#e8e8e8';
  for (const t of logTicks(10 ** lo, 10 ** hi, 5)) {
    ctx.beginPath();
    ctx.moveTo(48, py(t));
    ctx.lineTo(w - 10, py(t));
    ctx.stroke();
    ctx.fillText(formatNumber(t, 3), 44, py(t) + 4);
  }
  ctx.textAlign = 'start';
  ctx.lineWidth = 2;
  for (const r of racers) {
    ctx.strokeStyle = r.spec.color;
    ctx.beginPath();
    r.losses.forEach((v, i) => (i === 0 ? ctx.moveTo(px(i), py(Math.max(v, 1e-12))) : ctx.lineTo(px(i), py(Math.max(v, 1e-12)))));
    ctx.stroke();
  }
}
