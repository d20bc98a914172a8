// Test-only helpers (excluded from the build): bad-input tables that check the error, that the
// caller's tensors are untouched and that nothing leaked.
import { tf } from '@basin/testing';
import { BasinError, collectTensors, isBasinError, isTensor, treeDispose } from '@basin/core';

const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** Everything about a structure a failed call must leave alone: tensor identities and values, numbers, keys. */
export function snapshot(x: unknown): { tensors: { tensor: tf.Tensor; values: number[] }[]; shape: string } {
  const shape = JSON.stringify(x, (_, v: unknown) => (isTensor(v) ? `tensor[${v.shape.join(',')}] ${v.dtype}` : v === Infinity ? 'Infinity' : v));
  return { tensors: [...collectTensors(x)].map((tensor) => ({ tensor, values: vals(tensor) })), shape };
}

/** Asserts every tensor of a snapshot is alive with the same values, and the structure and numbers are the same. */
export function expectIntact(snap: ReturnType<typeof snapshot>, now: unknown): void {
  for (const { tensor, values } of snap.tensors) {
    expect(tensor.isDisposed).toBe(false);
    expect(vals(tensor)).toEqual(values);
  }
  expect(snapshot(now).shape).toBe(snap.shape);
}

/** Asserts `fn` throws a BasinError (by brand and by instanceof) matching `pattern`, leaking no tensor. */
export function expectBasinError(fn: () => unknown, pattern: RegExp): BasinError {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  if (!isBasinError(error)) throw new Error(`expected a BasinError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  expect(error).toBeInstanceOf(BasinError);
  expect(error.message).toMatch(pattern);
  expect(tf.memory().numTensors).toBe(before);
  return error;
}

/** One bad input: `setup` builds it from a fresh context (tensors it makes go in `dispose`). */
export interface BadInput<C> {
  name: string;
  /** Must name the entry point called, the parameter or path, and what was expected. */
  pattern: RegExp;
  setup: (ctx: C) => { call: () => unknown; dispose?: unknown };
}

/**
 * One Jest test per bad input: the call throws a BasinError matching the pattern, what the
 * caller owns (`ctx.owned`: params, state, gradients) is alive and unchanged, nothing leaked.
 */
export function describeBadInputs<C extends { owned: unknown }>(title: string, make: () => C, cases: BadInput<C>[]): void {
  describe(title, () => {
    it.each(cases.map((c) => [c.name, c] as const))('bad input: %s', (_, c) => {
      const ctx = make();
      const { call, dispose } = c.setup(ctx);
      const snap = snapshot(ctx.owned);
      expectBasinError(call, c.pattern);
      expectIntact(snap, ctx.owned);
      treeDispose([dispose, ctx]);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// A least-squares problem with a float64 gradient, for the references of the SAM variants:
// L(w, b) = 0.5 * mean_i ||x_i w + b - y_i||^2 with w [3, 2] and b [2], so the Hessian couples
// every entry (the orthogonal components LookSAM and GSAM take are then far from trivial).

/** Deterministic values in [-1, 1) (an LCG). */
export function seededValues(seed: number, n: number, scale = 1): number[] {
  let s = (seed * 2654435761) >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return scale * ((s / 4294967296) * 2 - 1);
  });
}

export type LsParams = { w: tf.Tensor; b: tf.Tensor };
export type LsBatch = { x: tf.Tensor; y: tf.Tensor };

export function leastSquaresProblem(rows = 12, seed = 3) {
  const X = seededValues(seed, rows * 3, 1.5);
  const Y = seededValues(seed + 1, rows * 2);
  const loss = (params: unknown, batch: LsBatch): tf.Scalar =>
    tf.tidy(() => {
      const p = params as LsParams;
      const r = tf.sub(tf.add(tf.matMul(batch.x as tf.Tensor2D, p.w as tf.Tensor2D), p.b), batch.y);
      return tf.mul(0.5, tf.mean(tf.sum(tf.square(r), 1))) as tf.Scalar;
    });
  /** Float64 gradient at v = [w (3 x 2, row-major), b (2)], in the same layout. */
  const grad = (v: number[]): number[] => {
    const out = new Array(8).fill(0);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < 2; j++) {
        let r = v[6 + j] - Y[i * 2 + j];
        for (let k = 0; k < 3; k++) r += X[i * 3 + k] * v[k * 2 + j];
        for (let k = 0; k < 3; k++) out[k * 2 + j] += (X[i * 3 + k] * r) / rows;
        out[6 + j] += r / rows;
      }
    }
    return out;
  };
  return {
    loss,
    grad,
    batch: (): LsBatch => ({ x: tf.tensor2d(X, [rows, 3]), y: tf.tensor2d(Y, [rows, 2]) }),
    /** Params from v = [w (6), b (2)]; keys in the order given. */
    params: (v: number[], order: 'wb' | 'bw' = 'wb'): LsParams => {
      const w = tf.tensor2d(v.slice(0, 6), [3, 2]);
      const b = tf.tensor1d(v.slice(6, 8));
      return (order === 'wb' ? { w, b } : { b, w }) as LsParams;
    },
    /** [w (6), b (2)] from a params or gradient tree. */
    read: (t: unknown): number[] => [...(t as LsParams).w.dataSync(), ...(t as LsParams).b.dataSync()],
    start: seededValues(seed + 2, 8),
  };
}

/** Float64 vector helpers for the references. */
export const dot64 = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);
export const norm64 = (a: number[]): number => Math.sqrt(dot64(a, a));
/** SAM's ascent point `w + rho g / ||g||` (w for a zero g). */
export const samPoint64 = (w: number[], g: number[], rho: number): number[] => {
  const n = norm64(g);
  return w.map((x, i) => x + (n === 0 ? 0 : (rho * g[i]) / n));
};

/** A base optimizer in float64: `step(direction)` returns the new params. */
export interface Base64 {
  step(w: number[], d: number[]): number[];
}
/** optax sgd with trace momentum: m = d + momentum * m, w -= lr * m. */
export function sgd64(lr: number, momentum = 0): Base64 {
  let m: number[] | undefined;
  return {
    step: (w, d) => {
      m = d.map((x, i) => x + (m ? momentum * m[i] : 0));
      return w.map((x, i) => x - lr * m![i]);
    },
  };
}
/** optax adam: bias-corrected moments, w -= lr * mHat / (sqrt(vHat) + eps). */
export function adam64(lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): Base64 {
  let m: number[] | undefined;
  let v: number[] | undefined;
  let t = 0;
  return {
    step: (w, d) => {
      t += 1;
      m = d.map((x, i) => b1 * (m ? m[i] : 0) + (1 - b1) * x);
      v = d.map((x, i) => b2 * (v ? v[i] : 0) + (1 - b2) * x * x);
      return w.map((x, i) => x - (lr * (m![i] / (1 - b1 ** t))) / (Math.sqrt(v![i] / (1 - b2 ** t)) + eps));
    },
  };
}

/** Largest entry-wise |a - b| / (1 + |b|) over a trajectory (the measure expectClose bounds). */
export function maxRelError(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((row, i) => row.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - b[i][j]) / (1 + Math.abs(b[i][j]))))));
  return worst;
}
