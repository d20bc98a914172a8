import { densityPlot, histogram } from './index';
import { findAll, findOne, parseSvg, pathPieces, readAxis } from './test-helpers';

describe('histogram', () => {
  it('counts values into bins; bar heights and edges read back from the axes', () => {
    const svg = parseSvg(histogram([0.5, 0.5, 1.5, 2.5, 2.5, 2.5, 3], { bins: 3, range: [0, 3] }));
    const bars = findAll(svg, 'rect', 'bar');
    expect(bars).toHaveLength(3);
    const xAxis = readAxis(svg, 'x');
    const yAxis = readAxis(svg, 'y');
    expect(yAxis.values[0]).toBe(0);
    const read = bars.map((b) => {
      const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((k) => Number(b.attrs[k]));
      return { from: xAxis.toData(x), to: xAxis.toData(x + w), count: yAxis.toData(y), base: yAxis.toData(y + h) };
    });
    // The last bin includes its right edge (3).
    [[0, 1, 2], [1, 2, 1], [2, 3, 4]].forEach(([from, to, count], k) => {
      expect(read[k].from).toBeCloseTo(from, 2);
      expect(read[k].to).toBeCloseTo(to, 2);
      expect(read[k].count).toBeCloseTo(count, 2);
      expect(read[k].base).toBeCloseTo(0, 2);
    });
  });

  it('density: bar areas sum to one; explicit edges; NaN left out and counted in the legend', () => {
    const svg = parseSvg(histogram({ values: [0, 1, 1, 3, NaN, Infinity], label: 'runs' }, { bins: [0, 1, 2, 4], density: true }));
    const xAxis = readAxis(svg, 'x');
    const yAxis = readAxis(svg, 'y');
    const area = findAll(svg, 'rect', 'bar').reduce((sum, b) => {
      const [x, y, w] = ['x', 'y', 'width'].map((k) => Number(b.attrs[k]));
      return sum + (xAxis.toData(x + w) - xAxis.toData(x)) * yAxis.toData(y);
    }, 0);
    expect(area).toBeCloseTo(1, 2);
    expect(findAll(findOne(svg, 'g', 'legend'), 'text').map((t) => t.text)).toEqual(['runs (2 NaN/inf left out)']);
  });

  it('several series overlay translucent bars, one group each', () => {
    const svg = parseSvg(histogram([{ values: [1, 2, 3], label: 'a' }, { values: [2, 3, 4], label: 'b' }], { bins: 3 }));
    const groups = findAll(svg, 'g', 'series');
    expect(groups).toHaveLength(2);
    expect(groups.map((g) => g.attrs['fill-opacity'])).toEqual(['0.45', '0.45']);
    expect(groups[0].attrs.fill).not.toBe(groups[1].attrs.fill);
  });

  it.each([
    ['no values', () => histogram([]), /^histogram: data needs at least 1 value, got 0$/],
    ['only NaN', () => histogram([NaN]), /no finite value to count/],
    ['a bin count of 0', () => histogram([1, 2], { bins: 0 }), /bins must be an integer >= 1, got 0/],
    ['edges out of order', () => histogram([1, 2], { bins: [0, 2, 1] }), /bins \(the edges\) must be increasing, got bins\[2\] = 1 after 2/],
    ['a series without values', () => histogram([{ label: 'a' } as never]), /data\[0\]\.values must be an array of numbers, got undefined/],
  ])('refuses %s', (_, call, message) => expect(call).toThrow(message));
});

describe('densityPlot', () => {
  // What spectralDensity of @basin/hessian returns (nodes, weights and the rest are ignored).
  const grid = Array.from({ length: 101 }, (_, i) => -1 + (i * 12) / 100);
  const density = grid.map((t) => Math.exp(-(t * t) / 0.02) / Math.sqrt(0.02 * Math.PI) + 0.01 * Math.exp(-((t - 10) ** 2) / 0.02));
  const result = { grid, density, nodes: [[0, 10]], weights: [[0.99, 0.01]], sigma: 0.1, matvecs: 30 };

  it('plots a spectralDensity result in one call, log y by default, tails cut at the floor', () => {
    const svg = parseSvg(densityPlot(result));
    expect(findOne(svg, 'text', 'x-label').text).toBe('eigenvalue');
    expect(findOne(svg, 'text', 'y-label').text).toBe('density');
    const yAxis = readAxis(svg, 'y', true);
    expect(yAxis.values.every((v) => Math.log10(v) % 1 === 0)).toBe(true); // decades
    const peak = Math.max(...density);
    expect(yAxis.values[0]).toBeGreaterThanOrEqual(peak * 1e-8);
    expect(yAxis.values[0]).toBeLessThanOrEqual(peak * 1e-6);
    const points = pathPieces(findOne(svg, 'path', 'line').attrs.d).flat();
    const top = points.reduce((a, b) => (b[1] < a[1] ? b : a));
    expect(readAxis(svg, 'x').toData(top[0])).toBeCloseTo(0, 1);
    expect(Math.log10(yAxis.toData(top[1]))).toBeCloseTo(Math.log10(peak), 2);
  });

  it('several labelled densities and a linear axis', () => {
    const svg = parseSvg(densityPlot([{ ...result, label: 'SGD' }, { ...result, label: 'SAM', dashed: true }], { logY: false, floor: 1e-3 }));
    expect(findAll(svg, 'path', 'line')).toHaveLength(2);
    expect(findAll(findOne(svg, 'g', 'legend'), 'text').map((t) => t.text)).toEqual(['SGD', 'SAM']);
    expect(readAxis(svg, 'y').values[0]).toBe(0);
  });

  it.each([
    ['undefined', () => densityPlot(undefined as never), /^densityPlot: densities must be a non-empty array of spectral densities \{ grid, density, label\? \} \(or one of them\), got undefined$/],
    ['a density without grid', () => densityPlot([{ density: [1] } as never]), /densities\[0\]\.grid must be an array of numbers, got undefined/],
    ['lengths that differ', () => densityPlot({ grid: [0, 1], density: [1] }), /densities has 2 grid values and 1 density values/],
    ['a floor above 1', () => densityPlot(result, { floor: 2 }), /floor must be a number > 0 and <= 1, got 2/],
  ])('refuses %s', (_, call, message) => expect(call).toThrow(message));
});
