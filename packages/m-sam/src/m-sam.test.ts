import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { adam, BasinError, makeGradFn, sgd, step, treeDispose } from '@basin/core';
import type { GradFn, Tree } from '@basin/core';
import { sam } from '@basin/sam';
import { mSam } from './m-sam';

type Batch = { X: tf.Tensor; y: tf.Tensor };
// Least squares per row: L_S(w) = 0.5 mean_{r in S} (x_r . w - y_r)^2, gradient mean_r (x_r . w - y_r) x_r.
const loss = (params: Tree, batch: Batch): tf.Scalar =>
  tf.tidy(() => {
    const r = tf.sub(tf.squeeze(tf.matMul(batch.X as tf.Tensor2D, tf.reshape((params as { w: tf.Tensor }).w, [-1, 1]) as tf.Tensor2D), [1]), batch.y);
    return tf.mul(0.5, tf.mean(tf.square(r))) as tf.Scalar;
  });

const N = 10;
const D = 3;
const X = Array.from({ length: N }, (_, i) => Array.from({ length: D }, (_, j) => Math.sin(1.3 * i + 0.7 * j + 0.2)));
const Y = Array.from({ length: N }, (_, i) => Math.cos(0.9 * i));
const W0 = [0.2, -0.4, 0.1];

function chunkGrad(w: number[], rows: number[]): number[] {
  const g = new Array(D).fill(0);
  for (const r of rows) {
    const res = X[r].reduce((s, x, j) => s + x * w[j], 0) - Y[r];
    for (let j = 0; j < D; j++) g[j] += (res * X[r][j]) / rows.length;
  }
  return g;
}
/** numpy array_split of 0..n-1 into k consecutive parts. */
function split(n: number, k: number): number[][] {
  const base = Math.floor(n / k);
  const extra = n % k;
  const out: number[][] = [];
  let start = 0;
  for (let i = 0; i < k; i++) {
    const len = base + (i < extra ? 1 : 0);
    out.push(Array.from({ length: len }, (_, t) => start + t));
    start += len;
  }
  return out;
}
/** Float64 reference: one m-SAM step with SGD. */
function mSamSgdReference(w: number[], k: number, rho: number, lr: number): number[] {
  const avg = new Array(D).fill(0);
  for (const rows of split(N, k)) {
    const g = chunkGrad(w, rows);
    const n = Math.hypot(...g);
    const adv = w.map((x, j) => x + (rho * g[j]) / n);
    chunkGrad(adv, rows).forEach((v, j) => (avg[j] += v / k));
  }
  return w.map((x, j) => x - lr * avg[j]);
}

const makeBatch = (): Batch => ({ X: tf.tensor2d(X), y: tf.tensor1d(Y) });
const makeParams = (w = W0) => ({ w: tf.tensor1d(w) });
const read = (p: Tree) => Array.from((p as { w: tf.Tensor }).w.dataSync());

function oneStep(opt: ReturnType<typeof mSam>, w = W0, extras?: Record<string, unknown>): number[] {
  const batch = makeBatch();
  const params = makeParams(w);
  const state = opt.init(params);
  let out: number[];
  if (extras) {
    const gradFn = makeGradFn(loss, batch);
    const { loss: l, grads } = gradFn(params);
    const [u, s] = opt.update(grads, state, params, { gradFn, ...extras });
    out = read(params).map((x, j) => x + read(u)[j]);
    treeDispose([l, grads, u, s]);
  } else {
    const r = step(opt, loss, params, state, batch);
    out = read(r.params);
    treeDispose(r);
  }
  treeDispose([batch, params, state]);
  return out;
}

describe('mSam', () => {
  it('averages each chunk\'s gradient at its own perturbed point (5 chunks of 2 rows)', () => {
    expectClose(oneStep(mSam(sgd({ learningRate: 0.5 }), { rho: 0.1, microbatches: 5 })), mSamSgdReference(W0, 5, 0.1, 0.5), 1e-5);
  });

  it('microbatchSize m gives floor(n/m) chunks with the remainder spread over the first ones', () => {
    // n = 10, m = 3: three chunks of 4, 3, 3 rows.
    const expected = mSamSgdReference(W0, 3, 0.1, 0.5);
    expectClose(oneStep(mSam(sgd({ learningRate: 0.5 }), { rho: 0.1, microbatchSize: 3, batchSize: 10 })), expected, 1e-5);
    expectClose(oneStep(mSam(sgd({ learningRate: 0.5 }), { rho: 0.1, microbatchSize: 3 }), W0, { batchSize: 10 }), expected, 1e-5);
    // m larger than the batch: one chunk.
    expectClose(oneStep(mSam(sgd({ learningRate: 0.5 }), { rho: 0.1, microbatchSize: 64, batchSize: 10 })), mSamSgdReference(W0, 1, 0.1, 0.5), 1e-5);
  });

  it('with one chunk it is SAM', () => {
    const a = oneStep(mSam(adam({ learningRate: 0.1 }), { rho: 0.2, microbatches: 1 }));
    const b = oneStep(sam(adam({ learningRate: 0.1 }), { rho: 0.2 }) as never);
    expectClose(a, b, 1e-6);
  });

  it('rho = 0 with equal chunks is the base step on the full-batch gradient', () => {
    const full = chunkGrad(W0, Array.from({ length: N }, (_, i) => i));
    expectClose(oneStep(mSam(sgd({ learningRate: 0.5 }), { rho: 0, microbatches: 2 })), W0.map((x, j) => x - 0.5 * full[j]), 1e-5);
  });

  it('passes the perturbation options through (unnormalised chunks)', () => {
    const expected = (() => {
      const avg = new Array(D).fill(0);
      for (const rows of split(N, 2)) {
        const g = chunkGrad(W0, rows);
        chunkGrad(W0.map((x, j) => x + 0.3 * g[j]), rows).forEach((v, j) => (avg[j] += v / 2));
      }
      return W0.map((x, j) => x - 0.5 * avg[j]);
    })();
    expectClose(oneStep(mSam(sgd({ learningRate: 0.5 }), { rho: 0.3, microbatches: 2, normalize: false })), expected, 1e-5);
  });

  it('validates options and names what is missing', () => {
    const base = sgd({ learningRate: 0.1 });
    expect(() => mSam(base, {})).toThrow(/mSam: give exactly one of microbatches .* or microbatchSize/);
    expect(() => mSam(base, { microbatches: 2, microbatchSize: 3 })).toThrow(BasinError);
    expect(() => mSam(base, { microbatches: 1.5 })).toThrow(/mSam: microbatches must be an integer >= 1/);
    expect(() => mSam(base, { microbatches: 2, rho: -1 })).toThrow(/mSam: rho/);
    // core's step passes extras.batchSize; a hand-written loop that does not gets a clear error
    expect(() => oneStep(mSam(base, { microbatchSize: 3 }), W0, {})).toThrow(/mSam: microbatchSize needs the batch size/);
    expect(oneStep(mSam(base, { microbatchSize: 5 }))).toEqual(oneStep(mSam(base, { microbatches: 2 })));
  });

  it('throws on a missing gradFn or a gradFn returning another tree, leaking nothing', () => {
    const opt = mSam(sgd({ learningRate: 0.1 }), { microbatches: 2 });
    const params = makeParams();
    const state = opt.init(params);
    const g = makeParams();
    const bad: GradFn = () => ({ loss: tf.scalar(1), grads: { v: tf.zeros([3]) } });
    const before = tf.memory().numTensors;
    expect(() => opt.update(g, state, params)).toThrow(/mSam: extras\.gradFn is missing/);
    expect(() => opt.update(g, state, params, { gradFn: bad })).toThrow(/mSam: .*missing \{w\}, unexpected \{v\}/);
    expect(tf.memory().numTensors).toBe(before);
    treeDispose([params, state, g]);
  });

  it('leaks no tensors per step', () => {
    const batch = makeBatch();
    for (const opt of [mSam(sgd({ learningRate: 0.1, momentum: 0.9 }), { microbatches: 3 }), mSam(adam({ learningRate: 0.1 }), { microbatches: 1, adaptive: true })]) {
      let params: Tree = makeParams();
      let state = opt.init(params);
      expectNoLeak(() => {
        const r = step(opt, loss, params, state, batch);
        treeDispose([params, state, r.loss]);
        params = r.params;
        state = r.state;
      });
      treeDispose([params, state]);
    }
    treeDispose(batch);
  });
});
