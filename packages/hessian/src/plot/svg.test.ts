import { tf } from '@basin/testing';
import { treeDispose, treeFromVector, type Tree } from '@basin/core';
import { densityPlot, heatMap, lineChart } from '../index';
import { hessian } from '../hessian';
import { lossSlice1D, lossSlice2D } from '../landscape/slices';
import { spectralDensity } from '../spectrum/density';
import { quadratic } from '../../test-helpers/quadratic';
import { densitySvg, heatmapSvg, lineChartSvg } from './svg';

const count = (svg: string, re: RegExp): number => svg.match(re)?.length ?? 0;

describe('plotting slices and densities (charts from @basin/plot)', () => {
  const q = quadratic([2, 1, 0.5, -0.5, 3, 0.2], { seed: 4, n1: 2 });
  const direction = (v: number[]): Tree => tf.tidy(() => treeFromVector(tf.tensor1d(v), q.params) as unknown as tf.TensorContainer) as unknown as Tree;
  const d1 = direction([1, 0, -1, 0.5, 0, 2]);
  const d2 = direction([0, 1, 0.5, 0, -1, 0]);
  afterAll(() => {
    treeDispose([d1, d2]);
    q.dispose();
  });

  it('a slice, a plane of slices and a density each plot in one call', () => {
    const slice = lossSlice1D(q.objective, d1, { points: 7 });
    const line = lineChart(slice);
    expect(count(line, /<path class="line" /g)).toBe(1);
    expect(/<path class="line" d="([^"]*)"/.exec(line)![1].split('L')).toHaveLength(7);
    expect(line).toContain('>alpha</text>');

    const plane = lossSlice2D(q.objective, d1, d2, { points: 5 });
    const map = heatMap(plane, { contours: 4 });
    expect(count(map, /<rect class="cell" /g)).toBe(25);
    expect(count(map, /<path class="contour" /g)).toBe(4);
    expect(map).toContain('>beta</text>');

    const density = spectralDensity(hessian(q.objective), { steps: 6, runs: 2, points: 50 });
    const spectrum = densityPlot([{ ...density, label: 'quadratic' }]);
    expect(count(spectrum, /<path class="line" /g)).toBe(1);
    expect(spectrum).toContain('>eigenvalue</text>');
    expect(spectrum).toContain('>quadratic</text>');
  });

  it('the earlier names still draw the same charts, and name themselves in errors', () => {
    const svg = lineChartSvg([{ x: [0, 1, 2], y: [1, 4, 9], label: 'a<b' }, { x: [0, 2], y: [2, 2] }], { title: 'loss & more' });
    expect(svg).toBe(lineChart([{ x: [0, 1, 2], y: [1, 4, 9], label: 'a<b' }, { x: [0, 2], y: [2, 2] }], { title: 'loss & more' }));
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('loss &amp; more');
    expect(() => lineChartSvg([{ x: [0, 1], y: [1] }])).toThrow(/^lineChartSvg: series\[0\] has 2 x values and 1 y values$/);
    expect(() => lineChartSvg([])).toThrow(/^lineChartSvg: series must be a non-empty array/);

    // heatmapSvg's z[i][j] is at (x[i], y[j]), as in a 2-D slice.
    const map = heatmapSvg([0, 1, 2], [0, 1], [[1, 2], [3, 4], [5, 6]], { title: 't' });
    expect(map).toBe(heatMap({ alphas: [0, 1, 2], betas: [0, 1], losses: [[1, 2], [3, 4], [5, 6]] }, { title: 't', xLabel: '', yLabel: '', zLabel: '' }));
    expect(count(map, /<rect class="cell" /g)).toBe(6);
    expect(() => heatmapSvg([0, 1], [0], [[1]])).toThrow(/^heatmapSvg: z must be 2 rows of 1 values$/);

    const d = { grid: [0, 1, 2], density: [0.1, 1, 0.1], nodes: [], weights: [], sigma: 0.1, matvecs: 0 };
    const spectrum = densitySvg([{ density: d, label: 'SGD' }]);
    expect(spectrum).toContain('>SGD</text>');
    expect(spectrum).toContain('>Hessian spectral density</text>');
    expect(() => densitySvg([{ density: undefined as never }])).toThrow(/^densitySvg: densities\[0\]\.density must be a spectralDensity\(...\) result, got undefined$/);
  });
});
