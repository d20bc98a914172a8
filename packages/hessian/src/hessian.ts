import * as tf from '@tensorflow/tfjs-core';
import { BasinError, LossFn, Tree, checkNumber, entryPoint, isTensor, runEntryPoint, treeDispose, treeFlatten, treeFromVector, treeToVector, treeUnflatten, describeArgument as describeGot, oneOf } from '@basin/core';
import { tidyTree } from './tidy-tree';
import { assertVectorMatches, functionObjective, Objective } from './objective';
import { checkObjective, optionsRecord } from './checks';

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

/** Checks the finite-difference options (order, step); `mode` is left to `hessian`. */
function finiteDifferenceOptions(owner: string, options: Pick<HessianOptions, 'step' | 'order'>): { order: 2 | 4; step?: number } {
  const { order = 2, step } = options;
  if (order !== 2 && order !== 4) throw new BasinError(`${owner}: order must be 2 or 4, got ${describeGot(order)}`);
  if (step !== undefined) checkNumber(owner, 'step', step, { min: 0, minExclusive: true });
  return { order, step };
}

/**
 * Finite-difference Hessian-vector product: (g(w + h v) - g(w - h v)) / 2h, or with order 4
 * (8 (g(h) - g(-h)) - (g(2h) - g(-2h))) / 12h. h scales with the params and the vector so the
 * perturbation has RMS `step * max(1, rms(w))`. `vector` may list its keys in any order.
 */
export const finiteDifferenceHvp = entryPoint('finiteDifferenceHvp', function finiteDifferenceHvp(objective: Objective, vector: Tree, options: Pick<HessianOptions, 'step' | 'order'> = {}): Tree {
  const owner = 'finiteDifferenceHvp';
  checkObjective(owner, objective);
  const { step, order } = finiteDifferenceOptions(owner, optionsRecord(owner, options));
  const delta = step ?? (order === 2 ? 5e-3 : 3e-2);
  const params = objective.params;
  assertVectorMatches(params, vector, 'vector', owner);
  // Everything but the result is disposed, also when the objective throws part way.
  return tidyTree(() => {
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
  });
});

/**
 * The Hessian of `objective` at its base point as an operator: `hvp(tree)`, `matvec(flat)`.
 * Exact mode computes H v by double backprop (Pearlmutter 1994's R-operator done as reverse over
 * reverse) with second-order-safe gradients installed only for the call. Flat vectors are in the
 * params' `treeToVector` order (canonical: record keys sorted, as JAX's `ravel_pytree`).
 */
export const hessian = entryPoint('hessian', function hessian(objective: Objective, options: HessianOptions = {}): HessianOperator {
  const owner = 'hessian';
  checkObjective(owner, objective);
  const o = optionsRecord(owner, options);
  const mode = oneOf(owner, 'mode', o.mode, ['exact', 'finiteDifference'] as const, 'exact');
  const fd = finiteDifferenceOptions(owner, o);
  let count = 0;
  const hvp = (name: string, vector: Tree): Tree => {
    assertVectorMatches(objective.params, vector, 'vector', name);
    const out = mode === 'exact' ? tidyTree(() => objective.exactHvp(vector)) : finiteDifferenceHvp(objective, vector, fd);
    count += 1;
    return out;
  };
  const size = objective.size;
  return {
    objective,
    mode,
    size,
    get hvpCount() {
      return count;
    },
    hvp: (vector) => runEntryPoint('hessian.hvp', () => hvp('hessian.hvp', vector)),
    matvec(v) {
      return runEntryPoint('hessian.matvec', () => {
        if (!isTensor(v) || v.isDisposed) throw new BasinError(`hessian.matvec: v must be a float32 vector of length ${size}, got ${isTensor(v) ? 'a disposed tensor' : describeGot(v)}`);
        if (v.rank !== 1 || v.size !== size) throw new BasinError(`hessian.matvec: v has shape [${v.shape.join(', ')}]; expected [${size}]`);
        if (v.dtype !== 'float32') throw new BasinError(`hessian.matvec: v has dtype ${v.dtype}; expected float32`);
        return tf.tidy(() => treeToVector(hvp('hessian.matvec', treeFromVector(v, objective.params))));
      });
    },
  };
});

/**
 * One Hessian-vector product of a functional loss on one batch: H v at `params`, where `vector`
 * is a tree shaped like `params` (its record keys in any order).
 *
 *     const hv = hvp((p, b) => loss(p, b), params, vector, batch);
 */
export const hvp = entryPoint('hvp', function hvp<B>(lossFn: LossFn<B>, params: Tree, vector: Tree, batch: B, options: HessianOptions = {}): Tree {
  if (batch === undefined) throw new BasinError('hvp: batch is undefined; pass the batch the loss takes (any value, e.g. {} for a loss that needs none)');
  return hessian(functionObjective(lossFn, params, { batch }), options).hvp(vector);
});
