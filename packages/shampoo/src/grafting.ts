import * as tf from '@tensorflow/tfjs-core';

/**
 * Which first-order method lends Shampoo its step size (Agarwal et al. 2020, "Disentangling
 * adaptive gradient methods from learning rates"; Anil et al. 2020, section 5):
 * - `none`: the raw Shampoo direction;
 * - `sgd`: the gradient's norm;
 * - `adagrad`: `g / (sqrt(sum g^2) + eps)`;
 * - `rmsprop`: `g / (sqrt(v_hat) + eps)` with `v = beta2 v + (1 - beta2) g^2` and Adam's bias
 *   correction `v_hat = v / (1 - beta2^t)` (an unbiased first step; Adam with `b1 = 0`);
 * - `adam`: `m_hat / (sqrt(v_hat) + eps)`, Adam's full step with `graftingBeta1`.
 */
export type GraftingType = 'none' | 'sgd' | 'adagrad' | 'rmsprop' | 'adam';

export const GRAFTING_TYPES: readonly GraftingType[] = ['none', 'sgd', 'adagrad', 'rmsprop', 'adam'];

/** Per-parameter accumulators of the grafted method (empty arrays when it needs none). */
export interface GraftingLeafState {
  /** Sum (adagrad) or moving average (rmsprop, adam) of squared gradients. */
  nu?: tf.Tensor;
  /** Moving average of gradients (adam). */
  mu?: tf.Tensor;
}

export interface GraftingOptions {
  type: GraftingType;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export function initGraftingLeaf(param: tf.Tensor, type: GraftingType): GraftingLeafState {
  switch (type) {
    case 'adagrad':
    case 'rmsprop':
      return { nu: tf.zerosLike(param) };
    case 'adam':
      return { mu: tf.zerosLike(param), nu: tf.zerosLike(param) };
    default:
      return {};
  }
}

/**
 * One step of the grafted method on one parameter: its update (whose norm Shampoo borrows)
 * and its new accumulators. `count` is the 1-based step number. Fresh tensors; inputs untouched.
 */
export function graftingStep(
  g: tf.Tensor,
  state: GraftingLeafState,
  count: number,
  o: GraftingOptions,
): { update: tf.Tensor; state: GraftingLeafState } {
  return tf.tidy(() => {
    switch (o.type) {
      case 'none':
      case 'sgd':
        return { update: tf.clone(g), state: {} };
      case 'adagrad': {
        const nu = tf.add(state.nu!, tf.square(g));
        return { update: tf.div(g, tf.add(tf.sqrt(nu), o.epsilon)), state: { nu } };
      }
      case 'rmsprop': {
        const nu = tf.add(tf.mul(state.nu!, o.beta2), tf.mul(tf.square(g), 1 - o.beta2));
        const nuHat = tf.div(nu, 1 - Math.pow(o.beta2, count));
        return { update: tf.div(g, tf.add(tf.sqrt(nuHat), o.epsilon)), state: { nu } };
      }
      case 'adam': {
        const mu = tf.add(tf.mul(state.mu!, o.beta1), tf.mul(g, 1 - o.beta1));
        const nu = tf.add(tf.mul(state.nu!, o.beta2), tf.mul(tf.square(g), 1 - o.beta2));
        const muHat = tf.div(mu, 1 - Math.pow(o.beta1, count));
        const nuHat = tf.div(nu, 1 - Math.pow(o.beta2, count));
        return { update: tf.div(muHat, tf.add(tf.sqrt(nuHat), o.epsilon)), state: { mu, nu } };
      }
    }
  });
}

/**
 * The Shampoo direction rescaled to the grafted step's norm: `s * ||graft|| / ||s||` (per
 * parameter, as in Anil et al.'s code). A zero direction stays zero.
 */
export function graftNorm(direction: tf.Tensor, graft: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const sNorm = tf.norm(direction);
    const gNorm = tf.norm(graft);
    const ratio = tf.where(tf.greater(sNorm, 0), tf.div(gNorm, tf.maximum(sNorm, 1e-30)), tf.zerosLike(sNorm));
    return tf.mul(direction, ratio);
  });
}
