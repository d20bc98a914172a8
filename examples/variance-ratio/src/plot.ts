// A small SVG line chart with a log-scale y axis and dashed reference levels (no plotting dependency).
export interface Curve {
  name: string;
  points: [number, number][];
  dashed?: boolean;
}

export function lineChartLogY(
  curves: Curve[],
  { title, xLabel, yLabel, levels = [] }: { title: string; xLabel: string; yLabel: string; levels?: { y: number; label: string }[] },
): string {
  const W = 760;
  const H = 440;
  const m = { left: 70, right: 190, top: 40, bottom: 50 };
  const finite = curves.flatMap((c) => c.points).filter(([, y]) => y > 0 && Number.isFinite(y));
  const ys = [...finite.map(([, y]) => y), ...levels.map((l) => l.y)];
  const xMin = Math.min(...finite.map(([x]) => x));
  const xMax = Math.max(...finite.map(([x]) => x));
  const lo = Math.floor(Math.log10(Math.min(...ys)));
  const hi = Math.ceil(Math.log10(Math.max(...ys)));
  const px = (x: number) => m.left + ((x - xMin) / Math.max(xMax - xMin, 1e-9)) * (W - m.left - m.right);
  const py = (y: number) => m.top + ((hi - Math.log10(y)) / Math.max(hi - lo, 1)) * (H - m.top - m.bottom);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#222'];
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${(m.left + W - m.right) / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`);
  for (let e = lo; e <= hi; e++) {
    for (const k of [1, 2, 5]) {
      const v = k * 10 ** e;
      if (v > 10 ** hi) continue;
      const y = py(v);
      parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y}" y2="${y}" stroke="${k === 1 ? '#ddd' : '#f3f3f3'}"/>`);
      parts.push(`<text x="${m.left - 6}" y="${y + 4}" text-anchor="end" fill="${k === 1 ? '#000' : '#888'}">${v >= 1 ? v : v.toPrecision(1)}</text>`);
    }
  }
  for (const { y, label } of levels) {
    parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${py(y)}" y2="${py(y)}" stroke="#999" stroke-dasharray="4 4"/>`);
    parts.push(`<text x="${W - m.right - 4}" y="${py(y) - 4}" text-anchor="end" fill="#666">${label}</text>`);
  }
  // Integer ticks (epochs), at most about ten of them.
  const every = Math.max(1, Math.ceil((xMax - xMin) / 10));
  for (let x = Math.ceil(xMin); x <= xMax + 1e-9; x += every) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${H - m.bottom}" y2="${H - m.bottom + 4}" stroke="#999"/>`);
    parts.push(`<text x="${px(x)}" y="${H - m.bottom + 18}" text-anchor="middle">${x}</text>`);
  }
  parts.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 10}" text-anchor="middle">${xLabel}</text>`);
  parts.push(`<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${yLabel}</text>`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="#999"/>`);
  curves.forEach((c, i) => {
    const pts = c.points.filter(([, y]) => y > 0 && Number.isFinite(y)).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    const color = colors[i % colors.length];
    const dash = c.dashed ? ' stroke-dasharray="6 3"' : '';
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="${c.dashed ? 2.5 : 1.5}"${dash} points="${pts.join(' ')}"/>`);
    for (const p of pts) parts.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2.5" fill="${color}"/>`);
    const ly = m.top + 10 + i * 18;
    parts.push(`<line x1="${W - m.right + 12}" x2="${W - m.right + 32}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${W - m.right + 38}" y="${ly + 4}">${c.name}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
