import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { treeLeaves, treeUnflatten } from '../tree';
import { checkNumber } from '../validate';
import { checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface AddNoiseOptions {
  /** Variance of the noise at the first step, >= 0. Default 0.01. */
  eta?: number;
  /** Annealing exponent: the variance at step t (1-based) is `eta / t^gamma`, >= 0. Default 0.55. */
  gamma?: number;
  /** Seed of the noise, an integer; the same seed gives the same noise. Default 0. */
  seed?: number;
}

export interface AddNoiseState {
  /** Updates done so far. */
  count: number;
  /** The seed the noise of every step is derived from. */
  seed: number;
}

/** Validates addNoise's options (shared by noisySgd, which names them itself). */
export function checkNoiseOptions(owner: string, o: AddNoiseOptions): Required<AddNoiseOptions> {
  return {
    eta: checkNumber(owner, 'eta', o.eta ?? 0.01, { min: 0 }),
    gamma: checkNumber(owner, 'gamma', o.gamma ?? 0.55, { min: 0 }),
    seed: checkNumber(owner, 'seed', o.seed ?? 0, { integer: true }),
  };
}

/**
 * The seed of one leaf's noise at one step: a 32-bit FNV-1a hash of the transform's seed, the
 * step count and the leaf's path, so the noise depends on neither the order of the record keys
 * nor the other leaves.
 */
export function noiseSeed(seed: number, count: number, path: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}:${count}:${path}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Adds Gaussian noise of variance `eta / t^gamma` at step t (1-based) to the updates
 * (Neelakantan et al. 2015, "Adding Gradient Noise Improves Learning for Very Deep Networks"),
 * as optax's `add_noise` (optax/transforms/_adding.py). The noise is reproducible: each leaf's
 * draw uses `tf.randomNormal` with a seed derived from `seed`, the step count and the leaf's path,
 * so a run restored from a checkpoint continues with the same noise.
 */
export const addNoise = publicTransform('addNoise', function addNoise(options: AddNoiseOptions = {}): Transform<AddNoiseState> {
  const owner = 'addNoise';
  const { eta, gamma, seed } = checkNoiseOptions(owner, checkOptions(owner, options, '{ eta: 0.01, gamma: 0.55, seed: 0 }', true));
  return {
    init: () => ({ count: 0, seed }),
    update: (updates, state) => {
      const count = state.count + 1;
      const std = Math.sqrt(eta / Math.pow(count, gamma));
      const noisy = tf.tidy(() =>
        treeLeaves(updates).map(({ path, leaf }) =>
          std === 0 ? tf.clone(leaf) : tf.add(leaf, tf.randomNormal(leaf.shape, 0, std, 'float32', noiseSeed(state.seed, state.count, path))),
        ),
      );
      return [treeUnflatten(updates, noisy), { count, seed: state.seed }];
    },
  };
});
