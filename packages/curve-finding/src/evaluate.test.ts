import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { Tree } from '@basin/core';
import { Curve } from './curve';
import { evaluatePath, functionalEvaluator, lossBarrier } from './evaluate';
import { arcLength, linePath, linspace01 } from './path';

const loss = (p: Tree, batch: { c: tf.Tensor }) => tf.tidy(() => tf.sum(tf.square(tf.sub((p as { w: tf.Tensor }).w, batch.c))) as tf.Scalar);

describe('evaluatePath', () => {
  const start = { w: tf.tensor1d([0, 0]) };
  const end = { w: tf.tensor1d([3, 4]) };

  it('lossBarrier is the largest excess over the endpoint interpolation', () => {
    expect(lossBarrier([0, 0.5, 1], [1, 4, 3])).toEqual({ height: 2, t: 0.5 });
    expect(lossBarrier([0, 0.25, 0.5, 0.75, 1], [2, 1, 0.5, 1, 2])).toEqual({ height: 0, t: 0 });
    expect(() => lossBarrier([0, 1], [1])).toThrow(/same length/);
  });

  it('arc length of the line is |end - start|; of a quadratic Bezier matches the analytic integral', () => {
    const line = linePath(start, end);
    expect(Math.abs(arcLength(line, linspace01(5)) - 5)).toBeLessThan(1e-5);
    line.dispose();
    // Bezier (0,0) -> bend (0,4) -> (4,4)... closed form of the length of a parabola arc.
    const curve = new Curve({ w: tf.tensor1d([0, 0]) }, { w: tf.tensor1d([4, 4]) });
    const path = curve.path({ bends: [{ w: tf.tensor1d([0, 4]) }] });
    // theta'(t) = 2(1-t)(0,4) + 2t(4,0) = (8t, 8(1-t)); length = 8 * int_0^1 sqrt(t^2 + (1-t)^2) dt.
    const f = (t: number) => Math.sqrt(t * t + (1 - t) * (1 - t));
    let exact = 0;
    const m = 100000;
    for (let i = 0; i < m; i++) exact += (8 * f((i + 0.5) / m)) / m;
    expect(Math.abs(arcLength(path, linspace01(401)) - exact)).toBeLessThan(1e-3);
    curve.dispose();
  });

  it('evaluates loss, accuracy, barrier and length along a path, without leaks', async () => {
    // Loss ||w - c||^2 with c off the line: the line from (0,0) to (2,0) passes c=(1,1)'s foot.
    const a = { w: tf.tensor1d([0, 0]) };
    const b = { w: tf.tensor1d([2, 0]) };
    const line = linePath(a, b);
    const evaluator = functionalEvaluator({
      loss,
      accuracy: (p, batch) => tf.tidy(() => tf.sub(1, tf.div(loss(p, batch), 10)) as tf.Scalar),
      train: { c: tf.tensor1d([1, 1]) },
      test: { c: tf.tensor1d([1, -3]) },
    });
    const seen: number[] = [];
    const result = await evaluatePath(line, evaluator, { points: 5, onProgress: ({ t }) => seen.push(t) });
    expect(seen).toEqual([0, 0.25, 0.5, 0.75, 1]);
    // Train loss along the line: (2t - 1)^2 + 1.
    expectClose(result.train.loss, [2, 1.25, 1, 1.25, 2], 1e-6);
    expectClose(result.train.accuracy!, [0.8, 0.875, 0.9, 0.875, 0.8], 1e-6);
    expect(result.train.barrier.height).toBe(0);
    expectClose(result.test!.loss, [10, 9.25, 9, 9.25, 10], 1e-6);
    expect(Math.abs(result.arcLength - 2)).toBeLessThan(1e-6);
    // A loss that rises in the middle: c far from the path's middle.
    const bump = functionalEvaluator({ loss: (p) => tf.tidy(() => tf.neg(loss(p, { c: tf.tensor1d([1, 0]) }))), train: {} });
    const bumped = await evaluatePath(line, bump, { points: 3 });
    expect(bumped.train.barrier).toEqual({ height: 1, t: 0.5 });
    const before = tf.memory().numTensors;
    await evaluatePath(line, evaluator, { points: 3 });
    expect(tf.memory().numTensors).toBe(before);
    line.dispose();
  });

  it('linePath is exact at the ends and leak-free', () => {
    const line = linePath(start, end);
    const p0 = line.pointAt(0) as { w: tf.Tensor };
    expect(Array.from(p0.w.dataSync())).toEqual([0, 0]);
    expectNoLeak(() => tf.dispose(line.pointAt(0.3) as never));
    tf.dispose(p0);
    line.dispose();
    expect(() => linePath(start, { w: tf.zeros([3]) })).toThrow(/linePath: endpoint trees do not match/);
  });
});
