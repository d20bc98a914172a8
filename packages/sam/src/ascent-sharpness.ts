import { BasinError, checkNumber, readScalar, treeDispose } from '@basin/core';
import type { GradFn, Tree } from '@basin/core';
import { checkPerturbationOptions, PerturbationOptions } from './options';
import { perturbed } from './sam';

export interface AscentSharpnessOptions extends Omit<PerturbationOptions, 'rho'> {
  /** Radius of the ascent step. Default 0.05. */
  rho?: number;
}

export interface AscentSharpness {
  /** Loss at the params. */
  loss: number;
  /** Loss at `params + eps_hat(g)`, the point SAM takes its gradient at. */
  perturbedLoss: number;
  /** `perturbedLoss - loss`: the first-order estimate of SAM's sharpness `max_{||e|| <= rho} L(w + e) - L(w)`. */
  sharpness: number;
}

/**
 * A cheap sharpness measure: how much the loss rises after one SAM ascent step of radius
 * `rho` (Foret et al. 2021, eq. 1 with the first-order maximiser). Two gradient evaluations;
 * params are left alone. `gradFn` is what `makeGradFn(loss, batch)` from @basin/core returns.
 *
 *     const { sharpness } = ascentSharpness(makeGradFn(loss, batch), params, { rho: 0.05 });
 */
export function ascentSharpness(gradFn: GradFn, params: Tree, options: AscentSharpnessOptions = {}): AscentSharpness {
  if (typeof gradFn !== 'function') throw new BasinError('ascentSharpness: gradFn must be a function (params) => { loss, grads }, e.g. makeGradFn(loss, batch)');
  const opts = checkPerturbationOptions('ascentSharpness', options);
  const rho = checkNumber('ascentSharpness', 'rho', opts.rho, { min: 0 });
  const clean = gradFn(params);
  if (!clean || !('grads' in clean)) throw new BasinError('ascentSharpness: gradFn must return { loss, grads }');
  const loss = readScalar(clean.loss);
  let adversarial: Tree;
  try {
    adversarial = perturbed(clean.grads, params, { ...opts, rho });
  } finally {
    treeDispose(clean.grads);
  }
  try {
    const result = gradFn(adversarial);
    treeDispose(result.grads);
    const perturbedLoss = readScalar(result.loss);
    return { loss, perturbedLoss, sharpness: perturbedLoss - loss };
  } finally {
    treeDispose(adversarial);
  }
}
