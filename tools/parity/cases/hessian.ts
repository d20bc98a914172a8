// Parity case for @basin/hessian: `hessian_mlp` (a tanh MLP with softmax cross-entropy; see
// shared/fixtures/README.md). Everything is computed through the public API: the HVP in exact
// mode, the five largest and the most negative eigenvalue by Lanczos, and the exact trace as
// the sum of e_i^T H e_i over the 66 coordinates.
//
// Vector layout: the fixture's `hvp_vector` and `hvp` are laid out as JAX's `ravel_pytree`
// flattens a dict, i.e. leaves in SORTED key order (b1, b2, w1, w2), each row-major (the
// fixtures README says so). Basin's canonical order is the same (record keys sorted), so the
// params tree is built in the fixture's own key order and vectors line up with no reordering.
import * as tf from '@tensorflow/tfjs';
import { treeDispose, type Tree } from '@basin/core';
import { functionObjective, hessian, topEigenvalues } from '@basin/hessian';
import { flat, relativeError } from '../compare';
import type { CaseHandler, CaseResult, Nested } from '../fixture-types';
import { toTensor } from '../problems';

type Batch = { X: tf.Tensor; onehot: tf.Tensor };

function mlpLoss(params: Tree, batch: Batch): tf.Scalar {
  const p = params as Record<string, tf.Tensor>;
  return tf.tidy(() => {
    const h = tf.tanh(tf.add(tf.matMul(batch.X as tf.Tensor2D, p.w1 as tf.Tensor2D), p.b1));
    const z = tf.add(tf.matMul(h as tf.Tensor2D, p.w2 as tf.Tensor2D), p.b2);
    return tf.mean(tf.sub(tf.logSumExp(z, -1), tf.sum(tf.mul(batch.onehot, z), -1))) as tf.Scalar;
  });
}

const relScalar = (ours: number, ref: number): number => Math.abs(ours - ref) / Math.max(Math.abs(ref), 1e-12);

const hessianMlp: CaseHandler = (c): CaseResult => {
  const problem = c.problem!;
  const params: Record<string, tf.Tensor> = Object.fromEntries(Object.keys(problem.params).map((k) => [k, toTensor(problem.params[k])]));
  const X = toTensor(problem.X);
  const labels = flat(problem.labels as Nested);
  const classes = (params.b2 as tf.Tensor).size;
  const onehot = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), classes));
  try {
    const objective = functionObjective(mlpLoss, params, { batch: { X, onehot } });
    const H = hessian(objective, { mode: 'exact' });
    const loss = objective.loss();
    const lossValue = loss.dataSync()[0];
    loss.dispose();

    const v = tf.tensor1d(flat(c.hvp_vector as Nested));
    const hv = H.matvec(v);
    const hvpErr = relativeError(hv.dataSync(), flat(c.hvp as Nested));
    tf.dispose([v, hv]);

    const top = topEigenvalues(H, { k: 5, which: 'largest', tol: 1e-6, maxIterations: H.size, vectors: false });
    const bottom = topEigenvalues(H, { k: 1, which: 'smallest', tol: 1e-6, maxIterations: H.size, vectors: false });
    const refTop = c.top_eigenvalues as number[];
    const topErr = relScalar(top.values[0], refTop[0]);
    const top5Err = Math.max(...refTop.map((r, i) => relScalar(top.values[i], r)));
    const minErr = relScalar(bottom.values[0], c.min_eigenvalue as number);

    let trace = 0;
    for (let i = 0; i < H.size; i++) {
      const e = tf.tidy(() => tf.cast(tf.reshape(tf.oneHot(tf.tensor1d([i], 'int32'), H.size), [-1]), 'float32') as tf.Tensor1D);
      const he = H.matvec(e);
      trace += he.dataSync()[i];
      tf.dispose([e, he]);
    }
    const traceErr = relScalar(trace, c.trace as number);
    const lossErr = relScalar(lossValue, c.loss_value as number);

    const checks: [string, number, number][] = [
      ['hvp', hvpErr, 1e-3],
      ['top eigenvalue', topErr, 1e-2],
      ['min eigenvalue', minErr, 1e-2],
      ['trace', traceErr, 1e-2],
      ['loss', lossErr, 1e-4],
    ];
    const worst = Math.max(...checks.map(([, e, t]) => e / t));
    const detail =
      'error/tolerance; ' +
      checks.map(([n, e, t]) => `${n} ${e.toExponential(1)} (tol ${t})`).join(', ') +
      `, top-5 eigenvalues ${top5Err.toExponential(1)}`;
    return { error: worst, tolerance: 1, detail };
  } finally {
    treeDispose(params);
    tf.dispose([X, onehot]);
  }
};

export const cases: Record<string, CaseHandler> = { hessian_mlp: hessianMlp };
