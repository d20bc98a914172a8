import * as tf from '@tensorflow/tfjs-core';
import {
  assertSameStructure, BasinError, checkNumber, entryPoint, publicTransform, requireParams, resolveHyper, treeAdd, treeDispose,
  treeGlobalNorm, treeMap,
} from '@basin/core';
import type { Transform, Tree } from '@basin/core';
import { checkPerturbationOptions, PerturbationOptions, ResolvedPerturbation, resolvePerturbation } from './options';
import { ascentStep } from './perturbation';
import { gradientsAt, requireGradFn } from './grad-fn';
import { checkBaseTransform, checkStateCount, checkFloatTree, checkStateTensors } from './checks';

export type SamOptions = PerturbationOptions;

/** SAM's state: the step count (for a `rho` schedule) and the base transform's state. */
export interface SamState<S = unknown> {
  count: number;
  base: S;
}

/**
 * Sharpness-Aware Minimization (Foret et al., ICLR 2021) around any base transform:
 *
 *     eps = eps_hat(g)           (g: the incoming updates, the gradient at w)
 *     g_sam = gradFn(w + eps)    (the gradient at the ascent point, same batch)
 *     updates = base(g_sam) at w
 *
 * The incoming updates must be the raw gradient at `params`, so put `sam` outermost (it wraps
 * a chain, not the other way round). Weight decay belongs in the base transform (`adamw`,
 * `addDecayedWeights`): it sees the clean params `w`, and the decay never enters the ascent.
 * Needs `params` and `extras.gradFn`; costs one extra gradient per step.
 *
 *     const opt = sam(adam({ learningRate: 1e-3 }), { rho: 0.05 });
 */
export const sam = publicTransform('sam', function sam<S>(base: Transform<S>, options: SamOptions = {}): Transform<SamState<S>> {
  const owner = 'sam';
  checkBaseTransform(owner, base);
  const opts = checkPerturbationOptions(owner, options);
  return {
    init: (params) => ({ count: 0, base: base.init(params) }),
    update: (updates, state, params, extras) => {
      // Every check runs before anything is computed: an error leaves the caller's tensors alone.
      const w = requireParams(owner, params, updates);
      const gradFn = requireGradFn(owner, extras);
      const count = checkStateCount(owner, state?.count);
      checkStateTensors(owner, state);
      const rho = resolveHyper(owner, 'rho', opts.rho, count);
      checkNumber(owner, `rho (schedule at step ${count})`, rho, { min: 0 });
      const adversarial = perturbedUnchecked(updates, w, { ...opts, rho });
      let grads: Tree;
      try {
        grads = gradientsAt(owner, gradFn, adversarial, w);
      } finally {
        treeDispose(adversarial);
      }
      try {
        const [out, baseState] = base.update(grads, state.base, w, extras);
        return [out, { count: count + 1, base: baseState }];
      } finally {
        treeDispose(grads);
      }
    },
  };
});

/**
 * `w + eps_hat(g)` for gradients `grads` at `params`: new tensors the caller owns. Options left
 * out take `sam`'s defaults; `rho` must be a number.
 */
export const perturbed = entryPoint('perturbed', function perturbed(grads: Tree, params: Tree, options: Partial<ResolvedPerturbation>): Tree {
  const owner = 'perturbed';
  const resolved = resolvePerturbation(owner, options);
  checkFloatTree(owner, 'grads', grads);
  checkFloatTree(owner, 'params', params);
  try {
    assertSameStructure(params, grads, ['params', 'grads']);
  } catch (e) {
    throw new BasinError(`${owner}: ${(e as Error).message}`);
  }
  return perturbedUnchecked(grads, params, resolved);
});

/** `perturbed` without the input checks, for callers that made them already. */
export function perturbedUnchecked(grads: Tree, params: Tree, options: ResolvedPerturbation): Tree {
  if (!options.adaptive && (options.p === 2 || !options.normalize)) {
    // The common cases in one pass per leaf: w + c * g with one scalar c (fewer ops per step).
    return tf.tidy(() => {
      const c = options.normalize ? tf.divNoNan(tf.scalar(options.rho), tf.add(treeGlobalNorm(grads), options.eps)) : tf.scalar(options.rho);
      return treeMap((w, g) => tf.add(w, tf.mul(g, c)), params, grads) as tf.TensorContainer;
    }) as Tree;
  }
  const eps = ascentStep(grads, options, params);
  try {
    return treeAdd(params, eps);
  } finally {
    treeDispose(eps);
  }
}
