// Heat maps of a grid of values (a 2-D loss slice, a loss surface over a plane) with a colour bar,
// optional contour lines, and curves and markers drawn over them.
import { MISSING_COLOR, VIRIDIS, viridis } from './color';
import { checkBoolean, checkDomain, checkNumber, checkNumbers, checkOneOf, checkOptions, checkString, describe, fail, isNumbers, isRecord, type Numbers } from './errors';
import { escapeXml, formatNumber, px, textWidth } from './format';
import { axes, clipDef, finish, FONT_SIZE, frameOptions, ID_TOKEN, labels, openDocument, plotArea, tickCount, tickLabels, type FrameOptions } from './frame';
import { asList, drawSeries, styleOf, type Drawn, type LineData } from './line-chart';
import { niceDomain, scale, type Scale } from './scale';

/** Values on a grid: `z[j][i]` is the value at `(x[i], y[j])` (one row per y, as images and contour plots lay them out). */
export interface Grid {
  x: Numbers;
  y: Numbers;
  z: readonly Numbers[];
}

/** A 2-D loss slice as `lossSlice2D` of @basin/hessian returns it: `losses[i][j]` at `(alphas[i], betas[j])`. */
export interface Slice2DLike {
  alphas: Numbers;
  betas: Numbers;
  losses: readonly Numbers[];
}

export type HeatMapData = Grid | Slice2DLike;

/** A point drawn over the heat map, in data coordinates. */
export interface Marker {
  x: number;
  y: number;
  label?: string;
  /** Default `'circle'`. */
  symbol?: 'circle' | 'cross' | 'square';
  /** Default white. */
  color?: string;
}

export interface HeatMapOptions extends FrameOptions {
  /** Log colour scale (values <= 0 are drawn as missing). Default false. */
  logZ?: boolean;
  /** Colour range; values beyond it take the end colours (the colour bar shows an arrow). Default the data's range. */
  zDomain?: readonly [number | undefined, number | undefined];
  /** Title of the colour bar. */
  zLabel?: string;
  /** Reverse the colours (low values yellow), e.g. for accuracy. */
  reverse?: boolean;
  /** Contour lines: `true` (10 levels), a number of evenly spaced levels, or the levels themselves. */
  contours?: boolean | number | readonly number[];
  /** Curves drawn over the map (white unless they name a colour). */
  lines?: LineData | readonly LineData[];
  points?: readonly Marker[];
  /** `'equal'`: one unit is as long on both axes (the height follows from the width). Default `'fill'`. */
  aspect?: 'fill' | 'equal';
}

interface GridValues {
  x: Numbers;
  y: Numbers;
  /** at(i, j): the value at (x[i], y[j]). */
  at: (i: number, j: number) => number;
  slice: boolean;
}

function checkIncreasing(owner: string, name: string, v: Numbers): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) fail(owner, `${name}[${i}] must be a finite number, got ${describe(v[i])}`);
    if (i > 0 && !(v[i] > v[i - 1])) fail(owner, `${name} must be increasing, got ${name}[${i}] = ${v[i]} after ${v[i - 1]}`);
  }
}

function checkRows(owner: string, name: string, rows: unknown, count: number, length: number, what: string): readonly Numbers[] {
  if (!Array.isArray(rows)) return fail(owner, `${name} must be an array of ${count} rows (${what}), got ${describe(rows)}`);
  if (rows.length !== count) fail(owner, `${name} must be ${count} rows (${what}) of ${length} values, got ${rows.length} rows`);
  rows.forEach((row, k) => {
    checkNumbers(owner, `${name}[${k}]`, row);
    if ((row as Numbers).length !== length) fail(owner, `${name} must be ${count} rows (${what}) of ${length} values, got ${(row as Numbers).length} in ${name}[${k}]`);
  });
  return rows as Numbers[];
}

function gridValues(owner: string, data: unknown): GridValues {
  if (!isRecord(data)) return fail(owner, `data must be a grid { x, y, z } or a 2-D loss slice { alphas, betas, losses }, got ${describe(data)}`);
  if ('alphas' in data || 'betas' in data || 'losses' in data) {
    const x = checkNumbers(owner, 'data.alphas', data.alphas, 1);
    const y = checkNumbers(owner, 'data.betas', data.betas, 1);
    checkIncreasing(owner, 'data.alphas', x);
    checkIncreasing(owner, 'data.betas', y);
    const losses = checkRows(owner, 'data.losses', data.losses, x.length, y.length, 'one per alpha');
    return { x, y, at: (i, j) => losses[i][j], slice: true };
  }
  const x = checkNumbers(owner, 'data.x', data.x, 1);
  const y = checkNumbers(owner, 'data.y', data.y, 1);
  checkIncreasing(owner, 'data.x', x);
  checkIncreasing(owner, 'data.y', y);
  const z = checkRows(owner, 'data.z', data.z, y.length, x.length, 'one per y');
  return { x, y, at: (i, j) => z[j][i], slice: false };
}

/** Cell edges around grid points: midpoints between neighbours, half a step beyond the ends. */
function edges(v: Numbers): number[] {
  if (v.length === 1) return [v[0] - 0.5, v[0] + 0.5];
  const out = [v[0] - (v[1] - v[0]) / 2];
  for (let i = 0; i < v.length - 1; i++) out.push((v[i] + v[i + 1]) / 2);
  out.push(v[v.length - 1] + (v[v.length - 1] - v[v.length - 2]) / 2);
  return out;
}

function markers(owner: string, value: unknown): Required<Marker>[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return fail(owner, `points must be an array of { x, y, label?, symbol? }, got ${describe(value)}`);
  return value.map((m, k) => {
    if (!isRecord(m)) return fail(owner, `points[${k}] must be { x, y, label?, symbol? }, got ${describe(m)}`);
    return {
      x: checkNumber(owner, `points[${k}].x`, m.x),
      y: checkNumber(owner, `points[${k}].y`, m.y),
      label: checkString(owner, `points[${k}].label`, m.label),
      symbol: checkOneOf(owner, `points[${k}].symbol`, m.symbol, ['circle', 'cross', 'square'] as const, 'circle'),
      color: checkString(owner, `points[${k}].color`, m.color, 'white'),
    };
  });
}

function overlayLines(owner: string, value: unknown): Drawn[] {
  if (value === undefined) return [];
  const { items, names } = asList(owner, 'lines', value, '{ x, y } curves');
  return items.map((s, k) => {
    const isSlice = !('x' in s) && 'alphas' in s;
    const [xName, yName] = isSlice ? ['alphas', 'losses'] : ['x', 'y'];
    const x = checkNumbers(owner, `${names[k]}.${xName}`, s[xName]);
    const y = checkNumbers(owner, `${names[k]}.${yName}`, s[yName]);
    if (x.length !== y.length) fail(owner, `${names[k]} has ${x.length} ${xName} values and ${y.length} ${yName} values`);
    const style = styleOf(owner, names[k], s, k);
    return { x, y, ...style, color: s.color === undefined ? 'white' : style.color };
  });
}

/**
 * Segments where the interpolated surface crosses `level` (marching squares; a saddle is split by
 * the cell's mean). `v(i, j)` is the (colour-scale) value at grid point (i, j).
 */
function contourSegments(nx: number, ny: number, v: (i: number, j: number) => number, level: number): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  for (let j = 0; j < ny - 1; j++) {
    for (let i = 0; i < nx - 1; i++) {
      // Corners counter-clockwise from (i, j); edge k joins corner k and k + 1.
      const c: [number, number, number][] = [[i, j, v(i, j)], [i + 1, j, v(i + 1, j)], [i + 1, j + 1, v(i + 1, j + 1)], [i, j + 1, v(i, j + 1)]];
      if (c.some((p) => !Number.isFinite(p[2]))) continue;
      const above = c.map((p) => p[2] > level);
      const crossed = [0, 1, 2, 3].filter((k) => above[k] !== above[(k + 1) % 4]);
      if (crossed.length === 0) continue;
      const at = (k: number): [number, number] => {
        const [a, b] = [c[k], c[(k + 1) % 4]];
        const t = (level - a[2]) / (b[2] - a[2]);
        return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
      };
      let pairs: [number, number][];
      if (crossed.length === 2) pairs = [[crossed[0], crossed[1]]];
      else {
        // Saddle: corners 0 and 2 on one side, 1 and 3 on the other.
        const centreAbove = (c[0][2] + c[1][2] + c[2][2] + c[3][2]) / 4 > level;
        // Cut off the two corners whose side the centre is not on.
        pairs = centreAbove === above[0] ? [[0, 1], [2, 3]] : [[3, 0], [1, 2]];
      }
      for (const [e, f] of pairs) out.push([...at(e), ...at(f)]);
    }
  }
  return out;
}

/**
 * A heat map as an SVG string: a grid `{ x, y, z }` (`z[j][i]` at `(x[i], y[j])`) or a 2-D loss
 * slice from @basin/hessian (`lossSlice2D`: `{ alphas, betas, losses }`) as it is, coloured with
 * viridis (linear or log), with a colour bar, optional contour lines, curves and markers.
 * NaN values (and values <= 0 on a log scale) are drawn grey.
 */
export function heatMap(data: HeatMapData, options: HeatMapOptions = {}): string {
  const owner = 'heatMap';
  const g = gridValues(owner, data);
  const o = checkOptions(owner, options);
  const frame = frameOptions(owner, o, { width: 560, height: 460, ...(g.slice ? { xLabel: 'alpha', yLabel: 'beta' } : {}) });
  const logZ = checkBoolean(owner, 'logZ', o.logZ, false);
  const zGiven = checkDomain(owner, 'zDomain', o.zDomain, logZ);
  const zLabel = checkString(owner, 'zLabel', o.zLabel, g.slice ? 'loss' : '');
  const reverse = checkBoolean(owner, 'reverse', o.reverse, false);
  const aspect = checkOneOf(owner, 'aspect', o.aspect, ['fill', 'equal'] as const, 'fill');
  const lines = overlayLines(owner, o.lines);
  const points = markers(owner, o.points);
  const contours = o.contours ?? false;
  if (!(typeof contours === 'boolean' || (typeof contours === 'number' && Number.isInteger(contours) && contours >= 1) || isNumbers(contours))) {
    fail(owner, `contours must be true, false, a number of levels (an integer >= 1) or an array of levels, got ${describe(contours)}`);
  }
  if (isNumbers(contours)) Array.from(contours).forEach((v, k) => checkNumber(owner, `contours[${k}]`, v, logZ ? { min: 0, minExclusive: true } : {}));

  const [nx, ny] = [g.x.length, g.y.length];
  const usable = (v: number): boolean => !Number.isNaN(v) && (!logZ || v > 0);
  const finite: number[] = [];
  for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) if (usable(g.at(i, j)) && Number.isFinite(g.at(i, j))) finite.push(g.at(i, j));
  let zDomain: [number, number];
  if (finite.length === 0 && (zGiven[0] === undefined || zGiven[1] === undefined)) {
    return fail(owner, `no finite value to colour: every value is NaN or infinite${logZ ? ' or <= 0 (logZ)' : ''}; pass zDomain to draw it anyway`);
  } else {
    let lo = zGiven[0] ?? Math.min(...finite);
    let hi = zGiven[1] ?? Math.max(...finite);
    if (!(hi > lo)) [lo, hi] = zGiven[0] !== undefined ? [lo, niceDomain(lo, lo, logZ)[1]] : zGiven[1] !== undefined ? [niceDomain(hi, hi, logZ)[0], hi] : niceDomain(lo, hi, logZ);
    zDomain = [lo, hi];
  }
  const zt = (v: number): number => (logZ ? Math.log10(v) : v);
  const [t0, t1] = [zt(zDomain[0]), zt(zDomain[1])];
  const unit = (v: number): number => {
    const t = (zt(v) - t0) / (t1 - t0);
    return reverse ? 1 - t : t;
  };
  const colorOf = (v: number): string => (usable(v) ? viridis(v === Infinity ? (reverse ? 0 : 1) : v === -Infinity ? (reverse ? 1 : 0) : unit(v)) : MISSING_COLOR);

  // Layout: the colour bar and its labels on the right.
  const zTicksProbe = scale(zDomain, [300, 0], logZ).ticks(5);
  const zLabels = tickLabels(zTicksProbe, logZ);
  const right = 12 + 14 + 8 + Math.max(...zLabels.map((t) => textWidth(t, FONT_SIZE)), textWidth('NaN', FONT_SIZE) + 10) + (zLabel ? 24 : 0) + 8;
  const xe = edges(g.x);
  const ye = edges(g.y);
  const xDomain: [number, number] = [xe[0], xe[nx]];
  const yDomain: [number, number] = [ye[0], ye[ny]];
  const yTicksFor = (h: number): number[] => scale(yDomain, [h, 0], false).ticks(tickCount(h, 55));
  let area = plotArea(frame, tickLabels(yTicksFor(frame.height - 60)), right);
  if (aspect === 'equal') {
    const ratio = (yDomain[1] - yDomain[0]) / (xDomain[1] - xDomain[0]);
    const bottom = frame.height - area.top - area.height;
    area = plotArea(frame, tickLabels(yTicksFor(area.width * ratio)), right);
    area.height = area.width * ratio;
    frame.height = Math.ceil(area.top + area.height + bottom);
  }
  const x = scale(xDomain, [area.left, area.left + area.width], false);
  const y = scale(yDomain, [area.top + area.height, area.top], false);

  const cells: string[] = ['<g class="cells" shape-rendering="crispEdges">'];
  let missing = 0;
  let over = false;
  let under = false;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const v = g.at(i, j);
      if (!usable(v)) missing++;
      else if (v > zDomain[1]) over = true;
      else if (v < zDomain[0]) under = true;
      const [left, rightEdge, top, bottom] = [x.map(xe[i]), x.map(xe[i + 1]), y.map(ye[j + 1]), y.map(ye[j])];
      cells.push(`<rect class="cell" x="${px(left)}" y="${px(top)}" width="${px(rightEdge - left)}" height="${px(bottom - top)}" fill="${colorOf(v)}"/>`);
    }
  }
  cells.push('</g>');

  // Contours in colour-scale units (log10 on a log scale).
  const contourParts: string[] = [];
  const count = contours === true ? 10 : typeof contours === 'number' ? contours : 0;
  const levels: number[] = isNumbers(contours)
    ? Array.from(contours)
    : Array.from({ length: count }, (_, k) => {
        const t = t0 + ((t1 - t0) * (k + 1)) / (count + 1);
        return logZ ? 10 ** t : t;
      });
  if (levels.length > 0) {
    const v = (i: number, j: number): number => {
      const value = g.at(i, j);
      return usable(value) ? zt(value) : NaN;
    };
    contourParts.push('<g class="contours" fill="none" stroke="white" stroke-opacity="0.8" stroke-width="1">');
    for (const level of levels) {
      const segments = contourSegments(nx, ny, v, zt(level));
      const d = segments.map(([a, b, c, e]) => `M${px(x.map(lerp(g.x, a)))},${px(y.map(lerp(g.y, b)))}L${px(x.map(lerp(g.x, c)))},${px(y.map(lerp(g.y, e)))}`).join('');
      contourParts.push(`<path class="contour" data-level="${escapeXml(formatNumber(level, 6))}" d="${d}"/>`);
    }
    contourParts.push('</g>');
  }

  const overlay: string[] = [...drawSeries(lines, x, y)];
  for (const m of points) {
    const [cx, cy] = [x.map(m.x), y.map(m.y)];
    const color = escapeXml(m.color);
    if (m.symbol === 'circle') overlay.push(`<circle class="marker" cx="${px(cx)}" cy="${px(cy)}" r="5" fill="${color}" stroke="black" stroke-width="1"/>`);
    if (m.symbol === 'square') overlay.push(`<rect class="marker" x="${px(cx - 4.5)}" y="${px(cy - 4.5)}" width="9" height="9" fill="${color}" stroke="black" stroke-width="1"/>`);
    if (m.symbol === 'cross') {
      overlay.push(`<path class="marker" d="M${px(cx - 5)},${px(cy - 5)}L${px(cx + 5)},${px(cy + 5)}M${px(cx - 5)},${px(cy + 5)}L${px(cx + 5)},${px(cy - 5)}" stroke="${color}" stroke-width="2.5" stroke-linecap="round"/>`);
    }
    if (m.label) overlay.push(`<text class="marker-label" x="${px(cx + 8)}" y="${px(cy - 8)}" fill="${color}" stroke="black" stroke-width="0.4" paint-order="stroke">${escapeXml(m.label)}</text>`);
  }

  return finish([
    ...openDocument(frame.width, frame.height),
    clipDef(area),
    ...colorBar(area, zDomain, logZ, reverse, zLabel, { over, under, missing: missing > 0, levels: levels.map(zt) }),
    ...axes(area, x, x.ticks(tickCount(area.width, 90)), y, y.ticks(tickCount(area.height, 55)), false),
    `<g class="data" clip-path="url(#${ID_TOKEN}-clip)">`,
    ...cells,
    ...contourParts,
    ...overlay,
    '</g>',
    ...labels(frame, area),
  ]);
}

/** The data coordinate at fractional grid index `f` (linear between grid points). */
function lerp(v: Numbers, f: number): number {
  const i = Math.min(v.length - 2, Math.max(0, Math.floor(f)));
  return v.length === 1 ? v[0] : v[i] + (f - i) * (v[i + 1] - v[i]);
}

function colorBar(area: { left: number; top: number; width: number; height: number }, zDomain: [number, number], logZ: boolean, reverse: boolean, zLabel: string, extra: { over: boolean; under: boolean; missing: boolean; levels: number[] }): string[] {
  const bx = area.left + area.width + 14;
  const bw = 14;
  const arrow = 8;
  const top = area.top + arrow;
  const height = Math.max(20, area.height - 2 * arrow - (extra.missing ? 22 : 0));
  const bottom = top + height;
  const z: Scale = scale(zDomain, [bottom, top], logZ);
  const stops = (reverse ? [...VIRIDIS].reverse() : VIRIDIS).map((c, k, a) => `<stop offset="${px(k / (a.length - 1))}" stop-color="${c}"/>`);
  const out = [
    '<g class="color-bar">',
    `<defs><linearGradient id="${ID_TOKEN}-scale" x1="0" y1="1" x2="0" y2="0">${stops.join('')}</linearGradient></defs>`,
    `<rect x="${px(bx)}" y="${px(top)}" width="${bw}" height="${px(height)}" fill="url(#${ID_TOKEN}-scale)" stroke="#444" stroke-width="0.5"/>`,
  ];
  const [lowColor, highColor] = reverse ? [viridis(1), viridis(0)] : [viridis(0), viridis(1)];
  if (extra.over) out.push(`<path class="extend-over" d="M${px(bx)},${px(top)}L${px(bx + bw / 2)},${px(top - arrow)}L${px(bx + bw)},${px(top)}Z" fill="${highColor}" stroke="#444" stroke-width="0.5"/>`);
  if (extra.under) out.push(`<path class="extend-under" d="M${px(bx)},${px(bottom)}L${px(bx + bw / 2)},${px(bottom + arrow)}L${px(bx + bw)},${px(bottom)}Z" fill="${lowColor}" stroke="#444" stroke-width="0.5"/>`);
  const ticks = z.ticks(tickCount(height, 45));
  tickLabels(ticks, logZ).forEach((label, k) => {
    const p = px(z.map(ticks[k]));
    out.push(`<line class="tick" x1="${px(bx + bw)}" x2="${px(bx + bw + 4)}" y1="${p}" y2="${p}" stroke="#444"/>`);
    out.push(`<text class="tick-label" x="${px(bx + bw + 7)}" y="${p}" dy="0.32em">${escapeXml(label)}</text>`);
  });
  for (const level of extra.levels) {
    const p = px(z.map(logZ ? 10 ** level : level));
    out.push(`<line class="level" x1="${px(bx)}" x2="${px(bx + bw)}" y1="${p}" y2="${p}" stroke="white" stroke-opacity="0.8"/>`);
  }
  if (extra.missing) {
    out.push(`<rect class="missing" x="${px(bx)}" y="${px(area.top + area.height - 12)}" width="${bw}" height="12" fill="${MISSING_COLOR}" stroke="#444" stroke-width="0.5"/>`);
    out.push(`<text x="${px(bx + bw + 7)}" y="${px(area.top + area.height - 6)}" dy="0.32em">NaN</text>`);
  }
  if (zLabel) {
    const lx = bx + bw + 10 + Math.max(...tickLabels(ticks, logZ).map((t) => textWidth(t, FONT_SIZE))) + 10;
    out.push(`<text class="z-label" transform="translate(${px(lx)} ${px(area.top + area.height / 2)}) rotate(90)" text-anchor="middle">${escapeXml(zLabel)}</text>`);
  }
  out.push('</g>');
  return out;
}
