import { BasinError, checkNumber, describeValue, entryPoint, readScalar, treeDispose } from '@basin/core';
import type { GradFn, Tree } from '@basin/core';
import { checkPerturbationOptions, PerturbationOptions } from './options';
import { perturbedUnchecked } from './sam';
import { lossAndGradsAt } from './grad-fn';
import { checkFloatTree } from './checks';

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
export const ascentSharpness = entryPoint('ascentSharpness', function ascentSharpness(
  gradFn: GradFn,
  params: Tree,
  options: AscentSharpnessOptions = {},
): AscentSharpness {
  const owner = 'ascentSharpness';
  if (typeof gradFn !== 'function') {
    throw new BasinError(`${owner}: gradFn must be a function (params) => { loss, grads }, e.g. makeGradFn(loss, batch); got ${describeValue(gradFn)}`);
  }
  checkFloatTree(owner, 'params', params);
  const opts = checkPerturbationOptions(owner, options);
  const rho = checkNumber(owner, 'rho', opts.rho, { min: 0 });
  const clean = lossAndGradsAt(owner, gradFn, params, params);
  let loss: number;
  let adversarial: Tree;
  try {
    loss = readScalar(clean.loss);
    adversarial = perturbedUnchecked(clean.grads, params, { ...opts, rho });
  } finally {
    clean.loss.dispose();
    treeDispose(clean.grads);
  }
  try {
    const result = lossAndGradsAt(owner, gradFn, adversarial, params);
    treeDispose(result.grads);
    const perturbedLoss = readScalar(result.loss);
    return { loss, perturbedLoss, sharpness: perturbedLoss - loss };
  } finally {
    treeDispose(adversarial);
  }
});
