import { tf, expectClose } from '@basin/testing';
import { makeGradFn, treeDispose } from '@basin/core';
import type { Tree } from '@basin/core';
import { ascentSharpness } from './ascent-sharpness';

// L(w) = 0.5 sum(a w^2); g = a w.
const a = [1, 4, 0.5];
const loss = (params: Tree, batch: { a: tf.Tensor }): tf.Scalar =>
  tf.tidy(() => tf.mul(0.5, tf.sum(tf.mul(batch.a, tf.square((params as { w: tf.Tensor }).w)))) as tf.Scalar);
const L = (w: number[]) => 0.5 * w.reduce((s, x, i) => s + a[i] * x * x, 0);

describe('ascentSharpness', () => {
  it('is the loss increase after one rho-ascent step (analytic quadratic)', () => {
    const w = [1, -0.5, 2];
    const g = w.map((x, i) => a[i] * x);
    const n = Math.hypot(...g);
    const rho = 0.1;
    const adv = w.map((x, i) => x + (rho * g[i]) / n);
    const batch = { a: tf.tensor1d(a) };
    const params = { w: tf.tensor1d(w) };
    const before = tf.memory().numTensors;
    const r = ascentSharpness(makeGradFn(loss, batch), params, { rho });
    expect(tf.memory().numTensors).toBe(before);
    expectClose([r.loss, r.perturbedLoss, r.sharpness], [L(w), L(adv), L(adv) - L(w)], 1e-5);
    // A sharper quadratic (a scaled by 10) reports 10x the sharpness at the same point.
    const sharp = { a: tf.tensor1d(a.map((v) => 10 * v)) };
    const r10 = ascentSharpness(makeGradFn(loss, sharp), params, { rho });
    expectClose([r10.sharpness], [10 * r.sharpness], 1e-4);
    treeDispose([batch, params, sharp]);
  });

  it('rejects a schedule for rho and a missing gradFn', () => {
    const params = { w: tf.tensor1d([1]) };
    expect(() => ascentSharpness(undefined as never, params)).toThrow(/ascentSharpness: gradFn must be a function/);
    expect(() => ascentSharpness(makeGradFn(loss, { a: tf.tensor1d([1]) }), params, { rho: (() => 1) as never })).toThrow(/ascentSharpness: rho must be a finite number/);
    treeDispose(params);
  });

  it('gives the same answer whatever the key order of params', () => {
    type Q = { u: tf.Tensor; v: tf.Tensor };
    const lossUV = (params: Tree, batch: { a: tf.Tensor }): tf.Scalar =>
      tf.tidy(() => {
        const p = params as Q;
        return tf.add(tf.mul(0.5, tf.sum(tf.mul(batch.a, tf.square(p.u)))), tf.sum(tf.square(p.v))) as tf.Scalar;
      });
    const batch = { a: tf.tensor1d(a) };
    const uv = { u: tf.tensor1d([1, -0.5, 2]), v: tf.tensor1d([0.3, -0.1]) };
    const vu = { v: uv.v, u: uv.u };
    const r1 = ascentSharpness(makeGradFn(lossUV, batch), uv, { rho: 0.1, p: 3 });
    const r2 = ascentSharpness(makeGradFn(lossUV, batch), vu, { rho: 0.1, p: 3 });
    expect(r2).toEqual(r1);
    treeDispose([batch, uv]);
  });
});

