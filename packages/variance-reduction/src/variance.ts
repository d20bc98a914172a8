// How much SVRG reduces the variance of the gradient estimate, leaf by leaf (per layer):
// the quantity Defazio & Bottou (2019) plot to argue SVRG does little for deep networks.
import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkFunction, checkNumber, describeValue, entryPoint, treeDispose, treeLeaves } from '@basin/core';
import type { Tree } from '@basin/core';
import { checkTree, checkReturnedTree } from './checks';

export interface SvrgVarianceOptions {
  /** The gradient of batch `batch` (0 <= batch < batches) at `params`; the caller owns the result. */
  gradientAt: (params: Tree, batch: number) => Tree;
  /** The number of fixed batches the training set is cut into (the minibatches SGD draws from). */
  batches: number;
  /** The current params w. */
  params: Tree;
  /** The SVRG snapshot w~. */
  snapshotParams: Tree;
}

export interface LeafVariance {
  /** The leaf's path in the params tree (a layer's weight name for a model). */
  path: string;
  /** Number of entries in the leaf. */
  size: number;
  /** Variance of the SGD estimate g_b(w) over the batches b (summed over the leaf's entries). */
  sgd: number;
  /** Variance of the SVRG estimate g_b(w) - g_b(w~) + mu~ over the batches (mu~ is a constant). */
  svrg: number;
  /** sgd / svrg: above 1 when SVRG reduces the variance (Infinity when svrg is 0 and sgd is not). */
  ratio: number;
}

export interface SvrgVariance {
  leaves: LeafVariance[];
  /** The same over the whole params tree (sums over every leaf). */
  total: Omit<LeafVariance, 'path'>;
}

const ratioOf = (sgd: number, svrg: number): number => (svrg > 0 ? sgd / svrg : sgd > 0 ? Infinity : 1);

/**
 * Variances of SGD's and SVRG's gradient estimates at `params`, per leaf and in total, with the
 * batch b drawn uniformly from the `batches` fixed batches:
 *
 *     Var_SGD  = (1/B) sum_b || g_b(w) - mean_b' g_b'(w) ||^2
 *     Var_SVRG = (1/B) sum_b || d_b - mean_b' d_b' ||^2,    d_b = g_b(w) - g_b(w~)
 *
 * (SVRG's estimate g_b(w) - g_b(w~) + mu~ differs from d_b by the constant mu~, which does not
 * change its variance.) The ratio Var_SGD / Var_SVRG is what SVRG buys: 1 means no reduction.
 * At w = w~ the SVRG estimate is mu~ for every batch, so its variance is 0. Costs 2B gradient
 * calls; accumulated with Welford's update in float32 on the backend, read back once.
 */
export const svrgVariance = entryPoint('svrgVariance', function svrgVariance(options: SvrgVarianceOptions): SvrgVariance {
  const owner = 'svrgVariance';
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new BasinError(`${owner}: options must be a record { gradientAt, batches, params, snapshotParams }, got ${describeValue(options)}`);
  }
  const { gradientAt, batches, params, snapshotParams } = options;
  checkFunction(owner, 'gradientAt', gradientAt);
  checkNumber(owner, 'batches', batches, { min: 1, integer: true });
  if (params === undefined || params === null) throw new BasinError(`${owner}: params must be a tree of float32 tensors, got ${params}`);
  checkTree(owner, 'params', params, params);
  checkTree(owner, 'snapshotParams', snapshotParams, params);
  const leaves = treeLeaves(params);
  // Welford: mean_k = mean_{k-1} + (x - mean_{k-1}) / k; m2 += <x - mean_{k-1}, x - mean_k>.
  const acc = { sgd: { mean: [] as tf.Tensor[], m2: [] as tf.Tensor[] }, svrg: { mean: [] as tf.Tensor[], m2: [] as tf.Tensor[] } };
  const push = (which: 'sgd' | 'svrg', values: tf.Tensor[], k: number): void => {
    const a = acc[which];
    if (k === 1) {
      a.mean = values.map((v) => tf.clone(v));
      a.m2 = values.map(() => tf.scalar(0));
      return;
    }
    const next = tf.tidy(() =>
      values.map((x, i) => {
        const before = tf.sub(x, a.mean[i]);
        const mean = tf.add(a.mean[i], tf.div(before, k));
        const m2 = tf.add(a.m2[i], tf.sum(tf.mul(before, tf.sub(x, mean))));
        return [mean, m2];
      }),
    );
    tf.dispose([...a.mean, ...a.m2]);
    a.mean = next.map(([m]) => m);
    a.m2 = next.map(([, s]) => s);
  };
  const flat = (tree: Tree): tf.Tensor[] => {
    // Pair by path, whatever the key order the callback used.
    const byPath = new Map(treeLeaves(tree).map((e) => [e.path, e.leaf]));
    return leaves.map((e) => byPath.get(e.path)!);
  };
  try {
    for (let b = 0; b < batches; b++) {
      const g = checkReturnedTree(owner, `gradientAt(params, ${b})`, gradientAt(params, b), params);
      let gs: Tree;
      try {
        gs = checkReturnedTree(owner, `gradientAt(snapshotParams, ${b})`, gradientAt(snapshotParams, b), params);
      } catch (e) {
        treeDispose(g);
        throw e;
      }
      try {
        const gv = flat(g);
        push('sgd', gv, b + 1);
        const d = tf.tidy(() => flat(gs).map((s, i) => tf.sub(gv[i], s)));
        push('svrg', d, b + 1);
        tf.dispose(d);
      } finally {
        treeDispose([g, gs]);
      }
    }
    const sums = tf.tidy(() => tf.stack([...acc.sgd.m2, ...acc.svrg.m2]));
    const values = Array.from(sums.dataSync());
    sums.dispose();
    const n = leaves.length;
    const result = leaves.map((e, i) => {
      const sgd = Math.max(0, values[i]) / batches;
      const svrg = Math.max(0, values[n + i]) / batches;
      return { path: e.path, size: e.leaf.size, sgd, svrg, ratio: ratioOf(sgd, svrg) };
    });
    const sgd = result.reduce((s, r) => s + r.sgd, 0);
    const svrg = result.reduce((s, r) => s + r.svrg, 0);
    return { leaves: result, total: { size: result.reduce((s, r) => s + r.size, 0), sgd, svrg, ratio: ratioOf(sgd, svrg) } };
  } finally {
    tf.dispose([...acc.sgd.mean, ...acc.sgd.m2, ...acc.svrg.mean, ...acc.svrg.m2]);
  }
});
