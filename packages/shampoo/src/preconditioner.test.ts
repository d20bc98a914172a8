import { tf, expectClose } from '@basin/testing';
import { blockStatistic, computeRoot, planLeaf, preconditionBlock } from './preconditioner';
import { eigenInversePthRoot } from './linalg';
import { gaussian, matmul, randomSpd, relativeError, transpose } from '../test-helpers';

const layout = { blockSize: Infinity, maxPreconditionerDim: 1024, mergeSmallDims: true };
const rootOptions = { epsilon: 1e-6, failureThreshold: 0.1, retries: 2, retryRidgeFactor: 10, maxIterations: 100, errorTolerance: 1e-6 };

describe('planLeaf', () => {
  it('gives matrices two full statistics with p = 4 and order-3 tensors p = 6', () => {
    expect(planLeaf([6, 4], layout)).toMatchObject({ merged: [6, 4], p: 4, blocks: [{ shape: [6, 4], kinds: ['full', 'full'] }] });
    const p3 = planLeaf([3, 4, 5], { ...layout, mergeSmallDims: false });
    expect(p3).toMatchObject({ merged: [3, 4, 5], p: 6, blocks: [{ kinds: ['full', 'full', 'full'] }] });
  });

  it('falls back to diagonal statistics for vectors and for dims over maxPreconditionerDim', () => {
    expect(planLeaf([7], layout)).toMatchObject({ p: 2, blocks: [{ shape: [7], kinds: ['diagonal'] }] });
    expect(planLeaf([], layout)).toMatchObject({ merged: [1], blocks: [{ kinds: ['diagonal'] }] });
    expect(planLeaf([1, 9], layout).blocks[0].kinds).toEqual(['diagonal']);
    expect(planLeaf([50, 8], { ...layout, maxPreconditionerDim: 20 }).blocks[0].kinds).toEqual(['diagonal', 'full']);
  });

  it('blocks long dims, each block with its own full statistics', () => {
    const plan = planLeaf([50, 8], { ...layout, blockSize: 20, maxPreconditionerDim: 20 });
    expect(plan.blocks.map((b) => b.shape)).toEqual([[20, 8], [20, 8], [10, 8]]);
    expect(plan.blocks.every((b) => b.kinds.every((k) => k === 'full'))).toBe(true);
  });
});

describe('blockStatistic', () => {
  it('is G G^T and G^T G for a matrix, and sums of squares for a diagonal', () => {
    const gv = gaussian(1, 12);
    const g = tf.tensor2d(gv, [3, 4]);
    expectClose(blockStatistic(g, 0, 'full').dataSync(), matmul(gv, transpose(gv, 3, 4), 3, 4, 3), 1e-5);
    expectClose(blockStatistic(g, 1, 'full').dataSync(), matmul(transpose(gv, 3, 4), gv, 4, 3, 4), 1e-5);
    const diag = Array.from({ length: 4 }, (_, j) => [0, 1, 2].reduce((s, i) => s + gv[i * 4 + j] ** 2, 0));
    expectClose(blockStatistic(g, 1, 'diagonal').dataSync(), diag, 1e-5);
    g.dispose();
  });

  it('contracts every other axis of an order-3 tensor', () => {
    const [a, b, c] = [2, 3, 4];
    const gv = gaussian(2, a * b * c);
    const g = tf.tensor3d(gv, [a, b, c]);
    // Mode-1 unfolding: rows indexed by j, columns by (i, k).
    const expected = new Float64Array(b * b);
    for (let j1 = 0; j1 < b; j1++) for (let j2 = 0; j2 < b; j2++) for (let i = 0; i < a; i++) for (let k = 0; k < c; k++) {
      expected[j1 * b + j2] += gv[(i * b + j1) * c + k] * gv[(i * b + j2) * c + k];
    }
    expectClose(tf.tidy(() => blockStatistic(g, 1, 'full')).dataSync(), expected, 1e-5);
    g.dispose();
  });
});

describe('preconditionBlock', () => {
  it('computes L G R for a matrix', () => {
    const gv = gaussian(3, 15);
    const lv = randomSpd(3, 10, 4);
    const rv = randomSpd(5, 10, 5);
    const out = tf.tidy(() => preconditionBlock(tf.tensor2d(gv, [3, 5]), [tf.tensor2d(Float32Array.from(lv), [3, 3]), tf.tensor2d(Float32Array.from(rv), [5, 5])], ['full', 'full']));
    expect(out.shape).toEqual([3, 5]);
    expect(relativeError(out.dataSync(), matmul(matmul(lv, gv, 3, 3, 5), rv, 3, 5, 5))).toBeLessThan(1e-5);
    out.dispose();
  });

  it('applies one factor per mode of an order-3 tensor, diagonal factors included', () => {
    const [a, b, c] = [2, 3, 4];
    const gv = gaussian(6, a * b * c);
    const f0 = randomSpd(a, 5, 7);
    const f1 = [0.5, 2, 3];
    const f2 = randomSpd(c, 5, 8);
    const expected = new Float64Array(a * b * c);
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) {
      let s = 0;
      for (let i2 = 0; i2 < a; i2++) for (let k2 = 0; k2 < c; k2++) s += f0[i * a + i2] * f1[j] * f2[k2 * c + k] * gv[(i2 * b + j) * c + k2];
      expected[(i * b + j) * c + k] = s;
    }
    const out = tf.tidy(() =>
      preconditionBlock(tf.tensor3d(gv, [a, b, c]), [tf.tensor2d(Float32Array.from(f0), [a, a]), tf.tensor1d(f1), tf.tensor2d(Float32Array.from(f2), [c, c])], ['full', 'diagonal', 'full']),
    );
    expect(out.shape).toEqual([a, b, c]);
    expect(relativeError(out.dataSync(), expected)).toBeLessThan(1e-5);
    out.dispose();
  });
});

describe('computeRoot', () => {
  it('takes the elementwise power of a diagonal statistic', () => {
    const s = tf.tensor1d([1, 15]);
    const r = computeRoot(s, 'diagonal', 4, { ...rootOptions, epsilon: 1 })!;
    expectClose(r.dataSync(), [Math.pow(2, -0.25), 0.5], 1e-6);
    tf.dispose([s, r]);
  });

  it('retries with a larger ridge, and gives up with undefined when every try fails', () => {
    const a = randomSpd(6, 1e3, 11);
    const s = tf.tensor2d(Float32Array.from(a), [6, 6]);
    // Two iterations cannot converge: each try fails.
    expect(computeRoot(s, 'full', 4, { ...rootOptions, maxIterations: 2 })).toBeUndefined();
    const r = computeRoot(s, 'full', 4, rootOptions)!;
    expect(relativeError(r.dataSync(), eigenInversePthRoot(a, 6, 4, 1e-6))).toBeLessThan(1e-3);
    tf.dispose([s, r]);
  });

  it('lands on the larger retry ridge when the first try fails', () => {
    // Condition 1e6 needs more than 8 iterations; with the retry ridge 1 it needs about 5.
    const a = randomSpd(5, 1e6, 12).map((x) => x * 1e-6);
    const s = tf.tensor2d(Float32Array.from(a), [5, 5]);
    const o = { ...rootOptions, epsilon: 1e-8, maxIterations: 8, retries: 1, retryRidgeFactor: 1e8 };
    expect(computeRoot(s, 'full', 4, { ...o, retries: 0 })).toBeUndefined();
    const r = computeRoot(s, 'full', 4, o)!;
    expect(relativeError(r.dataSync(), eigenInversePthRoot(a, 5, 4, 1))).toBeLessThan(1e-4);
    tf.dispose([s, r]);
  });
});
