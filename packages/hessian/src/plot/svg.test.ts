import { densitySvg, heatmapSvg, lineChartSvg } from './svg';

describe('SVG plots', () => {
  it('draws one path per series with labels, escaping text', () => {
    const svg = lineChartSvg([{ x: [0, 1, 2], y: [1, 4, 9], label: 'a<b' }, { x: [0, 2], y: [2, 2] }], { title: 'loss & more' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)?.length).toBe(2);
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('loss &amp; more');
  });

  it('log scale drops non-positive values; mismatched series throw', () => {
    const svg = lineChartSvg([{ x: [0, 1, 2], y: [0, 1, 100] }], { logY: true });
    expect(svg.match(/[ML]/g)?.length).toBeGreaterThan(0);
    expect(svg).toContain('M');
    expect((svg.match(/<path d="([^"]*)"/) as RegExpMatchArray)[1].split(' ').length).toBe(2);
    expect(() => lineChartSvg([{ x: [0, 1], y: [1] }])).toThrow(/has 2 x values and 1 y values/);
    expect(() => lineChartSvg([])).toThrow(/non-empty/);
  });

  it('heat maps have one cell per grid point; density plots wrap line charts', () => {
    const svg = heatmapSvg([0, 1, 2], [0, 1], [[1, 2], [3, 4], [5, 6]], { title: 't' });
    expect(svg.match(/<rect x=/g)?.length).toBe(3 * 2 + 11);
    expect(() => heatmapSvg([0, 1], [0], [[1]])).toThrow(/z must be 2 rows of 1 values/);
    const d = { grid: [0, 1, 2], density: [0.1, 1, 0.1], nodes: [], weights: [], sigma: 0.1, matvecs: 0 };
    expect(densitySvg([{ density: d, label: 'SGD' }])).toContain('SGD');
  });
});
