// Test helpers shared by Basin's package tests: loads @tensorflow/tfjs (gradients + CPU
// backend) and gives small assertions on tensors and tensor counts.
import * as tf from '@tensorflow/tfjs';

tf.setBackend('cpu');
tf.env().set('IS_TEST', true);

export { tf };

/** Asserts two arrays agree entry by entry within `tol` (absolute + relative). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const bound = tol * (1 + Math.abs(expected[i]));
    if (!(Math.abs(actual[i] - expected[i]) <= bound)) {
      throw new Error(`entry ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${bound})`);
    }
  }
}

/** Runs `fn` `steps` times after one warm-up call and asserts the live tensor count stays flat. */
export function expectNoLeak(fn: () => void, steps = 3): void {
  fn();
  const before = tf.memory().numTensors;
  for (let i = 0; i < steps; i++) fn();
  expect(tf.memory().numTensors).toBe(before);
}

/**
 * Central finite-difference gradient of a scalar function of a flat vector, in float64 on
 * plain arrays, as an independent reference for gradient and HVP tests.
 */
export function finiteDifferenceGradient(f: (x: number[]) => number, x: number[], h = 1e-3): number[] {
  return x.map((_, i) => {
    const plus = x.slice();
    const minus = x.slice();
    plus[i] += h;
    minus[i] -= h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}

/** `||a - b||_2 / max(||b||_2, 1e-12)`: the fixtures' error measure, for tests. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(n), 1e-12);
}

/** Eigenvalues of a symmetric matrix by cyclic Jacobi rotations, ascending. */
export function symmetricEigenvalues(input: number[][]): number[] {
  const n = input.length;
  const a = input.map((row) => row.slice());
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-26) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((row, i) => row[i]).sort((x, y) => x - y);
}

/** Deterministic values in [-1, 1) from a seed (an LCG, independent of Basin's own generator). */
export function seededValues(seed: number, n: number, scale = 1): number[] {
  let s = (seed * 2654435761) >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return scale * ((s / 4294967296) * 2 - 1);
  });
}

/** Largest entry-wise |a - b| / (1 + |b|) over a trajectory (the measure expectClose bounds). */
export function maxRelError(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((row, i) => row.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - b[i][j]) / (1 + Math.abs(b[i][j]))))));
  return worst;
}

// Bad calls: a BasinError naming the entry point, inputs untouched, nothing leaked.
export * from './bad-inputs';
