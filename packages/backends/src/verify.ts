import * as tf from '@tensorflow/tfjs-core';

export interface Verification {
  /** `dataSync()` returned the right numbers. */
  syncReadback: boolean;
  /** `await data()` returned the right numbers. */
  asyncReadback: boolean;
  /** Largest absolute error seen (0 when exact). */
  maxError: number;
}

/**
 * Checks that the active backend computes and reads back a small matmul correctly, both
 * synchronously and asynchronously. Basin's finite checks and most user code read
 * synchronously; on some adapters (WebGPU on SwiftShader in headless Chromium) `dataSync`
 * returns zeros while `data()` is right. Leaves no tensors behind.
 */
export async function verifyBackend(): Promise<Verification> {
  // 16x16 so that WebGL/WebGPU do not forward the op to the CPU; entries i+j, all ones.
  const n = 16;
  const a = tf.tensor2d(Array.from({ length: n * n }, (_, k) => (k % n) + Math.floor(k / n)), [n, n]);
  const b = tf.ones([n, n]);
  const expected = (i: number) => n * (i + (n - 1) / 2); // row sums of a: n*i + n(n-1)/2
  const maxErr = (values: ArrayLike<number>) => {
    let worst = 0;
    for (let k = 0; k < values.length; k++) worst = Math.max(worst, Math.abs(values[k] - expected(Math.floor(k / n))));
    return Number.isNaN(worst) ? Infinity : worst;
  };
  try {
    // Async first: on the adapter above a synchronous read can break later async ones.
    const read = async (how: 'sync' | 'async') => {
      const c = tf.matMul(a, b as tf.Tensor2D);
      try {
        return maxErr(how === 'sync' ? c.dataSync() : await c.data());
      } catch {
        return Infinity; // a read that throws is a failed read
      } finally {
        c.dispose();
      }
    };
    const asyncErr = await read('async');
    const syncErr = await read('sync');
    const tol = 1e-3;
    return { syncReadback: syncErr <= tol, asyncReadback: asyncErr <= tol, maxError: Math.max(syncErr, asyncErr) };
  } finally {
    a.dispose();
    b.dispose();
  }
}
