// Helpers shared by @basin/core's own tests (excluded from the build): the transform contract
// (no leaks, fresh outputs, inputs untouched, clean errors) and small float64 references.
import { tf, expectClose, expectNoLeak } from '@basin/testing';
import type { Extras, Transform } from '../src/transform';
import { collectTensors, Tree, treeDispose, treeLeaves } from '../src/tree';
import { decodeTree, encodeTree } from '../src/checkpoint';

export const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** The leaves of a tree as plain arrays keyed by path (`w`, `layers[0].b`). */
export function leafValues(tree: Tree): Record<string, number[]> {
  return Object.fromEntries(treeLeaves(tree).map((e) => [e.path, vals(e.leaf)]));
}

/** Deterministic values in [-1, 1) from a seed (an LCG, independent of core's generator). */
export function seeded(seed: number, n: number, scale = 1): number[] {
  let s = (seed * 2654435761) >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return scale * ((s / 4294967296) * 2 - 1);
  });
}

/** A small two-level params tree with a matrix, a vector and a scalar. */
export function makeTree(seed: number, scale = 1): Tree {
  return {
    dense: { kernel: tf.tensor2d(seeded(seed, 6, scale), [3, 2]), bias: tf.tensor1d(seeded(seed + 1, 2, scale)) },
    gain: tf.scalar(seeded(seed + 2, 1, scale)[0]),
  };
}

// Snapshots of the caller's tensors and the BasinError assertion are @basin/testing's (shared by
// every package's tests).
import { snapshot, expectIntact, expectBasinError } from '@basin/testing';

export { snapshot, expectIntact, expectBasinError };

export interface StepRecord {
  updates: Record<string, number[]>;
  state: unknown;
}

/**
 * Runs `steps` updates as a caller would (disposing the old state, the gradients and the outputs
 * after reading them) and returns the updates of each step as plain arrays.
 */
export function runTransform(
  transform: Transform<any>,
  params: Tree,
  grads: (k: number) => Tree,
  steps: number,
  options: { withParams?: boolean; extras?: Extras } = {},
): Record<string, number[]>[] {
  const { withParams = true, extras } = options;
  let state = transform.init(params);
  const out: Record<string, number[]>[] = [];
  for (let k = 0; k < steps; k++) {
    const g = grads(k);
    const [u, s] = transform.update(g, state, withParams ? params : undefined, extras);
    out.push(leafValues(u));
    treeDispose([g, u, state]);
    state = s;
  }
  treeDispose(state);
  return out;
}

export interface ContractCase {
  make: () => Transform<any>;
  /** Update with params (transforms that read them need it). Default true. */
  withParams?: boolean;
  /** The transform keeps per-leaf state, so updates must match that state's structure. */
  perLeafState?: boolean;
  /** The transform reads params, so it must reject a missing or mismatched params tree. */
  readsParams?: boolean;
}

/**
 * The ownership contract every transform must keep, as Jest tests: zero tensors leaked per step,
 * outputs that share no tensor with the inputs, inputs left alive and unchanged, and, where the
 * transform keeps per-leaf state or reads params, a BasinError naming the path for mismatched
 * trees and wrong shapes that leaves params and state usable and unchanged.
 */
export function describeContract(name: string, c: ContractCase): void {
  const withParams = c.withParams ?? true;
  describe(`${name}: transform contract`, () => {
    it('keeps tf.memory().numTensors flat across steps (expectNoLeak)', () => {
      const t = c.make();
      const params = makeTree(1);
      let state = t.init(params);
      let k = 0;
      expectNoLeak(() => {
        const g = makeTree(10 + k++);
        const [u, s] = t.update(g, state, withParams ? params : undefined);
        treeDispose([g, u, state]);
        state = s;
      }, 4);
      treeDispose([params, state]);
    });

    it('returns fresh tensors and leaves its inputs alive and unchanged', () => {
      const t = c.make();
      const params = makeTree(2);
      const s0 = t.init(params);
      const g0 = makeTree(3);
      const [u0, s1] = t.update(g0, s0, withParams ? params : undefined);
      treeDispose(g0);
      treeDispose(u0);
      const g = makeTree(4);
      const inputs = snapshot([g, s1, params]);
      const [u, s2] = t.update(g, s1, withParams ? params : undefined);
      const inputTensors = collectTensors([g, s1, params]);
      for (const x of collectTensors([u, s2])) expect(inputTensors.has(x)).toBe(false);
      expectIntact(inputs);
      // The caller may now dispose everything it gave in, and the results stay valid.
      const outputs = snapshot([u, s2]);
      treeDispose([g, s0, s1]);
      expectIntact(outputs);
      treeDispose([u, s2, params]);
    });

    it('resumes from a JSON round trip of its state on exactly the same trajectory', () => {
      const t = c.make();
      const params = makeTree(9);
      const grads = (k: number) => makeTree(20 + k);
      let state = t.init(params);
      const run = (s: unknown, from: number, to: number): [Record<string, number[]>[], unknown] => {
        const outs: Record<string, number[]>[] = [];
        for (let k = from; k < to; k++) {
          const g = grads(k);
          const [u, next] = t.update(g, s, withParams ? params : undefined);
          outs.push(leafValues(u));
          treeDispose([g, u]);
          if (k > from) treeDispose(s);
          s = next;
        }
        return [outs, s];
      };
      [, state] = run(state, 0, 3);
      const saved = JSON.stringify(encodeTree(state));
      const [straight, end1] = run(state, 3, 6);
      const restored = decodeTree(JSON.parse(saved));
      const [resumed, end2] = run(restored, 3, 6);
      expect(resumed).toEqual(straight);
      treeDispose([params, state, end1, end2, restored]);
    });

    if (c.perLeafState) {
      it('rejects updates whose tree or shapes do not match its state, naming the path; state intact', () => {
        const t = c.make();
        const params = makeTree(5);
        const state = t.init(params);
        const snap = snapshot([params, state]);
        const missing = { dense: { kernel: tf.zeros([3, 2]) }, gain: tf.scalar(1) };
        expectBasinError(() => t.update(missing, state, withParams ? params : undefined), /dense.*bias|bias/);
        const wrongShape = { dense: { kernel: tf.zeros([2, 3]), bias: tf.zeros([2]) }, gain: tf.scalar(1) };
        expectBasinError(() => t.update(wrongShape, state, withParams ? params : undefined), /'dense\.kernel'.*\[3, 2\].*\[2, 3\]/);
        expectIntact(snap);
        // Still usable: a good update goes through.
        const g = makeTree(6);
        const [u, s] = t.update(g, state, withParams ? params : undefined);
        treeDispose([missing, wrongShape, g, u, s, state, params]);
      });
    }

    if (c.readsParams) {
      it('needs params and rejects params that do not match the updates', () => {
        const t = c.make();
        const params = makeTree(7);
        const state = t.init(params);
        const g = makeTree(8);
        const snap = snapshot([params, state, g]);
        expectBasinError(() => t.update(g, state), /needs params|params/);
        const badParams = { dense: { kernel: tf.zeros([3, 2]), bias: tf.zeros([5]) }, gain: tf.scalar(0) };
        expectBasinError(() => t.update(g, state, badParams), /'dense\.bias'/);
        expectIntact(snap);
        treeDispose([params, state, g, badParams]);
      });
    }
  });
}

/** Float64 elementwise helpers for hand-computed references. */
export const f64 = {
  add: (a: number[], b: number[]) => a.map((x, i) => x + b[i]),
  scale: (a: number[], s: number) => a.map((x) => x * s),
  norm: (...arrays: number[][]) => Math.sqrt(arrays.flat().reduce((s, x) => s + x * x, 0)),
};

/**
 * Runs an elementwise float64 reference over a sequence of gradient trees (as leafValues):
 * `fn(g, s, t)` gets one entry's gradient, that entry's state and the 1-based step, and returns
 * the entry's update (mutating `s`).
 */
export function elementwiseReference<S>(
  grads: Record<string, number[]>[],
  init: () => S,
  fn: (g: number, s: S, t: number) => number,
): Record<string, number[]>[] {
  const states: Record<string, S[]> = {};
  return grads.map((tree, k) =>
    Object.fromEntries(
      Object.entries(tree).map(([path, gs]) => {
        states[path] ??= gs.map(init);
        return [path, gs.map((g, i) => fn(g, states[path][i], k + 1))];
      }),
    ),
  );
}

/** Compares per-step leafValues records with a stated tolerance (see expectClose). */
export function expectTreesClose(actual: Record<string, number[]>[], expected: Record<string, number[]>[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((step, k) => {
    expect(Object.keys(step)).toEqual(Object.keys(expected[k]));
    for (const path of Object.keys(step)) {
      try {
        expectClose(step[path], expected[k][path], tol);
      } catch (e) {
        throw new Error(`step ${k + 1}, leaf '${path}': ${(e as Error).message}`);
      }
    }
  });
}

/**
 * A least-squares problem, `0.5 * mean_rows(sum_cols((X w + b - Y)^2))` with X `rows x 3` and
 * Y `rows x 2`, with the same loss in float64 on a flat vector `[w (row-major), b]` for finite
 * differences, and (when `exact`) targets made from known `wStar`, `bStar` so the optimum is known.
 */
export function leastSquares(rows = 16, { exact = false, seed = 1 } = {}) {
  const X = seeded(seed, rows * 3);
  const wStar = seeded(seed + 1, 6);
  const bStar = seeded(seed + 2, 2);
  const noise = seeded(seed + 3, rows * 2, 0.1);
  const Y = Array.from({ length: rows * 2 }, (_, idx) => {
    const [i, j] = [Math.floor(idx / 2), idx % 2];
    let z = bStar[j] + (exact ? 0 : noise[idx]);
    for (let k = 0; k < 3; k++) z += X[i * 3 + k] * wStar[k * 2 + j];
    return z;
  });
  type Batch = { x: tf.Tensor2D; y: tf.Tensor2D };
  const lossFn = (p: Tree, batch: Batch): tf.Scalar =>
    tf.tidy(() => {
      const { w, b } = p as { w: tf.Tensor2D; b: tf.Tensor1D };
      const r = tf.sub(tf.add(tf.matMul(batch.x, w), b), batch.y);
      return tf.mul(0.5, tf.mean(tf.sum(tf.square(r), 1))) as tf.Scalar;
    });
  const loss64 = (v: number[], from = 0, to = rows): number => {
    let total = 0;
    for (let i = from; i < to; i++) {
      for (let j = 0; j < 2; j++) {
        let z = v[6 + j] - Y[i * 2 + j];
        for (let k = 0; k < 3; k++) z += X[i * 3 + k] * v[k * 2 + j];
        total += z * z;
      }
    }
    return (0.5 * total) / (to - from);
  };
  return {
    X,
    Y,
    wStar,
    bStar,
    lossFn,
    loss64,
    batch: (): Batch => ({ x: tf.tensor2d(X, [rows, 3]), y: tf.tensor2d(Y, [rows, 2]) }),
    params: (s = 50): { w: tf.Tensor2D; b: tf.Tensor1D } => ({ w: tf.tensor2d(seeded(s, 6), [3, 2]), b: tf.tensor1d(seeded(s + 1, 2)) }),
  };
}

/** `[w..., b...]` of a least-squares params tree, as a plain array. */
export const flatParams = (p: Tree): number[] => {
  const { w, b } = p as { w: tf.Tensor; b?: tf.Tensor };
  return b === undefined ? vals(w) : [...vals(w), ...vals(b)];
};

/**
 * A reproducible gradient sequence for transform tests: `grads(k)` is step k's gradient tree
 * (fresh tensors) and `gradValues(n)` the first n of them as plain arrays for float64 references.
 */
export function gradientSequence(seed: number): { grads: (k: number) => Tree; gradValues: (n: number) => Record<string, number[]>[] } {
  const grads = (k: number) => makeTree(seed + k);
  const gradValues = (n: number) =>
    Array.from({ length: n }, (_, k) => {
      const g = grads(k);
      const v = leafValues(g);
      treeDispose(g);
      return v;
    });
  return { grads, gradValues };
}
