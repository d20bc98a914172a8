import * as tf from '@tensorflow/tfjs-core';

/**
 * True while a gradient is itself being recorded on an outer gradient tape (double backprop:
 * `tf.grad` of a `tf.grad`). Second-order-safe gradients switch to their input-recomputing form
 * only then, so plain first-order gradients run exactly the stock TF.js arithmetic.
 *
 * TF.js runs a backward pass after closing its own tape, so the depth is 0 there unless an
 * outer `tf.grad` is still open.
 */
export function recordingHigherOrder(): boolean {
  return tf.engine().state.gradientDepth > 0;
}
