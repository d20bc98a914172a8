// A small SVG line plot with a log-scale y axis (no plotting dependency).
export function writeSvg(
  curves: { name: string; points: [number, number][] }[],
  { title, xLabel, yLabel }: { title: string; xLabel: string; yLabel: string },
): string {
  const W = 720;
  const H = 420;
  const m = { left: 70, right: 200, top: 40, bottom: 50 };
  const all = curves.flatMap((c) => c.points).filter(([, y]) => y > 0 && Number.isFinite(y));
  const xMax = Math.max(...all.map(([x]) => x));
  const lo = Math.floor(Math.log10(Math.min(...all.map(([, y]) => y))));
  const hi = Math.ceil(Math.log10(Math.max(...all.map(([, y]) => y))));
  const px = (x: number) => m.left + (x / xMax) * (W - m.left - m.right);
  const py = (y: number) => m.top + ((hi - Math.log10(y)) / Math.max(hi - lo, 1)) * (H - m.top - m.bottom);
  const colors = ['#222', '#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  parts.push(`<text x="${W / 2 - m.right / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`);
  for (let e = lo; e <= hi; e++) {
    const y = py(10 ** e);
    parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y + 4}" text-anchor="end">1e${e}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const x = (xMax * i) / 4;
    parts.push(`<text x="${px(x)}" y="${H - m.bottom + 18}" text-anchor="middle">${Math.round(x)}</text>`);
  }
  parts.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 10}" text-anchor="middle">${xLabel}</text>`);
  parts.push(`<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">${yLabel}</text>`);
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="#999"/>`);
  curves.forEach((c, i) => {
    const pts = c.points.filter(([, y]) => y > 0 && Number.isFinite(y)).map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    const color = colors[i % colors.length];
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    const ly = m.top + 10 + i * 18;
    parts.push(`<line x1="${W - m.right + 12}" x2="${W - m.right + 32}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${W - m.right + 38}" y="${ly + 4}">${c.name}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
