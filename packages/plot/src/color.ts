// Colours: a categorical palette for series and the viridis scale for heat maps.

/** Series colours (matplotlib's tab10), used in order when a series names no colour. */
export const PALETTE: readonly string[] = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Viridis (dark blue, low, to yellow, high), sampled at nine evenly spaced points. */
export const VIRIDIS: readonly string[] = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

/** Fill of heat-map cells whose value is NaN (or <= 0 on a log colour scale). */
export const MISSING_COLOR = '#d0d0d0';

const rgb = (hex: string): number[] => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16));
const STOPS = VIRIDIS.map(rgb);

/** The viridis colour at `t` in [0, 1] (clamped), as `#rrggbb`. */
export function viridis(t: number): string {
  const s = Math.min(1, Math.max(0, Number.isNaN(t) ? 0 : t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(s));
  const f = s - i;
  const [a, b] = [STOPS[i], STOPS[i + 1]];
  return `#${a.map((v, k) => Math.round(v + f * (b[k] - v)).toString(16).padStart(2, '0')).join('')}`;
}
