import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { BasinError, decodeTree, encodeTree, step, treeDispose, type Tree } from '@basin/core';
import { scaleByShampoo, ShampooState } from './scale-by-shampoo';
import { eigenInversePthRoot } from './linalg';
import { gaussian, matmul, relativeError, seedUpdate, transpose } from '../test-helpers';

type T = Record<string, tf.Tensor>;

/** Runs one update and returns the outputs as arrays; disposes everything but the new state. */
function run(t: ReturnType<typeof scaleByShampoo>, grads: T, state: ShampooState): [Record<string, Float32Array>, ShampooState] {
  const [u, s] = t.update(grads, state);
  const out = Object.fromEntries(Object.entries(u as T).map(([k, v]) => [k, v.dataSync() as Float32Array]));
  treeDispose(u);
  return [out, s];
}

describe('scaleByShampoo', () => {
  it('follows the seed formula on a matrix for several steps (float64 eigen reference)', () => {
    const [m, n, b, eps] = [5, 3, 0.9, 1e-3];
    const t = scaleByShampoo({ beta2: b, epsilon: eps, grafting: 'none' });
    const w = { w: tf.zeros([m, n]) };
    let state = t.init(w);
    let L = new Float64Array(m * m);
    let R = new Float64Array(n * n);
    for (let k = 0; k < 4; k++) {
      const g = gaussian(100 + k, m * n);
      L = L.map((x, i) => b * x + (1 - b) * matmul(g, transpose(g, m, n), m, n, m)[i]);
      R = R.map((x, i) => b * x + (1 - b) * matmul(transpose(g, m, n), g, n, m, n)[i]);
      const grads = { w: tf.tensor2d(g, [m, n]) };
      const [out, next] = run(t, grads, state);
      treeDispose([grads, state]);
      state = next;
      expect(relativeError(out.w, seedUpdate(L, g, R, m, n, eps))).toBeLessThan(1e-3);
    }
    expect(state.count).toBe(4);
    expect(state.rootFailures).toBe(0);
    treeDispose([w, state]);
  });

  it('uses exponent -1/(2k) on each mode of an order-3 tensor', () => {
    const [a, b, c, eps] = [2, 3, 4, 1e-2];
    const t = scaleByShampoo({ beta2: 1, epsilon: eps, grafting: 'none', mergeSmallDims: false });
    const gv = gaussian(7, a * b * c);
    const params = { x: tf.zeros([a, b, c]) };
    const state = t.init(params);
    const grads = { x: tf.tensor3d(gv, [a, b, c]) };
    const [out, next] = run(t, grads, state);
    // Mode-d statistics and their -1/6 roots in float64, then the three mode products.
    const dims = [a, b, c];
    const idx = (i: number, j: number, k: number) => (i * b + j) * c + k;
    const stats = dims.map((nd, d) => {
      const s = new Float64Array(nd * nd);
      for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) {
        const at = [i, j, k];
        for (let e = 0; e < nd; e++) {
          const other = [...at];
          other[d] = e;
          s[at[d] * nd + e] += gv[idx(i, j, k)] * gv[idx(other[0], other[1], other[2])];
        }
      }
      return eigenInversePthRoot(s, nd, 6, eps);
    });
    const expected = new Float64Array(a * b * c);
    for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let k = 0; k < c; k++) {
      let s = 0;
      for (let i2 = 0; i2 < a; i2++) for (let j2 = 0; j2 < b; j2++) for (let k2 = 0; k2 < c; k2++) {
        s += stats[0][i * a + i2] * stats[1][j * b + j2] * stats[2][k * c + k2] * gv[idx(i2, j2, k2)];
      }
      expected[idx(i, j, k)] = s;
    }
    expect(relativeError(out.x, expected)).toBeLessThan(1e-3);
    treeDispose([params, state, grads, next]);
  });

  it('preconditions vectors with a diagonal statistic: (v + eps)^(-1/2) g', () => {
    const t = scaleByShampoo({ beta2: 0.5, epsilon: 1e-4, grafting: 'none' });
    const params = { b: tf.zeros([3]) };
    let state = t.init(params);
    const g1 = [1, -2, 0.5];
    const g2 = [0.3, 1, -1];
    let out: Record<string, Float32Array> = {};
    for (const g of [g1, g2]) {
      const grads = { b: tf.tensor1d(g) };
      const [o, next] = run(t, grads, state);
      treeDispose([grads, state]);
      state = next;
      out = o;
    }
    const v = g1.map((x, i) => 0.5 * 0.5 * x * x + 0.5 * g2[i] ** 2);
    expectClose(out.b, g2.map((x, i) => x / Math.sqrt(v[i] + 1e-4)), 1e-5);
    treeDispose([params, state]);
  });

  it('keeps a diagonal statistic for a dimension over maxPreconditionerDim', () => {
    const [m, n, eps] = [8, 3, 1e-3];
    const t = scaleByShampoo({ beta2: 1, epsilon: eps, grafting: 'none', maxPreconditionerDim: 5 });
    const gv = gaussian(3, m * n);
    const params = { w: tf.zeros([m, n]) };
    const state = t.init(params);
    expect(state.leaves.w.stats[0].map((s) => s.shape)).toEqual([[m], [n, n]]);
    const grads = { w: tf.tensor2d(gv, [m, n]) };
    const [out, next] = run(t, grads, state);
    const diag = Array.from({ length: m }, (_, i) => Math.pow([0, 1, 2].reduce((s, j) => s + gv[i * n + j] ** 2, 0) + eps, -0.25));
    const rRoot = eigenInversePthRoot(matmul(transpose(gv, m, n), gv, n, m, n), n, 4, eps);
    const expected = matmul(gv.map((x, k) => x * diag[Math.floor(k / n)]), rRoot, m, n, n);
    expect(relativeError(out.w, expected)).toBeLessThan(1e-4);
    treeDispose([params, state, grads, next]);
  });

  it('preconditions each block of a partitioned matrix on its own', () => {
    const [m, n, eps] = [7, 4, 1e-3];
    const blocked = scaleByShampoo({ beta2: 1, epsilon: eps, grafting: 'none', blockSize: 3 });
    const gv = gaussian(5, m * n);
    const params = { w: tf.zeros([m, n]) };
    const state = blocked.init(params);
    expect(state.leaves.w.stats.length).toBe(6); // rows 3+3+1, columns 3+1
    const grads = { w: tf.tensor2d(gv, [m, n]) };
    const [out, next] = run(blocked, grads, state);
    // Reference: the seed formula on each block with beta2 = 1 (sums).
    const expected = new Float64Array(m * n);
    for (const [r0, rs] of [[0, 3], [3, 3], [6, 1]]) for (const [c0, cs] of [[0, 3], [3, 1]]) {
      const g = new Float64Array(rs * cs);
      for (let i = 0; i < rs; i++) for (let j = 0; j < cs; j++) g[i * cs + j] = gv[(r0 + i) * n + c0 + j];
      const L = matmul(g, transpose(g, rs, cs), rs, cs, rs);
      const R = matmul(transpose(g, rs, cs), g, cs, rs, cs);
      const u = seedUpdate(L, g, R, rs, cs, eps);
      for (let i = 0; i < rs; i++) for (let j = 0; j < cs; j++) expected[(r0 + i) * n + c0 + j] = u[i * cs + j];
    }
    expect(relativeError(out.w, expected)).toBeLessThan(1e-3);
    treeDispose([params, state, grads, next]);
  });

  it('recomputes roots only every updateEvery steps, and uses the graft before startPreconditioningStep', () => {
    const t = scaleByShampoo({ beta2: 0.9, epsilon: 1e-3, grafting: 'sgd', updateEvery: 3, startPreconditioningStep: 2 });
    const params = { w: tf.zeros([4, 3]) };
    let state = t.init(params);
    const rootsAt: Float32Array[] = [];
    for (let k = 0; k < 6; k++) {
      const g = gaussian(20 + k, 12);
      const grads = { w: tf.tensor2d(g, [4, 3]) };
      const [out, next] = run(t, grads, state);
      treeDispose([grads, state]);
      state = next;
      rootsAt.push(state.leaves.w.roots[0][0].dataSync() as Float32Array);
      // Before step 2 the update is the grafted step (SGD: the gradient itself).
      if (k < 2) expectClose(out.w, g, 1e-6);
      else expect(relativeError(out.w, g)).toBeGreaterThan(1e-2);
    }
    const eye = tf.tidy(() => tf.eye(4).dataSync());
    expectClose(rootsAt[1], eye, 0); // not yet computed
    expect(relativeError(rootsAt[2], eye)).toBeGreaterThan(1e-2); // computed at step 2
    expectClose(rootsAt[3], rootsAt[2], 0);
    expectClose(rootsAt[4], rootsAt[2], 0);
    expect(relativeError(rootsAt[5], rootsAt[2])).toBeGreaterThan(1e-4); // recomputed at step 5
    treeDispose([params, state]);
  });

  it('grafting takes the Shampoo direction with the grafted step norm', () => {
    const gv = gaussian(9, 12);
    const plain = scaleByShampoo({ beta2: 0.9, epsilon: 1e-3, grafting: 'none' });
    const grafted = scaleByShampoo({ beta2: 0.9, epsilon: 1e-3, grafting: 'adagrad', graftingEpsilon: 0 });
    const params = { w: tf.zeros([4, 3]) };
    const grads = { w: tf.tensor2d(gv, [4, 3]) };
    const s1 = plain.init(params);
    const s2 = grafted.init(params);
    const [d, n1] = run(plain, grads, s1);
    const [u, n2] = run(grafted, grads, s2);
    // AdaGrad's first step is sign(g): norm sqrt(12).
    const norm = (x: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0));
    expect(norm(u.w)).toBeCloseTo(Math.sqrt(12), 4);
    const scaled = Array.from(d.w).map((x) => (x * Math.sqrt(12)) / norm(d.w));
    expectClose(u.w, scaled, 1e-5);
    treeDispose([params, grads, s1, s2, n1, n2]);
  });

  it('keeps the previous roots when a root fails, and params and state stay usable', () => {
    const good = scaleByShampoo({ beta2: 0.9, epsilon: 1e-3, grafting: 'none' });
    // Same layout; its roots always fail (one iteration cannot reach the threshold).
    const failing = scaleByShampoo({ beta2: 0.9, epsilon: 1e-3, grafting: 'none', rootMaxIterations: 1, rootFailureThreshold: 1e-6, rootRetries: 1 });
    const params = { w: tf.zeros([4, 3]), b: tf.zeros([3]) };
    const s0 = good.init(params);
    const g = (seed: number) => ({ w: tf.tensor2d(gaussian(seed, 12), [4, 3]), b: tf.tensor1d(gaussian(seed + 1, 3)) });
    const g1 = g(40);
    const [, s1] = run(good, g1, s0);
    const goodRoots = s1.leaves.w.roots[0].map((r) => r.dataSync().slice());
    const g2 = g(50);
    const [out, s2] = run(failing, g2, s1);
    expect(s2.rootFailures).toBe(2); // L and R; the bias's diagonal root cannot fail
    s2.leaves.w.roots[0].forEach((r, d) => expectClose(r.dataSync(), goodRoots[d], 0));
    // The update used the kept roots: L_old^(-1/4) G R_old^(-1/4).
    const gw = g2.w.dataSync();
    const expected = matmul(matmul(goodRoots[0], gw, 4, 4, 3), goodRoots[1], 4, 3, 3);
    expect(relativeError(out.w, expected)).toBeLessThan(1e-5);
    expect(Array.from(out.w).every(Number.isFinite)).toBe(true);
    // The state keeps working with the good transform.
    const [again, s3] = run(good, g2, s2);
    expect(Array.from(again.w).every(Number.isFinite)).toBe(true);
    expect(s3.rootFailures).toBe(2);
    treeDispose([params, s0, s1, s2, s3, g1, g2]);
  });

  it('a non-finite gradient makes step() throw and leaves params and state usable', () => {
    const t = scaleByShampoo({ grafting: 'rmsprop' });
    const params = { w: tf.tensor2d([[1, 2], [3, 4]]) };
    const state = t.init(params);
    const before = encodeTree(state);
    const badLoss = (p: Tree) => tf.mul(tf.sum((p as T).w), NaN) as tf.Scalar;
    expect(() => step(t, badLoss, params, state, {})).toThrow(/contains NaN or Infinity/);
    expect(encodeTree(state)).toEqual(before);
    const goodLoss = (p: Tree) => tf.sum(tf.square((p as T).w)) as tf.Scalar;
    const r = step(t, goodLoss, params, state, {});
    expect(Array.from((r.params as T).w.dataSync()).every(Number.isFinite)).toBe(true);
    treeDispose([params, state, r.params, r.state, r.loss]);
  });

  it('resumes the same trajectory from a checkpointed state', () => {
    const t = scaleByShampoo({ beta2: 0.9, epsilon: 1e-3, grafting: 'adam', updateEvery: 2 });
    const params = { w: tf.zeros([3, 2]) };
    const s0 = t.init(params);
    const g = { w: tf.tensor2d(gaussian(60, 6), [3, 2]) };
    const [, s1] = run(t, g, s0);
    const restored = decodeTree(JSON.parse(JSON.stringify(encodeTree(s1)))) as ShampooState;
    const [a] = run(t, g, s1);
    const [b] = run(t, g, restored);
    expectClose(a.w, b.w, 0);
    treeDispose([params, s0, s1, restored, g]);
  });

  it('rejects invalid options and mismatched updates with a BasinError', () => {
    expect(() => scaleByShampoo({ grafting: 'lamb' as never })).toThrow(/grafting must be one of 'none', 'sgd'/);
    expect(() => scaleByShampoo({ epsilon: 0 })).toThrow(/scaleByShampoo: epsilon must be a number > 0, got 0/);
    expect(() => scaleByShampoo({ updateEvery: 0 })).toThrow(/updateEvery must be an integer >= 1/);
    expect(() => scaleByShampoo({ beta2: 1.5 })).toThrow(BasinError);
    expect(() => scaleByShampoo({ blockSize: 2.5 })).toThrow(/blockSize/);
    const t = scaleByShampoo();
    const params = { w: tf.zeros([3, 2]) };
    const state = t.init(params);
    const wrong = { w: tf.zeros([2, 3]) };
    const extra = { w: tf.zeros([3, 2]), b: tf.zeros([2]) };
    const count = tf.memory().numTensors;
    expect(() => t.update(wrong, state)).toThrow(/updates at 'w' have shape \[2, 3\], which does not match/);
    expect(() => t.update(extra, state)).toThrow(/updates for 'b', which the state has no entry for/);
    expect(tf.memory().numTensors).toBe(count);
    treeDispose([params, state, wrong, extra]);
  });

  it('leaks no tensors, blocked and grafted, on steps with and without root recomputation', () => {
    const t = scaleByShampoo({ grafting: 'adam', updateEvery: 2, blockSize: 3, maxPreconditionerDim: 3 });
    const params = { w: tf.zeros([5, 4]), b: tf.zeros([4]), k: tf.zeros([2, 2, 3]) };
    let state = t.init(params);
    const grads = { w: tf.ones([5, 4]), b: tf.ones([4]), k: tf.tensor3d(gaussian(1, 12), [2, 2, 3]) };
    expectNoLeak(() => {
      const [u, next] = t.update(grads, state);
      treeDispose([u, state]);
      state = next;
    }, 4);
    treeDispose([params, state, grads]);
  });
});
