import { tf, expectClose } from '@basin/testing';
import { Tree, treeToVector } from '@basin/core';
import { Curve } from './curve';
import { functionalEvaluator } from './evaluate';
import { evaluatePlane, Plane } from './plane';

const vec = (...v: number[]) => ({ w: tf.tensor1d(v) });
const flat = (t: unknown) => Array.from(treeToVector(t as Tree).dataSync());

describe('Plane', () => {
  it('puts the anchors at their true coordinates and maps coordinates back to weights', () => {
    const plane = new Plane(vec(1, 1, 0), vec(2, 3, 0), vec(5, 1, 0));
    expectClose(plane.anchors.flat(), [0, 0, 1, 2, 4, 0], 1e-6);
    expectClose(flat(plane.pointAt(1, 2)), [2, 3, 0], 1e-6);
    expectClose(plane.project(vec(3, 2, 7)), [2, 1], 1e-6);
    plane.dispose();
  });

  it('a quadratic Bezier curve lies in the plane of its control points', () => {
    const [a, bend, b] = [vec(0, 0, 0, 1), vec(1, 2, -1, 0), vec(3, 0, 1, 1)];
    const curve = new Curve(a, b);
    const plane = new Plane(a, bend, b);
    const params = { bends: [bend] };
    for (const t of [0.2, 0.5, 0.9]) {
      const p = curve.pointAt(params, t);
      const [x, y] = plane.project(p);
      expectClose(flat(plane.pointAt(x, y)), flat(p), 1e-5);
    }
    expect(plane.trace(curve.path(params), 5)).toHaveLength(5);
    plane.dispose();
    curve.dispose();
  });

  it('evaluates a grid covering the anchors', async () => {
    const plane = new Plane(vec(0, 0), vec(1, 1), vec(2, 0));
    const evaluator = functionalEvaluator({ loss: (p) => tf.tidy(() => tf.sum(tf.square((p as { w: tf.Tensor }).w)) as tf.Scalar), train: {} });
    const result = await evaluatePlane(plane, evaluator, { grid: 3, margin: 0 });
    expect(result.xs).toEqual([0, 1, 2]);
    expect(result.ys).toEqual([0, 0.5, 1]);
    expect(result.values[2][1].train.loss).toBeCloseTo(2, 5);
    expect(result.values[0][2].train.loss).toBeCloseTo(4, 5);
    plane.dispose();
  });

  it('rejects degenerate planes', () => {
    expect(() => new Plane(vec(0, 0), vec(1, 1), vec(0, 0))).toThrow(/endpoints coincide/);
    expect(() => new Plane(vec(0, 0), vec(1, 0), vec(2, 0))).toThrow(/bend lies on the line/);
  });
});
