import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, entryPoint, Tree, treeUnflatten, floatLeaves, oneOf } from '@basin/core';
import { VectorRandom } from '../random';
import { tidyTree } from '../tidy-tree';
import { optionsRecord } from '../checks';

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
export const filterNormalizedDirection = entryPoint('filterNormalizedDirection', function filterNormalizedDirection(params: Tree, options: DirectionOptions = {}): Tree {
  const owner = 'filterNormalizedDirection';
  const thetas = floatLeaves(owner, 'params', params).map((e) => e.leaf);
  const o = optionsRecord(owner, options);
  const random = new VectorRandom(checkNumber(owner, 'seed', o.seed ?? 0, { integer: true }));
  const filterAxis = oneOf(owner, 'filterAxis', o.filterAxis, ['last', 'first'] as const, 'last');
  const vectors = oneOf(owner, 'vectors', o.vectors, ['zero', 'normalize'] as const, 'zero');
  // Leaves are drawn in the canonical (sorted-key) order, so the direction does not depend on the
  // insertion order of the params' keys.
  return tidyTree(() => treeUnflatten(params, thetas.map((theta) => {
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
  })));
});
