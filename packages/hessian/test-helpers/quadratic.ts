// Quadratic test problems with known spectra: f(w) = 0.5 w^T A w (+ b^T w) with A = Q diag(lambda) Q^T.
import { tf } from '@basin/testing';
import type { Tree } from '@basin/core';
import { functionObjective, type Objective } from '../src/objective';

/** A random orthogonal matrix (Gram-Schmidt of a seeded Gaussian matrix), as rows. */
export function orthogonal(n: number, seed: number): number[][] {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
  const q: number[][] = [];
  for (let i = 0; i < n; i++) {
    let v = Array.from({ length: n }, gauss);
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        const d = u.reduce((a, x, k) => a + x * v[k], 0);
        v = v.map((x, k) => x - d * u[k]);
      }
    }
    const norm = Math.hypot(...v);
    q.push(v.map((x) => x / norm));
  }
  return q;
}

/** A = Q^T diag(lambda) Q as a dense row-major array. */
export function matrixWithSpectrum(lambda: number[], seed: number): number[][] {
  const n = lambda.length;
  const q = orthogonal(n, seed);
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => q.reduce((a, row, k) => a + row[i] * lambda[k] * row[j], 0)));
}

export interface Quadratic {
  objective: Objective;
  params: Tree;
  A: number[][];
  dispose(): void;
}

/**
 * f(params) = 0.5 w^T A w + b^T w for params = { u: [n1], m: [r, c] }, where w is the flat vector
 * of params in Basin's canonical order (`treeToVector`: keys sorted, so m then u, each row-major),
 * so the Hessian is A whatever the point and `hessian(objective).matvec` is exactly A. `point` is
 * w in that order. (The params record lists u first on purpose: not the canonical order.)
 */
export function quadratic(lambda: number[], { seed = 1, n1 = 4, point, linear = 0 }: { seed?: number; n1?: number; point?: number[]; linear?: number } = {}): Quadratic {
  const n = lambda.length;
  const A = matrixWithSpectrum(lambda, seed);
  const rest = n - n1;
  const cols = rest % 2 === 0 ? 2 : 1;
  const w0 = point ?? Array.from({ length: n }, (_, i) => Math.sin(1 + i * 0.7));
  const params = { u: tf.tensor1d(w0.slice(rest)), m: tf.tensor2d(w0.slice(0, rest), [rest / cols, cols]) };
  const batch = { A: tf.tensor2d(A), b: tf.fill([n], linear) };
  const loss = (p: Tree, b: typeof batch): tf.Scalar =>
    tf.tidy(() => {
      const r = p as Record<string, tf.Tensor>;
      const w = tf.concat([tf.reshape(r.m, [-1]), tf.reshape(r.u, [-1])]);
      const Aw = tf.reshape(tf.matMul(b.A as tf.Tensor2D, tf.reshape(w, [-1, 1])), [-1]);
      return tf.add(tf.mul(0.5, tf.sum(tf.mul(w, Aw))), tf.sum(tf.mul(b.b, w))) as tf.Scalar;
    });
  return {
    objective: functionObjective(loss, params, { batch, weighting: 'equal' }),
    params,
    A,
    dispose: () => tf.dispose([params.u, params.m, batch.A, batch.b]),
  };
}

export const matvec = (A: number[][], v: ArrayLike<number>): number[] => A.map((row) => row.reduce((a, x, j) => a + x * v[j], 0));
