// Float64 references shared by the tests (not part of the public surface).
import { collectTensors, isBasinError, mulberry32 } from '@basin/core';
import { tf } from '@basin/testing';
import { eigenInversePthRoot, symmetricEigen } from '../src/linalg';

/** Row-major `a (m x k) @ b (k x n)` in float64. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let l = 0; l < k; l++) {
    const x = a[i * k + l];
    for (let j = 0; j < n; j++) out[i * n + j] += x * b[l * n + j];
  }
  return out;
}

export function transpose(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = a[i * n + j];
  return out;
}

/** Standard normal samples from a seeded generator (Box-Muller). */
export function gaussian(seed: number, count: number): number[] {
  const r = mulberry32(seed);
  return Array.from({ length: count }, () => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()));
}

/** A random symmetric positive definite matrix with eigenvalues spread log-uniformly over [1, condition]. */
export function randomSpd(n: number, condition: number, seed: number): Float64Array {
  // A random orthogonal basis: eigenvectors of a random symmetric matrix.
  const g = gaussian(seed, n * n);
  const { vectors } = symmetricEigen(matmul(g, transpose(g, n, n), n, n, n), n);
  const eig = Array.from({ length: n }, (_, i) => Math.pow(condition, n === 1 ? 0 : i / (n - 1)));
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += vectors[i * n + k] * eig[k] * vectors[j * n + k];
    out[i * n + j] = s;
  }
  return out;
}

export { relativeError } from '@basin/testing';

/** The seed formula's matrix update `(L + eps I)^(-1/4) G (R + eps I)^(-1/4)` in float64. */
export function seedUpdate(L: ArrayLike<number>, G: ArrayLike<number>, R: ArrayLike<number>, m: number, n: number, eps: number, p = 4): Float64Array {
  const lRoot = eigenInversePthRoot(L, m, p, eps);
  const rRoot = eigenInversePthRoot(R, n, p, eps);
  return matmul(matmul(lRoot, G, m, m, n), rRoot, m, n, n);
}

// ---- Bad-input checks (the same helpers live in @basin/muon's test-helpers.ts) ----

/** Values and identities of every tensor in a structure, to check later that nothing changed. */
export function snapshot(x: unknown): { tensor: tf.Tensor; values: number[] }[] {
  return [...collectTensors(x)].map((tensor) => ({ tensor, values: Array.from(tensor.dataSync()) }));
}

/** Asserts every tensor of a snapshot is still alive and holds the same values, bit for bit. */
export function expectIntact(snap: { tensor: tf.Tensor; values: number[] }[]): void {
  for (const { tensor, values } of snap) {
    expect(tensor.isDisposed).toBe(false);
    expect(Array.from(tensor.dataSync())).toEqual(values);
  }
}

/**
 * Runs `call`, which must fail with a BasinError whose message starts with `entry: ` and
 * contains every one of `mentions` (the parameter or path, what was expected), leaving every
 * tensor in `owned` alive and unchanged and the live tensor count where it was.
 */
export function expectCleanError(call: () => unknown, entry: string, mentions: readonly (string | RegExp)[], owned: unknown = []): Error {
  const snap = snapshot(owned);
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    call();
  } catch (e) {
    error = e;
  }
  if (!isBasinError(error)) throw new Error(`expected a BasinError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  const message = error.message;
  if (!message.startsWith(`${entry}: `)) throw new Error(`expected the message to start with '${entry}: ', got: ${message}`);
  for (const m of mentions) {
    if (typeof m === 'string' ? !message.includes(m) : !m.test(message)) throw new Error(`expected the message to mention ${String(m)}, got: ${message}`);
  }
  expect(tf.memory().numTensors).toBe(before);
  expectIntact(snap);
  return error;
}
