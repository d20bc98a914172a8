// A tiny MLP (2-8-1, tanh) on two interleaved half-moons: every optimizer trains its own copy
// from the same initial weights on the same 48 points.
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '@basin/core';

export function moons(n = 48, seed = 3): { X: tf.Tensor2D; y: tf.Tensor1D } {
  const rand = mulberry32(seed);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    const upper = i % 2 === 0;
    const t = Math.PI * rand();
    const [x, y] = upper ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    xs.push(x + 0.1 * (rand() - 0.5), y + 0.1 * (rand() - 0.5));
    ys.push(upper ? 1 : 0);
  }
  return { X: tf.tensor2d(xs, [n, 2]), y: tf.tensor1d(ys) };
}

export function initMlp(seed = 5, hidden = 8): Record<string, tf.Tensor> {
  const rand = mulberry32(seed);
  const normal = (k: number, scale: number) => Array.from({ length: k }, () => scale * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()));
  return {
    w1: tf.tensor2d(normal(2 * hidden, 1), [2, hidden]),
    b1: tf.zeros([hidden]),
    w2: tf.tensor2d(normal(hidden, 1 / Math.sqrt(hidden)), [hidden, 1]),
    b2: tf.zeros([1]),
  };
}

/** Mean logistic loss `softplus(z) - y z` of the MLP's logit z. */
export function mlpLoss(params: unknown, batch: unknown): tf.Scalar {
  const p = params as Record<string, tf.Tensor2D>;
  const { X, y } = batch as { X: tf.Tensor2D; y: tf.Tensor1D };
  return tf.tidy(() => {
    const h = tf.tanh(tf.add(tf.matMul(X, p.w1), p.b1)) as tf.Tensor2D;
    const z = tf.reshape(tf.add(tf.matMul(h, p.w2), p.b2), [-1]);
    return tf.mean(tf.sub(tf.softplus(z), tf.mul(y, z))) as tf.Scalar;
  });
}
