import * as tf from '@tensorflow/tfjs-core';
import { BasinError, LossFn, Tree, checkNumber, treeDispose, treeFlatten, treeFromVector, treeToVector, treeUnflatten } from '@basin/core';
import { tidyTree } from './tidy-tree';
import { assertVectorMatches, functionObjective, Objective } from './objective';

export type HvpMode = 'exact' | 'finiteDifference';

export interface HessianOptions {
  /**
   * `exact` (default): double backprop with Basin's second-order-safe gradients.
   * `finiteDifference`: central differences of gradients, for ops without second-order support.
   */
  mode?: HvpMode;
  /**
   * Finite differences: the perturbation's RMS relative to max(1, RMS of params). Default
   * 5e-3 for order 2 and 3e-2 for order 4 (about eps^(1/3) and eps^(1/5) in float32).
   */
  step?: number;
  /** Finite differences: 2 (central, default) or 4 (Richardson, 4 gradients per product). */
  order?: 2 | 4;
}

/** A symmetric linear operator on flat vectors: what the eigen, trace and density routines use. */
export interface LinearOperator {
  readonly size: number;
  /** A v for a vector of length `size`; returns a new tensor the caller owns. */
  matvec(v: tf.Tensor1D): tf.Tensor1D;
}

/** The Hessian of an objective at its base point, applied to vectors. */
export interface HessianOperator extends LinearOperator {
  readonly objective: Objective;
  readonly mode: HvpMode;
  /** Hessian-vector products computed so far (each averages over all batches). */
  readonly hvpCount: number;
  /** H v for a tree shaped like the params (checked); returns a new tree the caller owns. */
  hvp(vector: Tree): Tree;
}

const rms = (t: tf.Tensor[]): number => {
  const n = t.reduce((a, x) => a + x.size, 0);
  if (n === 0) return 0;
  const ss = tf.tidy(() => tf.addN(t.map((x) => tf.sum(tf.square(x)))));
  const v = ss.dataSync()[0];
  ss.dispose();
  return Math.sqrt(v / n);
};

/**
 * Finite-difference Hessian-vector product: (g(w + h v) - g(w - h v)) / 2h, or with order 4
 * (8 (g(h) - g(-h)) - (g(2h) - g(-2h))) / 12h. h scales with the params and the vector so the
 * perturbation has RMS `step * max(1, rms(w))`.
 */
export function finiteDifferenceHvp(objective: Objective, vector: Tree, { step, order = 2 }: Pick<HessianOptions, 'step' | 'order'> = {}): Tree {
  if (order !== 2 && order !== 4) throw new BasinError(`finiteDifferenceHvp: order must be 2 or 4, got ${String(order)}`);
  const delta = step === undefined ? (order === 2 ? 5e-3 : 3e-2) : checkNumber('finiteDifferenceHvp', 'step', step, { min: 0, minExclusive: true });
  const params = objective.params;
  assertVectorMatches(params, vector);
  const p = treeFlatten(params);
  const v = treeFlatten(vector);
  const vr = rms(v);
  if (vr === 0) return treeUnflatten(params, p.map((x) => tf.zerosLike(x)));
  const h = (delta * Math.max(1, rms(p))) / vr;
  const gradAt = (t: number): tf.Tensor[] => {
    const shifted = tidyTree(() => treeUnflatten(params, p.map((x, i) => tf.add(x, tf.mul(v[i], t)))));
    try {
      const { loss, grads } = objective.valueAndGrad(shifted);
      loss.dispose();
      return treeFlatten(grads);
    } finally {
      treeDispose(shifted);
    }
  };
  const gp = gradAt(h);
  const gm = gradAt(-h);
  if (order === 2) {
    const out = tf.tidy(() => gp.map((g, i) => tf.div(tf.sub(g, gm[i]), 2 * h)));
    tf.dispose([...gp, ...gm]);
    return treeUnflatten(params, out);
  }
  const gp2 = gradAt(2 * h);
  const gm2 = gradAt(-2 * h);
  const out = tf.tidy(() => gp.map((g, i) => tf.div(tf.sub(tf.mul(tf.sub(g, gm[i]), 8), tf.sub(gp2[i], gm2[i])), 12 * h)));
  tf.dispose([...gp, ...gm, ...gp2, ...gm2]);
  return treeUnflatten(params, out);
}

/**
 * The Hessian of `objective` at its base point as an operator: `hvp(tree)`, `matvec(flat)`.
 * Exact mode computes H v by double backprop (Pearlmutter 1994's R-operator done as reverse over
 * reverse) with second-order-safe gradients installed only for the call.
 */
export function hessian(objective: Objective, options: HessianOptions = {}): HessianOperator {
  const mode = options.mode ?? 'exact';
  if (mode !== 'exact' && mode !== 'finiteDifference') throw new BasinError(`hessian: mode must be 'exact' or 'finiteDifference', got '${String(mode)}'`);
  if (options.order !== undefined && options.order !== 2 && options.order !== 4) throw new BasinError(`hessian: order must be 2 or 4, got ${String(options.order)}`);
  if (options.step !== undefined) checkNumber('hessian', 'step', options.step, { min: 0, minExclusive: true });
  let count = 0;
  const hvp = (vector: Tree): Tree => {
    const out = mode === 'exact' ? objective.exactHvp(vector) : finiteDifferenceHvp(objective, vector, options);
    count += 1;
    return out;
  };
  return {
    objective,
    mode,
    size: objective.size,
    get hvpCount() {
      return count;
    },
    hvp,
    matvec(v) {
      if (v.rank !== 1 || v.size !== objective.size) {
        throw new BasinError(`hessian.matvec: vector has shape [${v.shape.join(', ')}]; expected [${objective.size}]`);
      }
      const tree = treeFromVector(v, objective.params);
      try {
        const hv = hvp(tree);
        try {
          return treeToVector(hv);
        } finally {
          treeDispose(hv);
        }
      } finally {
        treeDispose(tree);
      }
    },
  };
}

/**
 * One Hessian-vector product of a functional loss on one batch: H v at `params`, where `vector`
 * is a tree shaped like `params`.
 *
 *     const hv = hvp((p, b) => loss(p, b), params, vector, batch);
 */
export function hvp<B>(lossFn: LossFn<B>, params: Tree, vector: Tree, batch: B, options: HessianOptions = {}): Tree {
  return hessian(functionObjective(lossFn, params, { batch }), options).hvp(vector);
}
