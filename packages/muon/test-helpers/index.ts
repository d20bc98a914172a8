// Float64 references for the tests (not exported from the package): plain-array matrices,
// a Jacobi eigenvalue solver, and the Newton-Schulz and Muon formulas written out directly.
import { collectTensors, isBasinError, mulberry32 } from '@basin/core';
import { tf } from '@basin/testing';

export type Mat = number[][];

export function randomMatrix(rows: number, cols: number, seed: number): Mat {
  const rand = mulberry32(seed);
  // Box-Muller normals.
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: rows }, () => Array.from({ length: cols }, normal));
}

export const transpose = (a: Mat): Mat => a[0].map((_, j) => a.map((row) => row[j]));

export function matmul(a: Mat, b: Mat): Mat {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}

export const add = (a: Mat, b: Mat): Mat => a.map((row, i) => row.map((v, j) => v + b[i][j]));
export const scale = (a: Mat, s: number): Mat => a.map((row) => row.map((v) => v * s));
export const frobenius = (a: Mat): number => Math.sqrt(a.flat().reduce((s, v) => s + v * v, 0));

/** Reshapes a flat row-major array into a matrix. */
export function toMat(flat: ArrayLike<number>, rows: number, cols: number): Mat {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => flat[i * cols + j]));
}

export { symmetricEigenvalues } from '@basin/testing';
import { symmetricEigenvalues } from '@basin/testing';

/** Singular values of a matrix (the short side's count), ascending. */
export function singularValues(a: Mat): number[] {
  const gram = a.length <= a[0].length ? matmul(a, transpose(a)) : matmul(transpose(a), a);
  return symmetricEigenvalues(gram).map((v) => Math.sqrt(Math.max(v, 0)));
}

/** Newton-Schulz as the reference writes it: transpose tall inputs, normalise, iterate, transpose back. */
export function referenceNewtonSchulz(g: Mat, table: readonly (readonly number[])[], eps = 1e-8): Mat {
  const tall = g.length > g[0].length;
  let x = tall ? transpose(g) : g;
  x = scale(x, 1 / (frobenius(x) + eps));
  for (const [a, b, c] of table) {
    const A = matmul(x, transpose(x));
    const B = add(scale(A, b), scale(matmul(A, A), c));
    x = add(scale(x, a), matmul(B, x));
  }
  return tall ? transpose(x) : x;
}

/** The scalar polynomial one step applies to each singular value. */
export const stepPolynomial = ([a, b, c]: readonly number[], s: number): number => a * s + b * s ** 3 + c * s ** 5;

// ---- Bad-input checks (the same helpers live in @basin/shampoo's test-helpers.ts) ----

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
