import { tf, expectClose } from '@basin/testing';
import { BasinError, Tree, treeFlatten } from '@basin/core';
import { Curve } from './curve';

const tree = (seed: number) => ({
  dense: { kernel: tf.randomNormal([3, 2], 0, 1, 'float32', seed), bias: tf.randomNormal([2], 0, 1, 'float32', seed + 1) },
  out: [tf.randomNormal([2, 1], 0, 1, 'float32', seed + 2)],
});
const flat = (t: unknown): number[] => treeFlatten(t as Tree).flatMap((x) => Array.from(x.dataSync()));

describe('Curve', () => {
  it('reproduces the endpoints exactly at t = 0 and t = 1, for Bezier and chains', () => {
    const a = tree(1);
    const b = tree(10);
    for (const kind of ['bezier', 'polychain'] as const) {
      const curve = new Curve(a, b, { kind, bends: 2 });
      const params = curve.init();
      // Move the bends off the line so exactness is not an accident of the initialisation.
      const moved = { bends: params.bends.map((bend) => tf.tidy(() => ({ ...(bend as object), out: [tf.add((bend as any).out[0], 3)] }))) } as never;
      const p0 = curve.pointAt(moved, 0);
      const p1 = curve.pointAt(moved, 1);
      expect(flat(p0)).toEqual(flat(a));
      expect(flat(p1)).toEqual(flat(b));
      tf.dispose([p0, p1, params, moved] as never);
      curve.dispose();
    }
  });

  it('starts on the straight line (bends at j / (bends + 1)), so the initial curve is the line', () => {
    const a = tree(2);
    const b = tree(20);
    const fa = flat(a);
    const fb = flat(b);
    for (const kind of ['bezier', 'polychain'] as const) {
      const curve = new Curve(a, b, { kind, bends: 3 });
      const params = curve.init();
      expectClose(flat(params.bends[1]), fa.map((x, i) => 0.5 * x + 0.5 * fb[i]), 1e-6);
      for (const t of [0.1, 0.35, 0.8]) {
        const p = curve.pointAt(params, t);
        expectClose(flat(p), fa.map((x, i) => (1 - t) * x + t * fb[i]), 1e-5);
        tf.dispose(p as never);
      }
      tf.dispose(params as never);
      curve.dispose();
    }
  });

  it('computes the quadratic Bezier and the chain formulas', () => {
    const a = { w: tf.tensor1d([1, 2]) };
    const b = { w: tf.tensor1d([5, -2]) };
    const bend = { w: tf.tensor1d([0, 10]) };
    const t = 0.3;
    const bez = new Curve(a, b);
    const pb = bez.pointAt({ bends: [bend] }, t) as { w: tf.Tensor };
    const q = (x: number, m: number, y: number) => (1 - t) ** 2 * x + 2 * t * (1 - t) * m + t * t * y;
    expectClose(pb.w.dataSync(), [q(1, 0, 5), q(2, 10, -2)], 1e-6);
    const chain = new Curve(a, b, { kind: 'polychain' });
    const pc = chain.pointAt({ bends: [bend] }, t) as { w: tf.Tensor };
    // t = 0.3 is 60% of the way from the start to the bend (at t = 0.5).
    expectClose(pc.w.dataSync(), [0.4 * 1 + 0.6 * 0, 0.4 * 2 + 0.6 * 10], 1e-6);
    tf.dispose([a, b, bend, pb, pc] as never);
    bez.dispose();
    chain.dispose();
  });

  it('takes free endpoints from the params', () => {
    const a = { w: tf.tensor1d([1, 2]) };
    const b = { w: tf.tensor1d([3, 4]) };
    const curve = new Curve(a, b, { fixStart: false });
    const params = curve.init();
    expect(Object.keys(params).sort()).toEqual(['bends', 'start']);
    const start = params.start as { w: tf.Tensor };
    const moved = { bends: params.bends, start: { w: tf.add(start.w, 1) } };
    const p0 = curve.pointAt(moved, 0) as { w: tf.Tensor };
    expectClose(p0.w.dataSync(), [2, 3], 0);
    tf.dispose([a, b, params, moved.start, p0] as never);
    curve.dispose();
  });

  it('gives a clear error for endpoint trees that do not match', () => {
    const a = { dense: { kernel: tf.zeros([3, 2]), bias: tf.zeros([2]) } };
    expect(() => new Curve(a, { dense: { kernel: tf.zeros([3, 3]), bias: tf.zeros([2]) } })).toThrow(
      /endpoint trees do not match: end does not match start at 'dense.kernel': expected shape \[3, 2\], got \[3, 3\]/,
    );
    expect(() => new Curve(a, { dense: { kernel: tf.zeros([3, 2]) } })).toThrow(/missing \{bias\}/);
    expect(() => new Curve(a, { dense: { kernel: tf.zeros([3, 2]), bias: tf.zeros([2], 'int32') } })).toThrow(/float32/);
    expect(() => new Curve(a, a, { bends: 1.5 })).toThrow(BasinError);
    expect(() => new Curve(a, a, { kind: 'spline' as never })).toThrow(/kind/);
    const curve = new Curve(a, a);
    expect(() => curve.pointAt({ bends: [] }, 0.5)).toThrow(/bends must have 1 entries/);
    expect(() => curve.pointAt({ bends: [{ dense: { kernel: tf.zeros([2, 2]), bias: tf.zeros([2]) } }] }, 0.5)).toThrow(/bends\[0\].*'dense.kernel'/);
    expect(() => curve.pointAt({ bends: [a], start: a }, 0.5)).toThrow(/unexpected \{start\}/);
    curve.dispose();
  });
});
