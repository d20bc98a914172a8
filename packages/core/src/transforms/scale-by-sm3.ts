import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { BasinError } from '../errors';
import { assertSameStructure, Tree, treeFlatten, treeLeaves, treeMap, treeUnflatten } from '../tree';
import { checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleBySm3Options {
  /** Momentum (decay of the average of the rescaled updates), in [0, 1). Default 0.9. */
  b1?: number;
  /** Decay of the accumulator, in [0, 1]; 1 (the default) sums, as SM3 does. */
  b2?: number;
  /** Added to the accumulator under the root, >= 0. Default 1e-8. */
  eps?: number;
}

export interface Sm3State {
  /**
   * Per leaf, the SM3 cover's accumulators: for a leaf of rank >= 2 one vector per axis (the
   * maxima over the other axes), concatenated in axis order (length `sum(shape)`); for a vector
   * or a scalar, the full accumulator (the leaf's shape).
   */
  mu: Tree;
  /** Per leaf, the average of the rescaled updates (momentum); what `update` returns. */
  nu: Tree;
}

/** Validates scaleBySm3's options (shared by sm3, which names them itself). */
export function checkSm3Options(owner: string, o: ScaleBySm3Options, b1Name = 'b1'): Required<ScaleBySm3Options> {
  return {
    b1: checkNumber(owner, b1Name, o.b1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
    b2: checkNumber(owner, 'b2', o.b2 ?? 1, { min: 0, max: 1 }),
    eps: checkNumber(owner, 'eps', o.eps ?? 1e-8, { min: 0 }),
  };
}

const muShape = (shape: readonly number[]): number[] => (shape.length < 2 ? [...shape] : [shape.reduce((a, b) => a + b, 0)]);

/**
 * SM3-II (Anil, Gupta, Koren & Singer 2019, "Memory-Efficient Adaptive Optimization",
 * Algorithm 2 with the cover of rows, columns, ... of each tensor), as optax's `scale_by_sm3`
 * (optax/_src/transform.py). For a leaf of rank >= 2, with one accumulator vector per axis:
 * `nu' = (1 - b2) g^2 + b2 min_axes(mu)` (b2 = 1: `g^2 + min_axes(mu)`), the update is the average
 * `nu = b1 nu + (1 - b1) g / sqrt(nu' + eps)` (0 where `nu' = 0`), and each axis keeps the
 * maximum of `nu'` over the other axes. Vectors and scalars keep a full accumulator (Adagrad);
 * optax does this for vectors and fails on scalars.
 */
export const scaleBySm3 = publicTransform('scaleBySm3', function scaleBySm3(options: ScaleBySm3Options = {}): Transform<Sm3State> {
  const owner = 'scaleBySm3';
  const { b1, b2, eps } = checkSm3Options(owner, checkOptions(owner, options, '{ b1: 0.9 }', true));
  const [c0, c1] = b2 === 1 ? [1, 1] : [1 - b2, b2];
  return {
    init: (params) => ({ mu: treeMap((p) => tf.zeros(muShape(p.shape)), params), nu: treeMap((p) => tf.zerosLike(p), params) }),
    update: (updates, state) => {
      assertUpdatesMatch(owner, state.nu, updates, 'state.nu');
      try {
        assertSameStructure(state.mu, updates, ['state.mu', 'updates'], { checkShapes: false });
      } catch (e) {
        throw new BasinError(`${owner}: ${(e as Error).message}`);
      }
      const entries = treeLeaves(updates);
      const mus = treeFlatten(state.mu);
      const nus = treeFlatten(state.nu);
      entries.forEach(({ path, leaf }, i) => {
        const want = muShape(leaf.shape);
        if (!tf.util.arraysEqual(mus[i].shape, want)) {
          throw new BasinError(`${owner}: state.mu at '${path}' has shape [${mus[i].shape.join(', ')}], the updates [${leaf.shape.join(', ')}] need [${want.join(', ')}]`);
        }
      });
      const results = tf.tidy(() =>
        entries.map(({ leaf: g }, i) => {
          const rank = g.rank;
          let cover: tf.Tensor;
          if (rank < 2) {
            cover = mus[i];
          } else {
            const parts = tf.split(mus[i], g.shape, 0);
            const expanded = parts.map((p, axis) => tf.reshape(p, g.shape.map((d, j) => (j === axis ? d : 1))));
            cover = expanded.reduce((a, b) => tf.minimum(a, b));
          }
          const accum = tf.add(tf.mul(tf.square(g), c0), tf.mul(cover, c1));
          const scaled = tf.mul(g, tf.where(tf.greater(accum, 0), tf.rsqrt(tf.add(accum, eps)), tf.zerosLike(accum)));
          const nu = tf.add(tf.mul(nus[i], b1), tf.mul(scaled, 1 - b1));
          const axes = g.shape.map((_, j) => j);
          const mu = rank < 2 ? accum : tf.concat(axes.map((axis) => tf.max(accum, axes.filter((j) => j !== axis))));
          return { out: tf.clone(nu), mu, nu };
        }),
      );
      const pick = (key: 'out' | 'mu' | 'nu') => treeUnflatten(updates, results.map((r) => r[key])) as Tree;
      return [pick('out'), { mu: pick('mu'), nu: pick('nu') }];
    },
  };
});
