import { lineChart, PlotError } from './index';
import { findAll, findOne, parseSvg, pathPieces, readAxis } from './test-helpers';

const isBasinBranded = (e: unknown): boolean => (e as Record<symbol, unknown>)[Symbol.for('@basin/core.BasinError')] === true;

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not throw');
}

describe('lineChart', () => {
  it('draws one path per series, with a legend entry for each labelled one', () => {
    const svg = parseSvg(lineChart([{ x: [0, 1, 2], y: [1, 4, 9], label: 'a' }, { x: [0, 2], y: [2, 2], label: 'b' }, { x: [0, 1], y: [3, 3] }], { title: 'loss' }));
    expect(svg.attrs.width).toBe('640');
    expect(svg.attrs.height).toBe('400');
    const lines = findAll(svg, 'path', 'line');
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => pathPieces(l.attrs.d)[0].length)).toEqual([3, 2, 2]);
    expect(findAll(findOne(svg, 'g', 'legend'), 'text').map((t) => t.text)).toEqual(['a', 'b']);
    expect(findOne(svg, 'text', 'title').text).toBe('loss');
    // Distinct default colours.
    expect(new Set(lines.map((l) => l.attrs.stroke)).size).toBe(3);
  });

  it('maps data to pixels consistently with the axis ticks', () => {
    const x = [0, 1, 2, 3, 4];
    const y = [0, 1, 4, 9, 16];
    const svg = parseSvg(lineChart({ x, y }, { width: 500, height: 300 }));
    const xAxis = readAxis(svg, 'x');
    const yAxis = readAxis(svg, 'y');
    expect(xAxis.values).toEqual([0, 1, 2, 3, 4]);
    expect(yAxis.values[0]).toBe(0);
    expect(yAxis.values[yAxis.values.length - 1]).toBeGreaterThanOrEqual(16);
    // Ticks are evenly spaced round numbers.
    const steps = yAxis.values.slice(1).map((v, i) => v - yAxis.values[i]);
    expect(new Set(steps.map((s) => s.toFixed(9))).size).toBe(1);
    const points = pathPieces(findOne(svg, 'path', 'line').attrs.d)[0];
    points.forEach(([px, py], i) => {
      expect(xAxis.toData(px)).toBeCloseTo(x[i], 1);
      expect(yAxis.toData(py)).toBeCloseTo(y[i], 1);
    });
    // y grows upwards.
    expect(points[4][1]).toBeLessThan(points[0][1]);
  });

  it('escapes text in content and attributes', () => {
    const label = `a<b & "c" 'd'>`;
    const raw = lineChart([{ x: [0, 1], y: [0, 1], label, color: 'red"/><script>' }], { title: '<title> & co', xLabel: 'x & y', yLabel: '<y>' });
    expect(raw).not.toContain('<script>');
    expect(raw).not.toContain('<title>');
    const svg = parseSvg(raw); // throws on anything not well formed
    expect(findAll(svg, 'text').map((t) => t.text)).toEqual(expect.arrayContaining([label, '<title> & co', 'x & y', '<y>']));
    expect(findOne(svg, 'path', 'line').attrs.stroke).toBe('red"/><script>');
    expect(findOne(svg, 'g', 'series').attrs['data-label']).toBe(label);
  });

  it('log axes: decade ticks, values <= 0 leave gaps', () => {
    const x = [1, 10, 100, 1000, 10000];
    const y = [1, 0.1, 0, 0.001, 1e-4];
    const svg = parseSvg(lineChart({ x, y }, { logX: true, logY: true }));
    const xAxis = readAxis(svg, 'x', true);
    const yAxis = readAxis(svg, 'y', true);
    expect(xAxis.labels).toEqual(['1', '10', '100', '1000', '10000']);
    expect(yAxis.labels).toEqual(['1e-4', '0.001', '0.01', '0.1', '1']);
    const pieces = pathPieces(findOne(svg, 'path', 'line').attrs.d);
    expect(pieces.map((p) => p.length)).toEqual([2, 2]);
    const mapped = pieces.flat().map(([px, py]) => [xAxis.toData(px), yAxis.toData(py)]);
    [[1, 1], [10, 0.1], [1000, 0.001], [10000, 1e-4]].forEach(([xv, yv], i) => {
      expect(Math.log10(mapped[i][0])).toBeCloseTo(Math.log10(xv), 2);
      expect(Math.log10(mapped[i][1])).toBeCloseTo(Math.log10(yv), 2);
    });
  });

  it('log axis over a short range uses 1-2-5 ticks', () => {
    const svg = parseSvg(lineChart({ x: [0, 1, 2], y: [0.3, 1, 4] }, { logY: true }));
    expect(readAxis(svg, 'y', true).labels).toEqual(['0.2', '0.5', '1', '2', '5']);
  });

  it('NaN and infinities break the line; a lone point is a dot', () => {
    const svg = parseSvg(lineChart({ x: [0, 1, 2, 3, 4, 5, 6], y: [1, 2, NaN, 3, Infinity, 4, 5] }));
    const d = findOne(svg, 'path', 'line').attrs.d;
    expect(pathPieces(d).map((p) => p.length)).toEqual([2, 1, 2]);
    expect(d).toContain('h0');
    expect(d).not.toMatch(/NaN|Infinity/);
    // NaN x values leave gaps too.
    expect(pathPieces(findOne(parseSvg(lineChart({ x: [0, NaN, 2, 3], y: [1, 2, 3, 4] })), 'path', 'line').attrs.d).map((p) => p.length)).toEqual([1, 2]);
  });

  it('takes a loss slice { alphas, losses } as it is, and labelled slices side by side', () => {
    const slice = { alphas: [-1, -0.5, 0, 0.5, 1], losses: [1, 0.25, 0, 0.25, 1] };
    const svg = parseSvg(lineChart(slice));
    expect(findOne(svg, 'text', 'x-label').text).toBe('alpha');
    expect(findOne(svg, 'text', 'y-label').text).toBe('loss');
    const points = pathPieces(findOne(svg, 'path', 'line').attrs.d)[0];
    expect(points).toHaveLength(5);
    expect(readAxis(svg, 'y').toData(points[2][1])).toBeCloseTo(0, 2);
    const two = parseSvg(lineChart([{ ...slice, label: 'SGD' }, { ...slice, losses: slice.losses.map((l) => 2 * l), label: 'SAM', dashed: true }]));
    expect(findAll(two, 'path', 'line')).toHaveLength(2);
    expect(findAll(two, 'path', 'line')[1].attrs['stroke-dasharray']).toBe('6 4');
  });

  it('scatter plots (style: points) draw one circle per usable point', () => {
    const svg = parseSvg(lineChart({ x: [0, 1, 2, 3], y: [1, NaN, 3, 2], style: 'points' }));
    expect(findAll(svg, 'path', 'line')).toHaveLength(0);
    expect(findAll(svg, 'circle', 'point')).toHaveLength(3);
    expect(findAll(parseSvg(lineChart({ x: [0, 1], y: [1, 2], style: 'both' })), 'circle', 'point')).toHaveLength(2);
  });

  it('accepts typed arrays and fixed domains (data outside is clipped)', () => {
    const raw = lineChart({ x: new Float32Array([0, 1, 2]), y: new Float64Array([0, 5, 0.5]) }, { yDomain: [0, 1], xDomain: [undefined, 4] });
    const svg = parseSvg(raw);
    const y = readAxis(svg, 'y');
    expect(y.values[0]).toBe(0);
    expect(y.values[y.values.length - 1]).toBe(1);
    expect(readAxis(svg, 'x').values.slice(-1)[0]).toBe(4);
    const clipId = findOne(svg, 'clipPath').attrs.id;
    expect(findOne(svg, 'g', 'data').attrs['clip-path']).toBe(`url(#${clipId})`);
  });

  it('gives charts with different content different ids', () => {
    const a = findOne(parseSvg(lineChart({ x: [0, 1], y: [0, 1] })), 'clipPath').attrs.id;
    const b = findOne(parseSvg(lineChart({ x: [0, 1], y: [0, 2] })), 'clipPath').attrs.id;
    expect(a).not.toBe(b);
    expect(lineChart({ x: [0, 1], y: [0, 1] })).toBe(lineChart({ x: [0, 1], y: [0, 1] }));
  });

  it('a constant series and a single point still get an axis', () => {
    const svg = parseSvg(lineChart({ x: [0, 1, 2], y: [3, 3, 3] }));
    const y = readAxis(svg, 'y');
    expect(y.values[0]).toBeLessThan(3);
    expect(y.values[y.values.length - 1]).toBeGreaterThan(3);
    expect(findOne(parseSvg(lineChart({ x: [2], y: [5] })), 'path', 'line').attrs.d).toMatch(/h0$/);
  });

  it.each([
    ['undefined series', () => lineChart(undefined as never), /^lineChart: series must be a non-empty array of \{ x, y, label\? \} or loss slices \{ alphas, losses \} \(or one of them\), got undefined$/],
    ['an empty array', () => lineChart([]), /series must be a non-empty array/],
    ['a string for y', () => lineChart([{ x: [0], y: 'a' as never }]), /^lineChart: series\[0\]\.y must be an array of numbers, got 'a'$/],
    ['a string inside y', () => lineChart({ x: [0, 1], y: [1, '2' as never] }), /series\.y\[1\] must be a number \(NaN marks a gap\), got '2'/],
    ['lengths that differ', () => lineChart([{ x: [0, 1], y: [1], label: 'a' }]), /series\[0\] \('a'\) has 2 x values and 1 y values/],
    ['a slice with lengths that differ', () => lineChart({ alphas: [0, 1], losses: [1] }), /series has 2 alphas values and 1 losses values/],
    ['nothing finite', () => lineChart({ x: [0, 1], y: [NaN, Infinity] }), /no point to plot: every series is empty or has NaN or infinite values only/],
    ['nothing positive on a log axis', () => lineChart({ x: [0, 1], y: [0, -1] }, { logY: true }), /a log axis leaves out values <= 0/],
    ['a NaN width', () => lineChart({ x: [0], y: [0] }, { width: NaN }), /^lineChart: width must be a finite number, got NaN$/],
    ['a negative height', () => lineChart({ x: [0], y: [0] }, { height: -5 }), /height must be a number > 0, got -5/],
    ['an unknown style', () => lineChart({ x: [0], y: [0], style: 'bars' as never }), /series\.style must be 'line', 'points' or 'both', got 'bars'/],
    ['a bad legend place', () => lineChart({ x: [0], y: [0] }, { legend: 'left' as never }), /legend must be 'right', 'inside' or 'none', got 'left'/],
    ['a reversed domain', () => lineChart({ x: [0], y: [0] }, { yDomain: [1, 0] }), /yDomain must be \[low, high\] with high > low, got \[1, 0\]/],
    ['a zero on a log domain', () => lineChart({ x: [0], y: [1] }, { logY: true, yDomain: [0, 1] }), /yDomain\[0\] must be a number > 0, got 0/],
    ['options not a record', () => lineChart({ x: [0], y: [0] }, 5 as never), /options must be a record of options \(or undefined\), got 5/],
    ['a number label', () => lineChart({ x: [0], y: [0], label: 3 as never }), /series\.label must be a string, got 3/],
  ])('refuses %s with a clear error', (_, call, message) => {
    const e = thrown(call);
    expect(e).toBeInstanceOf(PlotError);
    expect(isBasinBranded(e)).toBe(true);
    expect(e.message).toMatch(/^lineChart: /);
    expect(e.message).toMatch(message);
  });
});

describe('lineChart extras', () => {
  it('draws reference levels across the plot, inside the y range', () => {
    const svg = parseSvg(lineChart({ x: [0, 1, 2], y: [3, 4, 5] }, { logY: true, levels: [{ y: 1, label: 'no <reduction>' }, { y: 2 }] }));
    const levels = findAll(svg, 'line', 'level');
    expect(levels).toHaveLength(2);
    const y = readAxis(svg, 'y', true);
    expect(y.toData(Number(levels[0].attrs.y1))).toBeCloseTo(1, 2);
    expect(y.values[0]).toBeLessThanOrEqual(1);
    expect(findOne(svg, 'text', 'level-label').text).toBe('no <reduction>');
    expect(() => lineChart({ x: [0], y: [1] }, { logY: true, levels: [{ y: 0 }] })).toThrow(/^lineChart: levels\[0\]\.y must be a number > 0, got 0$/);
  });

  it('shrinks a title too long for the width', () => {
    const short = findOne(parseSvg(lineChart({ x: [0, 1], y: [0, 1] }, { title: 'loss' })), 'text', 'title');
    const long = findOne(parseSvg(lineChart({ x: [0, 1], y: [0, 1] }, { title: 'a title far too long for a small chart of three hundred pixels', width: 300 })), 'text', 'title');
    expect(short.attrs['font-size']).toBe('14');
    expect(Number(long.attrs['font-size'])).toBeLessThan(14);
  });
});
