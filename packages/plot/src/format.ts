// Text and numbers in SVG: escaping, tick labels, coordinates.

/** Escapes text for SVG/XML content and attribute values (`&`, `<`, `>`, `"`, `'`). */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * A short label for a number: plain for 0.001 <= |v| < 1e5 (`0.25`, `1200`), exponent form
 * otherwise (`1e-5`, `2.5e6`); at most `digits` significant digits.
 */
export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'inf' : '-inf';
  if (v === 0) return '0';
  const rounded = Number(v.toPrecision(digits));
  const a = Math.abs(rounded);
  if (a >= 1e5 || a < 1e-3) return rounded.toExponential().replace('e+', 'e');
  return String(rounded);
}

/** A pixel coordinate with two decimals at most (and no `-0`). */
export function px(v: number): string {
  const r = Math.round(v * 100) / 100;
  return String(r === 0 ? 0 : r);
}

/**
 * Rough width in pixels of `text` at `fontSize`, by character class (the widths of DejaVu Sans,
 * the widest common sans-serif, so labels fit in other fonts too).
 */
export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const c of text) {
    if ('ilj|!.,:;\''.includes(c)) em += 0.3;
    else if (c === ' ') em += 0.32;
    else if ('ftrI()[]{}/-'.includes(c)) em += 0.42;
    else if ('mwMW@%'.includes(c)) em += 0.95;
    else if (c >= 'A' && c <= 'Z') em += 0.72;
    else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) em += 0.63;
    else em += 0.8;
  }
  return em * fontSize;
}

/** A short deterministic hash (FNV-1a), for ids that differ between charts in one document. */
export function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36);
}
