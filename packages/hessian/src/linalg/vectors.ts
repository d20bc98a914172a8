import * as tf from '@tensorflow/tfjs-core';

/** Reads a scalar tensor and disposes it. */
export function take(x: tf.Tensor): number {
  const v = x.dataSync()[0];
  x.dispose();
  return v;
}

export const dot = (a: tf.Tensor1D, b: tf.Tensor1D): number => take(tf.tidy(() => tf.sum(tf.mul(a, b))));
export const norm = (a: tf.Tensor1D): number => take(tf.tidy(() => tf.norm(a)));

/**
 * Removes from `w` its components along the orthonormal rows of `basis` (two passes of classical
 * Gram-Schmidt, "twice is enough": Giraud et al. 2005). Returns a new vector.
 */
export function orthogonalize(w: tf.Tensor1D, basis: readonly tf.Tensor1D[]): tf.Tensor1D {
  if (basis.length === 0) return tf.clone(w);
  return tf.tidy(() => {
    const q = tf.stack([...basis]) as tf.Tensor2D;
    let v: tf.Tensor = w;
    for (let pass = 0; pass < 2; pass++) {
      const c = tf.matMul(q, tf.reshape(v, [-1, 1]));
      v = tf.sub(v, tf.reshape(tf.matMul(c, q, true, false), [-1]));
    }
    return v as tf.Tensor1D;
  });
}

/** sum_j coeffs[j] * vectors[j]. */
export function combine(vectors: readonly tf.Tensor1D[], coeffs: ArrayLike<number>): tf.Tensor1D {
  return tf.tidy(() => {
    const c = tf.tensor2d(Array.from({ length: vectors.length }, (_, j) => coeffs[j]), [1, vectors.length]);
    return tf.reshape(tf.matMul(c, tf.stack([...vectors]) as tf.Tensor2D), [-1]) as tf.Tensor1D;
  });
}
