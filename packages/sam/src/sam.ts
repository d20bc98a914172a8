import * as tf from '@tensorflow/tfjs-core';
import {
  assertSameStructure, BasinError, checkNumber, describeValue, entryPoint, publicTransform, requireParams, resolveHyper, treeAdd,
  treeAddScaled, treeDispose, treeGlobalNorm, treeMap,
} from '@basin/core';
import type { GradFn, StateOf, Transform, Tree } from '@basin/core';
import { checkPerturbationOptions, PerturbationOptions, ResolvedPerturbation, resolvePerturbation } from './options';
import { ascentStep } from './perturbation';
import { gradientsAt, requireGradFn } from './grad-fn';
import { checkBaseTransform, checkStateCount, checkFloatTree, checkStateTensors, optionsRecord } from './checks';

export interface SamOptions extends PerturbationOptions {
  /**
   * A transform that turns the gradient `g` at `w` into the ascent step, as optax.contrib.sam's
   * `adv_optimizer`, with optax's sign: the adversarial point is `w - adversary(g)`, so a
   * descent transform ascends. optax's `chain(normalize(), sgd(rho))` is
   * `chain(normalizeByGlobalNorm(), sgd({ learningRate: rho }))` here, and gives the built-in
   * step (`w + rho g / ||g||`). It replaces the built-in step: leave out `rho`, `p`,
   * `normalize`, `adaptive`, `eta` and `eps`.
   */
  adversary?: Transform<any>;
  /**
   * With `adversary`: start it from `adversary.init(w)` at every step (optax's `reset_state`,
   * default true). `false` carries its state (momentum, a schedule's step count) from step to step.
   */
  resetAdversaryState?: boolean;
}

/**
 * SAM's state: the step count (for a `rho` schedule) and the base transform's state; with an
 * `adversary`, also the adversary's state.
 */
export interface SamState<S = unknown> {
  count: number;
  base: S;
  adversary?: unknown;
}

const PERTURBATION_OPTIONS = ['rho', 'p', 'normalize', 'adaptive', 'eta', 'eps'] as const;

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
 * Needs `params` and `extras.gradFn`; costs one extra gradient per step. With `adversary`, the
 * ascent point is `w - adversary(g)` (optax.contrib.sam's `adv_optimizer`, opaque mode, one
 * adversarial step).
 *
 *     const opt = sam(adam({ learningRate: 1e-3 }), { rho: 0.05 });
 */
export const sam = publicTransform('sam', function sam<T extends Transform<any>>(base: T, options: SamOptions = {}): Transform<SamState<StateOf<T>>> {
  const owner = 'sam';
  checkBaseTransform(owner, base);
  const { adversary, resetAdversaryState, ...perturbation } = optionsRecord(owner, options, '{ rho: 0.05 }');
  const opts = checkPerturbationOptions(owner, perturbation);
  if (adversary === undefined) {
    if (resetAdversaryState !== undefined) throw new BasinError(`${owner}: resetAdversaryState applies only with an adversary; leave it out or pass adversary`);
    return samWithBuiltInAscent(owner, base, opts);
  }
  checkAdversary(owner, adversary);
  const given = PERTURBATION_OPTIONS.filter((k) => perturbation[k] !== undefined);
  if (given.length > 0) {
    throw new BasinError(
      `${owner}: adversary replaces the built-in ascent step, so ${given.join(', ')} cannot be given with it; ` +
        `put the radius in the adversary, e.g. chain(normalizeByGlobalNorm(), sgd({ learningRate: 0.05 }))`,
    );
  }
  if (resetAdversaryState !== undefined && typeof resetAdversaryState !== 'boolean') {
    throw new BasinError(`${owner}: resetAdversaryState must be a boolean, got ${describeValue(resetAdversaryState)}`);
  }
  return samWithAdversary(owner, base, adversary, resetAdversaryState ?? true);
});

function samWithBuiltInAscent<S>(owner: string, base: Transform<S>, opts: Required<PerturbationOptions>): Transform<SamState<S>> {
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
      const grads = samGradient(owner, updates, w, gradFn, { ...opts, rho });
      try {
        const [out, baseState] = base.update(grads, state.base, w, extras);
        return [out, { count: count + 1, base: baseState }];
      } finally {
        treeDispose(grads);
      }
    },
  };
}

function samWithAdversary<S>(owner: string, base: Transform<S>, adversary: Transform<any>, reset: boolean): Transform<SamState<S>> {
  return {
    init: (params) => ({ count: 0, base: base.init(params), adversary: adversary.init(params) }),
    update: (updates, state, params, extras) => {
      const w = requireParams(owner, params, updates);
      const gradFn = requireGradFn(owner, extras);
      const count = checkStateCount(owner, state?.count);
      checkStateTensors(owner, state);
      // optax.contrib.sam, opaque mode, sync_period 2: `adv_updates, adv_state =
      // adv_optimizer.update(updates, adv_state, params)`, negated, applied to the params, and
      // the gradient taken there is what the outer optimizer gets.
      const [step, advNext] = adversary.update(updates, state.adversary, w);
      let adversarial: Tree;
      try {
        checkAdversaryStep(owner, step, w);
        adversarial = tf.tidy(() => treeMap((x, u) => tf.sub(x, u), w, step) as tf.TensorContainer) as Tree;
      } catch (e) {
        treeDispose(advNext);
        throw e;
      } finally {
        treeDispose(step);
      }
      let grads: Tree;
      try {
        grads = gradientsAt(owner, gradFn, adversarial, w);
      } catch (e) {
        treeDispose(advNext);
        throw e;
      } finally {
        treeDispose(adversarial);
      }
      try {
        const [out, baseState] = base.update(grads, state.base, w, extras);
        // optax: `if reset_state: adv_state = adv_optimizer.init(outer_params)`.
        let nextAdversary = advNext;
        if (reset) {
          treeDispose(advNext);
          nextAdversary = adversary.init(w);
        }
        return [out, { count: count + 1, base: baseState, adversary: nextAdversary }];
      } catch (e) {
        treeDispose(advNext);
        throw e;
      } finally {
        treeDispose(grads);
      }
    },
  };
}

function checkAdversary(owner: string, adversary: unknown): void {
  const t = adversary as { init?: unknown; update?: unknown } | null;
  if (typeof t !== 'object' || t === null || typeof t.init !== 'function' || typeof t.update !== 'function') {
    const got = typeof adversary === 'function' ? `the function ${(adversary as { name?: string }).name || '(anonymous)'} (call it to make a transform)` : describeValue(adversary);
    throw new BasinError(`${owner}: adversary must be a Basin transform (with init and update), e.g. chain(normalizeByGlobalNorm(), sgd({ learningRate: 0.05 })); got ${got}`);
  }
}

/** The adversary's output must be a float32 tree shaped like the params. */
function checkAdversaryStep(owner: string, step: Tree, w: Tree): void {
  if (step === undefined || step === null) throw new BasinError(`${owner}: the adversary returned updates ${step}; expected a tree shaped like the params`);
  try {
    assertSameStructure(w, step, ['params', "the adversary's updates"]);
  } catch (e) {
    throw new BasinError(`${owner}: ${(e as Error).message}`);
  }
  checkFloatTree(owner, "the adversary's updates", step);
}

/**
 * The SAM gradient `gradFn(w + eps_hat(g))` for gradients `g` at `w`: new tensors the caller
 * owns. Inputs are checked by the caller; `rho` is resolved.
 */
export function samGradient(owner: string, g: Tree, w: Tree, gradFn: GradFn, options: ResolvedPerturbation): Tree {
  const adversarial = perturbedUnchecked(g, w, options);
  try {
    return gradientsAt(owner, gradFn, adversarial, w);
  } finally {
    treeDispose(adversarial);
  }
}

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
    // The common cases as w + c * g with one scalar c: one reduction for the norm, then one fused
    // kernel per leaf where the backend has them (@basin/core's treeGlobalNorm and treeAddScaled
    // pick them; fused updates off, they run the composed ops).
    return tf.tidy(() => {
      const c = options.normalize ? (tf.divNoNan(tf.scalar(options.rho), tf.add(treeGlobalNorm(grads), options.eps)) as tf.Scalar) : tf.scalar(options.rho);
      return treeAddScaled(params, grads, c) as tf.TensorContainer;
    }) as Tree;
  }
  const eps = ascentStep(grads, options, params);
  try {
    return treeAdd(params, eps);
  } finally {
    treeDispose(eps);
  }
}
