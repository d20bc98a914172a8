import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, publicTransform, requireParams, resolveHyper, treeDispose, treeDot, treeGlobalNorm, treeMap, treeSumOfSquares } from '@basin/core';
import type { StateOf, Transform, Tree } from '@basin/core';
import { checkPerturbationOptions, type PerturbationOptions } from './options';
import { samGradient } from './sam';
import { requireGradFn } from './grad-fn';
import { checkBaseTransform, checkStateCount, checkStateTensors, optionsRecord } from './checks';

export interface LookSamOptions extends PerturbationOptions {
  /** Compute the SAM gradient every `k` steps (steps 0, k, 2k, ...); an integer >= 1. Required. */
  k: number;
  /** Weight of the reused component: `g + alpha * ||g|| / ||g_v|| * g_v` in between; >= 0. Required. */
  alpha: number;
}

/** LookSAM's state: the step count, the base transform's state, and `g_v` from the last SAM step. */
export interface LookSamState<S = unknown> {
  count: number;
  base: S;
  /** The component of the last SAM gradient orthogonal to the plain gradient (zeros before the first step). */
  gv: Tree;
}

/**
 * LookSAM (Liu et al., CVPR 2022, "Towards Efficient and Scalable Sharpness-Aware
 * Minimization", Algorithm 1) around any base transform. With `g` the incoming gradient at `w`
 * and all norms and inner products global over the params tree:
 *
 *     every k-th step (count % k == 0, the first step included):
 *       g_s = gradFn(w + eps_hat(g))                    (SAM's gradient)
 *       g_v = g_s - (<g, g_s> / ||g||^2) g              (its part orthogonal to g, kept)
 *       updates = base(g_s)
 *     the other steps (no extra gradient):
 *       updates = base(g + alpha * ||g|| / ||g_v|| * g_v)
 *
 * `eps_hat` is SAM's ascent step (`rho`, `p`, `adaptive`... as in `sam`). `k = 1` is `sam`. A
 * zero `g` or `g_v` adds nothing (never NaN). Needs `params` and `extras.gradFn` at every step,
 * so a missing one is caught at once, not k steps later. Costs `1 + 1/k` gradients per step on
 * average.
 *
 *     const opt = lookSam(sgd({ learningRate: 0.1, momentum: 0.9 }), { rho: 0.05, k: 5, alpha: 0.7 });
 */
export const lookSam = publicTransform('lookSam', function lookSam<T extends Transform<any>>(base: T, options: LookSamOptions): Transform<LookSamState<StateOf<T>>> {
  const owner = 'lookSam';
  checkBaseTransform(owner, base);
  const { k, alpha, ...perturbation } = optionsRecord(owner, options, '{ rho: 0.05, k: 5, alpha: 0.7 }');
  checkNumber(owner, 'k', k, { min: 1, integer: true });
  checkNumber(owner, 'alpha', alpha, { min: 0 });
  const opts = checkPerturbationOptions(owner, perturbation);
  return {
    init: (params) => ({ count: 0, base: base.init(params), gv: tf.tidy(() => treeMap((x) => tf.zerosLike(x), params) as tf.TensorContainer) as Tree }),
    update: (updates, state, params, extras) => {
      const w = requireParams(owner, params, updates);
      const gradFn = requireGradFn(owner, extras);
      const count = checkStateCount(owner, state?.count);
      checkStateTensors(owner, state);
      const rho = resolveHyper(owner, 'rho', opts.rho, count);
      checkNumber(owner, `rho (schedule at step ${count})`, rho, { min: 0 });
      if (count % k === 0) {
        const gs = samGradient(owner, updates, w, gradFn, { ...opts, rho });
        try {
          const gv = tf.tidy(() => {
            const c = tf.divNoNan(treeDot(updates, gs), treeSumOfSquares(updates));
            return treeMap((_w, s, g) => tf.sub(s, tf.mul(g, c)), w, gs, updates) as tf.TensorContainer;
          }) as Tree;
          try {
            const [out, baseState] = base.update(gs, state.base, w, extras);
            return [out, { count: count + 1, base: baseState, gv }];
          } catch (e) {
            treeDispose(gv);
            throw e;
          }
        } finally {
          treeDispose(gs);
        }
      }
      const direction = tf.tidy(() => {
        const c = tf.mul(tf.divNoNan(treeGlobalNorm(updates), treeGlobalNorm(state.gv)), alpha);
        return treeMap((_w, g, v) => tf.add(g, tf.mul(v, c)), w, updates, state.gv) as tf.TensorContainer;
      }) as Tree;
      try {
        const [out, baseState] = base.update(direction, state.base, w, extras);
        // The state the caller gets is new tensors (clones share the data), as for every transform.
        const gv = tf.tidy(() => treeMap((x) => tf.clone(x), state.gv) as tf.TensorContainer) as Tree;
        return [out, { count: count + 1, base: baseState, gv }];
      } finally {
        treeDispose(direction);
      }
    },
  };
});
