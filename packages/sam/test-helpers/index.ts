// Test-only helpers (excluded from the build): a least-squares problem with float64 references
// of the SAM variants. The bad-input tables and seeded values are @basin/testing's.
import { tf, seededValues } from '@basin/testing';

export { snapshot, expectIntact, expectBasinError, describeBadInputs, seededValues, maxRelError, type BadInput } from '@basin/testing';

// ---------------------------------------------------------------------------------------------
// A least-squares problem with a float64 gradient, for the references of the SAM variants:
// L(w, b) = 0.5 * mean_i ||x_i w + b - y_i||^2 with w [3, 2] and b [2], so the Hessian couples
// every entry (the orthogonal components LookSAM and GSAM take are then far from trivial).

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

