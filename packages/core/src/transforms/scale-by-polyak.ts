import * as tf from '@tensorflow/tfjs-core';
import type { Extras, Transform } from '../transform';
import { BasinError } from '../errors';
import { describeValue, treeMap, treeSumOfSquares } from '../tree';
import { checkNumber } from '../validate';
import { checkOptions } from './state-checks';
import type { EmptyState } from './identity';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByPolyakOptions {
  /** A lower bound on the loss (its minimum when known; 0 for models that interpolate the data). Default 0. */
  fMin?: number;
  /** The largest step size, >= 0. Default 1. */
  maxLearningRate?: number;
  /** Added to the squared gradient norm in the denominator, >= 0. Default 0. */
  eps?: number;
}

/** Validates scaleByPolyak's options (shared by polyakSgd, which names them itself). */
export function checkPolyakOptions(owner: string, o: ScaleByPolyakOptions): Required<ScaleByPolyakOptions> {
  return {
    fMin: checkNumber(owner, 'fMin', o.fMin ?? 0),
    maxLearningRate: checkNumber(owner, 'maxLearningRate', o.maxLearningRate ?? 1, { min: 0 }),
    eps: checkNumber(owner, 'eps', o.eps ?? 0, { min: 0 }),
  };
}

// optax compares with jnp.finfo(float).eps: the float64 machine epsilon.
const FLOAT64_EPS = 2.220446049250313e-16;

/** The loss from `extras.loss`, checked: Polyak's step cannot be taken without it. */
export function lossFromExtras(owner: string, extras: Extras | undefined): tf.Tensor {
  const loss = extras?.loss as unknown;
  const hint = "pass the loss at the current params as extras.loss, a scalar tensor (core's step and Trainer do; by hand: update(updates, state, params, { loss }))";
  if (!(loss instanceof tf.Tensor)) throw new BasinError(`${owner}: needs the loss value: ${hint}; got ${extras === undefined ? 'no extras' : `extras.loss ${describeValue(loss)}`}`);
  if (loss.isDisposed) throw new BasinError(`${owner}: extras.loss is a disposed tensor; ${hint}`);
  if (loss.size !== 1) throw new BasinError(`${owner}: extras.loss must be a scalar tensor, got shape [${loss.shape.join(', ')}]`);
  if (loss.dtype !== 'float32') throw new BasinError(`${owner}: extras.loss has dtype ${loss.dtype}; expected float32`);
  return loss;
}

/**
 * Polyak's step size (Loizou, Vaswani, Laradji & Lacoste-Julien 2021, "Stochastic Polyak
 * Step-size for SGD: An Adaptive Learning Rate for Fast Convergence", SPS_max; Berrada et al.
 * 2020), as optax's `scale_by_polyak` (optax/_src/transform.py): multiplies the updates `u` by
 * `min((f - fMin) / (||u||^2 + eps), maxLearningRate)`, with `f` the loss from `extras.loss`
 * (core's `step` and `Trainer` pass it), and by 0 where `||u||^2 + eps` is below the float64
 * machine epsilon. The step stays on the backend: no data is read back.
 */
export const scaleByPolyak = publicTransform('scaleByPolyak', function scaleByPolyak(options: ScaleByPolyakOptions = {}): Transform<EmptyState> {
  const owner = 'scaleByPolyak';
  const { fMin, maxLearningRate, eps } = checkPolyakOptions(owner, checkOptions(owner, options, '{ fMin: 0, maxLearningRate: 1 }', true));
  return {
    init: () => ({}),
    update: (updates, state, _params, extras) => {
      const loss = lossFromExtras(owner, extras);
      const step = tf.tidy(() => {
        const denominator = tf.add(treeSumOfSquares(updates), eps);
        const polyak = tf.minimum(tf.div(tf.sub(tf.reshape(loss, []), fMin), denominator), maxLearningRate);
        return tf.where(tf.lessEqual(denominator, FLOAT64_EPS), tf.zerosLike(polyak), polyak);
      });
      const out = treeMap((u) => tf.mul(u, step), updates);
      step.dispose();
      return [out, state];
    },
  };
});
