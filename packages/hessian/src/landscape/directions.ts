import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, Tree, treeFlatten, treeUnflatten } from '@basin/core';
import { VectorRandom } from '../random';

export interface DirectionOptions {
  seed?: number;
  /**
   * Which axis indexes filters (output units) in leaves of rank >= 2. `last` (default) fits
   * TF.js layouts: Dense kernels [in, out], Conv2D kernels [h, w, in, out].
   */
  filterAxis?: 'last' | 'first';
  /** Leaves of rank <= 1 (biases, BatchNorm): `zero` (default, as Li et al.) or `normalize` as one filter. */
  vectors?: 'zero' | 'normalize';
}

/**
 * A random Gaussian direction with filter normalisation (Li, Xu, Taylor, Studer & Goldstein,
 * "Visualizing the Loss Landscape of Neural Nets", NeurIPS 2018, section 4): each filter d_f of
 * the direction is rescaled to the norm of the matching filter of the weights,
 * d_f <- d_f ||theta_f|| / ||d_f||, which removes the scale invariance of ReLU networks from plots.
 */
export function filterNormalizedDirection(params: Tree, options: DirectionOptions = {}): Tree {
  const owner = 'filterNormalizedDirection';
  const random = new VectorRandom(checkNumber(owner, 'seed', options.seed ?? 0, { integer: true }));
  const filterAxis = options.filterAxis ?? 'last';
  const vectors = options.vectors ?? 'zero';
  if (filterAxis !== 'last' && filterAxis !== 'first') throw new BasinError(`${owner}: filterAxis must be 'last' or 'first', got '${String(filterAxis)}'`);
  if (vectors !== 'zero' && vectors !== 'normalize') throw new BasinError(`${owner}: vectors must be 'zero' or 'normalize', got '${String(vectors)}'`);
  const leaves = treeFlatten(params).map((theta) =>
    tf.tidy(() => {
      const d = tf.tensor(random.gaussianArray(theta.size), theta.shape, 'float32');
      if (theta.rank <= 1) {
        if (vectors === 'zero') return tf.zerosLike(theta);
        return tf.mul(d, tf.div(tf.norm(theta), tf.add(tf.norm(d), 1e-10)));
      }
      const axis = filterAxis === 'last' ? theta.rank - 1 : 0;
      const others = Array.from({ length: theta.rank }, (_, i) => i).filter((i) => i !== axis);
      const dNorm = tf.sqrt(tf.sum(tf.square(d), others, true));
      const tNorm = tf.sqrt(tf.sum(tf.square(tf.cast(theta, 'float32')), others, true));
      return tf.mul(d, tf.div(tNorm, tf.add(dNorm, 1e-10)));
    }),
  );
  return treeUnflatten(params, leaves);
}
