import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, describeValue, publicTransform, requireParams, resolveHyper, treeDispose, treeMap } from '@basin/core';
import type { StateOf, Transform, Tree } from '@basin/core';
import {
  checkBaseTransform, checkPerturbationOptions, checkStateCount, checkStateTensors, gradientsAt, perturbed, requireGradFn,
} from '@basin/sam';
import type { PerturbationOptions } from '@basin/sam';
import { checkMicrobatchSpec, microbatchCount, MicrobatchSpec } from './microbatch-count';

export type MSamOptions = PerturbationOptions & MicrobatchSpec;

/**
 * m-SAM's state: the step count (for a `rho` schedule) and the base transform's state, typed:
 * `mSam(adam(...), o)`'s `state.base` is an `AdamOptimizerState`.
 */
export interface MSamState<S = unknown> {
  count: number;
  base: S;
}

/**
 * m-sharpness SAM (Foret et al. 2021, sec. 4.1; Andriushchenko & Flammarion, ICML 2022, eq. 3):
 * the batch is cut into k consecutive chunks S_1..S_k and
 *
 *     g_i     = grad L_{S_i}(w)                    (each chunk's own gradient at w)
 *     g_msam  = (1/k) sum_i grad L_{S_i}(w + eps_hat(g_i))
 *     updates = base(g_msam) at w
 *
 * Chunks come from `extras.gradFn(params, { index, count })`, which slices like numpy's
 * `array_split` (sizes differ by at most one row). Every chunk has weight 1/k. The incoming
 * updates (the full-batch gradient) are not used when k > 1, so the transform sets
 * `computesOwnGradients` and core's `step` skips computing them; with `microbatches: 1` m-SAM is
 * SAM and reuses them. Costs 2k gradient calls on chunks, i.e. about two full-batch gradients.
 *
 *     const opt = mSam(sgd({ learningRate: 0.1 }), { rho: 0.05, microbatchSize: 32, batchSize: 128 });
 */
// Generic over the base transform (not its state) so that a union of transforms, such as
// `flag ? sgd(...) : adam(...)`, is accepted, with the union of their states.
export const mSam = publicTransform('mSam', function mSam<T extends Transform<any>>(base: T, options: MSamOptions): Transform<MSamState<StateOf<T>>> {
  const owner = 'mSam';
  checkBaseTransform(owner, base);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new BasinError(`${owner}: options must be a record with microbatches or microbatchSize, e.g. { rho: 0.05, microbatches: 4 }; got ${describeValue(options)}`);
  }
  const perturbation = checkPerturbationOptions(owner, options);
  const spec = checkMicrobatchSpec(owner, options);
  // With several chunks the full-batch gradient at w is never read: tell the step helpers so
  // they skip it (two full-batch gradients a step instead of three). With one chunk m-SAM is SAM.
  const ownGradients = spec.microbatches === undefined || spec.microbatches > 1;
  return {
    computesOwnGradients: ownGradients,
    init: (params) => ({ count: 0, base: base.init(params) }),
    update: (updates, state, params, extras) => {
      // Every check runs before anything is computed: an error leaves the caller's tensors alone.
      const w = requireParams(owner, params, updates);
      const gradFn = requireGradFn(owner, extras);
      const k = microbatchCount(owner, spec, extras);
      const count = checkStateCount(owner, state?.count);
      checkStateTensors(owner, state);
      const rho = resolveHyper(owner, 'rho', perturbation.rho, count);
      checkNumber(owner, `rho (schedule at step ${count})`, rho, { min: 0 });
      const resolved = { ...perturbation, rho };
      let sum: Tree | undefined;
      try {
        for (let index = 0; index < k; index++) {
          const microbatch = k === 1 ? undefined : { index, count: k };
          const clean = k === 1 && !ownGradients ? updates : gradientsAt(owner, gradFn, w, w, microbatch);
          let adversarial: Tree;
          try {
            adversarial = perturbed(clean, w, resolved);
          } finally {
            if (clean !== updates) treeDispose(clean);
          }
          let g: Tree;
          try {
            g = gradientsAt(owner, gradFn, adversarial, w, microbatch);
          } finally {
            treeDispose(adversarial);
          }
          if (sum === undefined) sum = g;
          else {
            const next = treeMap((a, b) => tf.add(a, b), sum, g);
            treeDispose([sum, g]);
            sum = next;
          }
        }
        const mean = k === 1 ? sum! : treeMap((x) => tf.div(x, k), sum!);
        try {
          const [out, baseState] = base.update(mean, state.base, w, extras);
          return [out, { count: count + 1, base: baseState }];
        } finally {
          if (mean !== sum) treeDispose(mean);
        }
      } finally {
        treeDispose(sum);
      }
    },
  };
});
