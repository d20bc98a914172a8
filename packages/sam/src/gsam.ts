import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, publicTransform, requireParams, resolveHyper, treeDispose, treeDot, treeMap, treeSumOfSquares } from '@basin/core';
import type { StateOf, Transform, Tree } from '@basin/core';
import { checkPerturbationOptions, type PerturbationOptions } from './options';
import { samGradient } from './sam';
import { requireGradFn } from './grad-fn';
import { checkBaseTransform, checkStateCount, checkStateTensors, optionsRecord } from './checks';

export interface GsamOptions extends PerturbationOptions {
  /** Weight of the ascent on the surrogate gap: the orthogonal part of `g` removed; >= 0. Required. */
  alpha: number;
}

/** GSAM's state: the step count (for a `rho` schedule) and the base transform's state. */
export interface GsamState<S = unknown> {
  count: number;
  base: S;
}

/**
 * GSAM (Zhuang et al., ICLR 2022, "Surrogate Gap Guided Sharpness-Aware Minimization",
 * Algorithm 1) around any base transform. With `g` the incoming gradient at `w` and all norms
 * and inner products global over the params tree:
 *
 *     g_p = gradFn(w + eps_hat(g))                 (SAM's gradient, of the perturbed loss)
 *     g_perp = g - (<g, g_p> / ||g_p||^2) g_p      (the part of g orthogonal to g_p)
 *     updates = base(g_p - alpha * g_perp)
 *
 * Descending along `g_p` minimises the perturbed loss; `-alpha * g_perp` ascends the clean loss
 * along the direction orthogonal to `g_p`, which shrinks the surrogate gap (perturbed minus clean
 * loss) without changing the perturbed loss to first order. `alpha = 0` is `sam` with the same
 * options, exactly. The paper ties `rho` to the learning rate: pass a `rho` schedule, e.g.
 * `(k) => rhoMin + (rhoMax - rhoMin) * (lr(k) - lrMin) / (lrMax - lrMin)`. Needs `params` and
 * `extras.gradFn`; two gradients per step, as SAM.
 *
 *     const opt = gsam(adamw({ learningRate: 1e-3, weightDecay: 0.3 }), { rho: 0.05, alpha: 0.1 });
 */
export const gsam = publicTransform('gsam', function gsam<T extends Transform<any>>(base: T, options: GsamOptions): Transform<GsamState<StateOf<T>>> {
  const owner = 'gsam';
  checkBaseTransform(owner, base);
  const { alpha, ...perturbation } = optionsRecord(owner, options, '{ rho: 0.05, alpha: 0.1 }');
  checkNumber(owner, 'alpha', alpha, { min: 0 });
  const opts = checkPerturbationOptions(owner, perturbation);
  return {
    init: (params) => ({ count: 0, base: base.init(params) }),
    update: (updates, state, params, extras) => {
      const w = requireParams(owner, params, updates);
      const gradFn = requireGradFn(owner, extras);
      const count = checkStateCount(owner, state?.count);
      checkStateTensors(owner, state);
      const rho = resolveHyper(owner, 'rho', opts.rho, count);
      checkNumber(owner, `rho (schedule at step ${count})`, rho, { min: 0 });
      const gp = samGradient(owner, updates, w, gradFn, { ...opts, rho });
      let direction: Tree;
      try {
        direction = tf.tidy(() => {
          const c = tf.divNoNan(treeDot(updates, gp), treeSumOfSquares(gp));
          return treeMap((_w, p, g) => tf.sub(p, tf.mul(tf.sub(g, tf.mul(p, c)), alpha)), w, gp, updates) as tf.TensorContainer;
        }) as Tree;
      } finally {
        treeDispose(gp);
      }
      try {
        const [out, baseState] = base.update(direction, state.base, w, extras);
        return [out, { count: count + 1, base: baseState }];
      } finally {
        treeDispose(direction);
      }
    },
  };
});
