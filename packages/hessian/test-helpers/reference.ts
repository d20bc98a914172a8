// Test helpers (not exported from the package): exact and finite-difference HVPs of a function
// of a few tensors, and the relative error the fixtures README uses.
import { tf } from '@basin/testing';
import { doubleBackpropHvp } from '../src/objective';
import { withSecondOrderGradients } from '../src/second-order/registry';

export type F = (xs: tf.Tensor[]) => tf.Scalar;

export function gradAt(f: F, xs: tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => tf.grads((...a: tf.Tensor[]) => f(a))(xs).map((g) => g.dataSync() as Float32Array));
}

/** Fourth-order central differences of the gradient along `vs` with step h. */
export function fdHvp(f: F, xs: tf.Tensor[], vs: tf.Tensor[], h: number): number[] {
  const at = (t: number): Float32Array[] => {
    const moved = xs.map((x, i) => tf.add(x, tf.mul(vs[i], t)));
    try {
      return gradAt(f, moved);
    } finally {
      tf.dispose(moved);
    }
  };
  const [p1, m1, p2, m2] = [at(h), at(-h), at(2 * h), at(-2 * h)];
  const out: number[] = [];
  p1.forEach((g, i) => g.forEach((_, j) => out.push((8 * (p1[i][j] - m1[i][j]) - (p2[i][j] - m2[i][j])) / (12 * h))));
  return out;
}

export function exactHvp(f: F, xs: tf.Tensor[], vs: tf.Tensor[]): number[] {
  return withSecondOrderGradients(() => {
    const hv = doubleBackpropHvp(f, xs, vs);
    const out = hv.flatMap((t) => Array.from(t.dataSync()));
    tf.dispose(hv);
    return out;
  });
}

export { relativeError } from '@basin/testing';

/** Seeded normal tensor. */
export const randn = (shape: number[], seed: number, scale = 1): tf.Tensor => tf.tidy(() => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale));

/** Distinct well-separated values (no ties or near-ties for max, pooling and clipping). */
export function separated(shape: number[], seed: number, gap = 0.15): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  // Offset by gap / 3 so no value sits on a kink at 0.
  return tf.tensor(idx.map((k) => (k - n / 2 + 1 / 3) * gap), shape);
}

/**
 * TF.js's test-mode kernel leak check (IS_TEST, set by @basin/testing) miscounts the data kept by
 * custom-gradient ops such as tf.losses.softmaxCrossEntropy whenever a gradient tape is open (it
 * fires with stock TF.js too); tests of those ops switch it off and check tensor counts instead.
 */
export function withoutKernelLeakCheck<T>(fn: () => T): T {
  const before = tf.env().getBool('IS_TEST');
  tf.env().set('IS_TEST', false);
  try {
    return fn();
  } finally {
    tf.env().set('IS_TEST', before);
  }
}
