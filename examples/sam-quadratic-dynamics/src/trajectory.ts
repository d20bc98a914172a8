// Runs a Basin transform on f(w) = 1/2 w^T H w with core's Trainer (which hands SAM its
// extras.gradFn) and records every iterate, read back as float64 for the measurements.
import * as tf from '@tensorflow/tfjs';
import { Trainer, type Transform, type Tree } from '@basin/core';
import type { Quadratic } from './quadratic';

type Batch = { h: tf.Tensor2D };

const quadraticLoss = (params: Tree, batch: Batch): tf.Scalar =>
  tf.tidy(() => {
    const w = tf.reshape((params as { w: tf.Tensor1D }).w, [-1, 1]);
    return tf.mul(0.5, tf.sum(tf.mul(w, tf.matMul(batch.h, w)))) as tf.Scalar;
  });

/** Iterates w_0 .. w_steps of `transform` from `start`. Leaves no tensors behind. */
export function trajectory(transform: Transform<unknown>, q: Quadratic, start: ArrayLike<number>, steps: number): Float64Array[] {
  const d = q.eigenvalues.length;
  const batch: Batch = { h: tf.tensor2d(Float32Array.from(q.hessian), [d, d]) };
  const w0 = tf.tensor1d(Float32Array.from(start));
  const trainer = new Trainer<Batch>({ transform, loss: quadraticLoss, params: { w: w0 }, checkFinite: false });
  w0.dispose();
  const read = (): Float64Array => Float64Array.from((trainer.params as { w: tf.Tensor1D }).w.dataSync());
  const path = [read()];
  try {
    for (let t = 0; t < steps; t++) {
      trainer.step(batch);
      path.push(read());
    }
  } finally {
    trainer.dispose();
    batch.h.dispose();
  }
  return path;
}
