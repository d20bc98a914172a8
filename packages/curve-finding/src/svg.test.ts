import { tf } from '@basin/testing';
import { lineChart } from '@basin/plot';
import { lineChartSvg, curveVsLineSvg, planeSvg } from './svg';
import { evaluatePath, functionalEvaluator, type PathEvaluation } from './evaluate';
import { linePath } from './path';
import { evaluatePlane, Plane } from './plane';

const evaluation = (loss: number[]): PathEvaluation => ({
  ts: [0, 0.5, 1],
  train: { loss, accuracy: [0.9, 0.5, 0.9], barrier: { height: 0, t: 0 } },
  test: { loss: loss.map((l) => l + 0.1), barrier: { height: 0, t: 0 } },
  arcLength: 1,
});

const count = (svg: string, re: RegExp): number => svg.match(re)?.length ?? 0;
const points = (svg: string): number[][][] => [...svg.matchAll(/<path class="line" d="([^"]+)"/g)].map((m) => m[1].slice(1).split('L').map((p) => p.split(',').map(Number)));

describe('svg plots (drawn by @basin/plot)', () => {
  it('lineChartSvg is lineChart on { label, xs, ys } series, the y axis from 0', () => {
    const svg = lineChartSvg([{ label: 'a <b>', xs: [0, 1], ys: [1, 2] }], { width: 300, height: 200 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('a &lt;b&gt;');
    expect(svg).toBe(lineChart([{ x: [0, 1], y: [1, 2], label: 'a <b>' }], { width: 300, height: 200, xLabel: 't', yDomain: [0, undefined] }));
    expect(svg).toContain('>0</text>');
    const [line] = points(svg);
    expect(line).toHaveLength(2);
    expect(line[1][0]).toBeGreaterThan(line[0][0]);
    expect(line[1][1]).toBeLessThan(line[0][1]);
  });

  it('curve vs line plots train and test of both paths', () => {
    const svg = curveVsLineSvg(evaluation([0.1, 0.2, 0.1]), evaluation([0.1, 2, 0.1]));
    expect(count(svg, /<path class="line" /g)).toBe(4);
    expect(count(svg, /stroke-dasharray/g)).toBeGreaterThanOrEqual(2);
    expect(svg).toContain('line (test)');
    expect(count(curveVsLineSvg(evaluation([0.1, 0.2, 0.1]), evaluation([0.1, 2, 0.1]), { metric: 'accuracy' }), /<path class="line" /g)).toBe(2);
  });

  it('plane picture has one cell per grid point, the curve and the anchors', () => {
    const xs = [0, 1, 2];
    const ys = [0, 1];
    const values = ys.map((y) => xs.map((x) => ({ train: { loss: 1 + x + y } })));
    const svg = planeSvg({ xs, ys, values, anchors: [[0, 0], [1, 1], [2, 0]] }, { curve: [[0, 0], [1, 0.5], [2, 0]] });
    expect(count(svg, /<rect class="cell" /g)).toBe(6);
    expect(count(svg, /<circle class="marker"/g)).toBe(2);
    expect(count(svg, /<path class="marker"/g)).toBe(1);
    expect(count(svg, /<path class="line" /g)).toBe(2); // the straight line (dashed) and the curve
    expect(() => planeSvg({ xs, ys, values, anchors: [[0, 0], [1, 1], [2, 0]] }, { split: 'test' })).toThrow(/^planeSvg: the evaluation has no 'test' split$/);
  });

  it('evaluatePath and evaluatePlane results plot in one call', async () => {
    const vec = (...v: number[]) => ({ w: tf.tensor1d(v) });
    const [a, bend, b] = [vec(0, 0), vec(1, 1), vec(2, 0)];
    const evaluator = functionalEvaluator({ loss: (p) => tf.tidy(() => tf.sum(tf.square((p as { w: tf.Tensor }).w)) as tf.Scalar), train: {} });
    const line = linePath(a, b);
    const onLine = await evaluatePath(line, evaluator, { points: 5 });
    expect(points(curveVsLineSvg(onLine, onLine))[0]).toHaveLength(5);
    const plane = new Plane(a, bend, b);
    const surface = await evaluatePlane(plane, evaluator, { grid: 4 });
    const svg = planeSvg(surface, { curve: plane.trace(line, 3) });
    expect(count(svg, /<rect class="cell" /g)).toBe(16);
    expect(svg).toContain('train loss over the plane');
    plane.dispose();
    line.dispose();
    tf.dispose([a, bend, b]);
  });
});
