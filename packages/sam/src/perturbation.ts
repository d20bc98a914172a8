import * as tf from '@tensorflow/tfjs-core';
import { assertSameStructure, BasinError, entryPoint, Tree, treeFlatten, treeGlobalNorm, treeMap } from '@basin/core';
import { resolvePerturbation, type ResolvedPerturbation } from './options';
import { checkFloatTree } from './checks';

/**
 * The ascent step `eps_hat` of SAM (Foret et al. 2021, eq. 2) for a gradient tree `g`, with
 * every norm global over the whole tree:
 *
 *     eps_hat = rho * sign(g) |g|^(q-1) / (||g||_q^q)^(1/p),   1/p + 1/q = 1
 *
 * p = 2 gives `rho * g / ||g||_2`; p = Infinity gives `rho * sign(g)`; p = 1 puts the whole
 * step on the largest |g| entry (shared equally among ties). With `adaptive` (ASAM, Kwon et al.
 * 2021, eq. 10) the ball is taken in the scaled coordinates `T_w^-1 eps`, `T_w = |w| + eta`:
 * `eps = T_w * dual(T_w * g)`. With `normalize: false` (unnormalised SAM, Andriushchenko &
 * Flammarion 2022) the step is `rho * T_w^2 g` (`rho * g` without `adaptive`).
 *
 * A zero gradient gives a zero step, never NaN. Returns new tensors the caller owns; needs
 * `params` only for `adaptive`. Options left out take `sam`'s defaults; `rho` must be a number.
 */
export const ascentPerturbation = entryPoint('ascentPerturbation', function ascentPerturbation(
  grads: Tree,
  options: Partial<ResolvedPerturbation>,
  params?: Tree,
): Tree {
  const owner = 'ascentPerturbation';
  const resolved = resolvePerturbation(owner, options);
  checkFloatTree(owner, 'grads', grads);
  if (params === undefined || params === null) {
    if (resolved.adaptive) throw new BasinError(`${owner}: adaptive (ASAM) needs params, got ${params}`);
  } else {
    checkFloatTree(owner, 'params', params);
    try {
      assertSameStructure(params, grads, ['params', 'grads']);
    } catch (e) {
      throw new BasinError(`${owner}: ${(e as Error).message}`);
    }
  }
  return ascentStep(grads, resolved, params ?? undefined);
});

/** `ascentPerturbation` without the input checks, for callers that made them already. */
export function ascentStep(grads: Tree, options: ResolvedPerturbation, params?: Tree): Tree {
  const { rho, p, normalize, adaptive, eta, eps } = options;
  return tf.tidy((): tf.TensorContainer => {
    // ASAM works in the coordinates scaled by T_w = |w| + eta.
    const scaleT = adaptive ? treeMap((w) => tf.add(tf.abs(w), eta), params!) : undefined;
    const h = scaleT ? treeMap((g, t) => tf.mul(g, t), grads, scaleT) : grads;
    let dual: Tree;
    if (!normalize) dual = h;
    else if (p === 2) {
      const norm = tf.add(treeGlobalNorm(h), eps);
      dual = treeMap((x) => tf.divNoNan(x, norm), h);
    } else if (p === Infinity) {
      dual = treeMap((x) => tf.sign(x), h);
    } else {
      dual = dualDirection(h, p);
    }
    const scaled = scaleT ? treeMap((d, t) => tf.mul(d, t), dual, scaleT) : dual;
    return treeMap((d) => tf.mul(d, rho), scaled) as tf.TensorContainer;
  }) as Tree;
}

/** The unit p-norm direction dual to `h` for 1 <= p < Infinity, p != 2; call inside a tidy. */
function dualDirection(h: Tree, p: number): Tree {
  const leaves = treeFlatten(h);
  if (leaves.length === 0) return h;
  // The formula is homogeneous of degree 0 in h, so dividing by max|h| first is exact and keeps
  // |h|^(q-1) and |h|^q from under- or overflowing when q is large (p near 1).
  const maxAbs = tf.max(tf.stack(leaves.map((x) => tf.max(tf.abs(x)))));
  if (p === 1) {
    // q = Infinity: all of the step goes to the entries where |h| is largest.
    const masks = treeMap((x) => tf.cast(tf.equal(tf.abs(x), maxAbs), 'float32'), h);
    const ties = tf.addN(treeFlatten(masks).map((m) => tf.sum(m)));
    return treeMap((x, m) => tf.div(tf.mul(tf.sign(x), m), ties), h, masks);
  }
  const q = p / (p - 1);
  const a = treeMap((x) => tf.divNoNan(tf.abs(x), maxAbs), h);
  const sumQ = tf.addN(treeFlatten(a).map((x) => tf.sum(tf.pow(x, q))));
  const denom = tf.pow(sumQ, 1 / p);
  return treeMap((x, ax) => tf.divNoNan(tf.mul(tf.sign(x), tf.pow(ax, q - 1)), denom), h, a);
}
