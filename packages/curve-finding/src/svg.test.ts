import { lineChartSvg, curveVsLineSvg, planeSvg } from './svg';
import type { PathEvaluation } from './evaluate';

const evaluation = (loss: number[]): PathEvaluation => ({
  ts: [0, 0.5, 1],
  train: { loss, accuracy: [0.9, 0.5, 0.9], barrier: { height: 0, t: 0 } },
  test: { loss: loss.map((l) => l + 0.1), barrier: { height: 0, t: 0 } },
  arcLength: 1,
});

describe('svg plots', () => {
  it('draws one polyline per series with points mapped into the plot area', () => {
    const svg = lineChartSvg([{ label: 'a <b>', xs: [0, 1], ys: [0, 2] }], { width: 300, height: 200 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('a &lt;b&gt;');
    const points = /<polyline[^>]*points="([^"]+)"/.exec(svg)![1].split(' ').map((p) => p.split(',').map(Number));
    // x from the left margin (64) to width - right margin (150); y = 0 at the bottom (200 - 48).
    expect(points[0]).toEqual([64, 152]);
    expect(points[1][0]).toBe(150);
    expect(points[1][1]).toBeLessThan(points[0][1]);
  });

  it('curve vs line plots train and test of both paths', () => {
    const svg = curveVsLineSvg(evaluation([0.1, 0.2, 0.1]), evaluation([0.1, 2, 0.1]));
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    expect(svg).toContain('line (test)');
    expect(curveVsLineSvg(evaluation([0.1, 0.2, 0.1]), evaluation([0.1, 2, 0.1]), { metric: 'accuracy' }).match(/<polyline/g)).toHaveLength(2);
  });

  it('plane picture has one cell per grid point, the curve and the anchors', () => {
    const xs = [0, 1, 2];
    const ys = [0, 1];
    const values = ys.map((y) => xs.map((x) => ({ train: { loss: 1 + x + y } })));
    const svg = planeSvg({ xs, ys, values, anchors: [[0, 0], [1, 1], [2, 0]] }, { curve: [[0, 0], [1, 0.5], [2, 0]] });
    expect(svg.match(/<rect x="[^"]+" y="[^"]+" width="[^"]+" height="[^"]+" fill="rgb/g)!.length).toBe(6 + 50);
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg).toContain('<polyline');
    expect(() => planeSvg({ xs, ys, values, anchors: [[0, 0], [1, 1], [2, 0]] }, { split: 'test' })).toThrow(/no 'test' split/);
  });
});
