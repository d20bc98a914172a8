// Linear and logarithmic scales: data to pixels, and readable ticks (1, 2, 2.5 or 5 times a power
// of ten; decades on log axes).

const clean = (v: number): number => Number(v.toPrecision(12));

function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  return clean((r <= 1 ? 1 : r <= 2 ? 2 : r <= 2.5 ? 2.5 : r <= 5 ? 5 : 10) * mag);
}

/** About `count` evenly spaced round numbers in [lo, hi] (both ends included when round). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [clean(lo)];
  const step = niceStep(hi - lo, count);
  const out: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9); k++) out.push(clean(k * step));
  return out;
}

/** Candidate ticks of a log axis over [lo, hi] (lo > 0): decades, or 1-2-5 within few decades. */
function logCandidates(lo: number, hi: number, count: number, pad: boolean): number[] {
  const a = Math.log10(lo);
  const b = Math.log10(hi);
  const from = Math.floor(a) - (pad ? 1 : 0);
  const to = Math.ceil(b) + (pad ? 1 : 0);
  const decades = Math.floor(b + 1e-9) - Math.ceil(a - 1e-9) + 1;
  if (decades >= 3) {
    const stride = Math.max(1, Math.ceil(decades / count));
    const out: number[] = [];
    for (let k = from; k <= to; k++) if (k % stride === 0) out.push(clean(10 ** k));
    return out;
  }
  const out: number[] = [];
  for (let k = from; k <= to; k++) for (const m of [1, 2, 5]) out.push(clean(m * 10 ** k));
  return out;
}

/** Ticks of a log axis over [lo, hi] (lo > 0): powers of ten, or 1-2-5 steps over a short range. */
export function logTicks(lo: number, hi: number, count = 6): number[] {
  if (!(lo > 0) || !(hi > lo)) return lo > 0 ? [clean(lo)] : [];
  const inside = logCandidates(lo, hi, count, false).filter((t) => t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9));
  if (inside.length >= 2) return inside;
  return niceTicks(lo, hi, 4).filter((t) => t > 0);
}

/** Widens [lo, hi] to round numbers (the next ticks outside), or by a margin when lo == hi. */
export function niceDomain(lo: number, hi: number, log: boolean, count = 5): [number, number] {
  if (log) {
    if (!(hi > lo)) return [lo / 2, hi * 2];
    const c = logCandidates(lo, hi, count, true);
    const below = c.filter((t) => t <= lo * (1 + 1e-9));
    const above = c.filter((t) => t >= hi * (1 - 1e-9));
    return [below.length ? below[below.length - 1] : lo, above.length ? above[0] : hi];
  }
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.1 || 1;
    return [lo - pad, hi + pad];
  }
  const step = niceStep(hi - lo, count);
  return [clean(Math.floor(lo / step + 1e-9) * step), clean(Math.ceil(hi / step - 1e-9) * step)];
}

export interface Scale {
  readonly log: boolean;
  readonly domain: readonly [number, number];
  readonly range: readonly [number, number];
  /** The pixel for a data value (clamped to a few plot sizes beyond the range, for clipping). */
  map(v: number): number;
  ticks(count?: number): number[];
}

export function scale(domain: readonly [number, number], range: readonly [number, number], log: boolean): Scale {
  const t = (v: number): number => (log ? Math.log10(v) : v);
  const [d0, d1] = [t(domain[0]), t(domain[1])];
  const [r0, r1] = range;
  const reach = 4 * Math.abs(r1 - r0) + 1;
  const lo = Math.min(r0, r1) - reach;
  const hi = Math.max(r0, r1) + reach;
  return {
    log,
    domain,
    range,
    map: (v) => Math.min(hi, Math.max(lo, r0 + ((t(v) - d0) / (d1 - d0 || 1)) * (r1 - r0))),
    ticks: (count = 5) => (log ? logTicks(domain[0], domain[1], count + 1) : niceTicks(domain[0], domain[1], count)),
  };
}
