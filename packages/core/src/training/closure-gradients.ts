import * as tf from '@tensorflow/tfjs-core';
import { BasinError, claimError } from '../errors';
import type { GradFn, LossAndGrads, Microbatch } from '../transform';
import { assertSameStructure, describeValue, isTensor } from '../tree';
import { disposeSnapshot, nonTrainableVariables, restoreVariables, snapshotVariables } from './variable-snapshot';

/** A BasinError already claimed by `owner`, so transforms it passes through leave it as it is. */
export function ownError(owner: string, message: string): BasinError {
  return claimError(new BasinError(`${owner}: ${message}`), owner);
}

/**
 * Loss and gradients of a zero-argument loss closure (what `tf.Optimizer.minimize` gets) with
 * respect to `variables`, as a record keyed by variable name. A variable the loss does not reach
 * gets a zero gradient; a loss that reaches none of them is an error (as in `tf.variableGrads`).
 * The caller owns the results.
 */
export function closureLossAndGrads(owner: string, f: () => tf.Scalar, variables: readonly tf.Variable[]): LossAndGrads & { grads: Record<string, tf.Tensor> } {
  // An error thrown inside the tape would leak the tensors it saved: record it, return a
  // placeholder and throw once the tape is cleaned up.
  let failure: unknown;
  const wrapped = (): tf.Scalar => {
    try {
      const value: unknown = f();
      if (!isTensor(value)) throw ownError(owner, `the loss function must return a scalar tensor, got ${describeValue(value)}`);
      // (A wrong result made inside the tape is freed with the tape; it may also be a variable.)
      if (value.rank !== 0) throw ownError(owner, `the loss function must return a scalar tensor, got a tensor of shape [${value.shape.join(', ')}]`);
      return value as tf.Scalar;
    } catch (e) {
      failure = e;
      return tf.scalar(0);
    }
  };
  const { value, grads } = tf.engine().gradients(wrapped, [...variables], undefined, true);
  if (failure !== undefined) {
    tf.dispose([value, ...grads.filter((g) => g != null)]);
    throw failure;
  }
  if (variables.length > 0 && grads.every((g) => g == null)) {
    value.dispose();
    throw ownError(owner, `the loss does not depend on any of the ${variables.length} variables it should train ({${variables.map((v) => v.name).join(', ')}}); the operations that read them must run inside the loss function`);
  }
  const byName: Record<string, tf.Tensor> = {};
  variables.forEach((v, i) => {
    byName[v.name] = grads[i] ?? tf.zerosLike(v);
  });
  return { loss: value as tf.Scalar, grads: byName };
}

/**
 * `extras.gradFn` for a loss closure: writes the given params into the variables, takes the
 * loss and gradients of `f` there and puts the variables back. Every non-trainable variable the
 * pass assigned (BatchNormalization's moving statistics) is put back too, so only the clean
 * pass moves them.
 *
 * tfjs-layers' loss closure also computes the metrics and `tf.keep`s them, once per call; the
 * scalars a pass keeps are handed to `onKept` (the optimizer disposes them at its next step,
 * once `model.trainOnBatch` has read its outputs). The closure hides its batch, so a
 * microbatch cannot be cut from it: a request for one is an error that says what to use instead.
 */
export function closureGradFn(
  owner: string,
  f: () => tf.Scalar,
  variables: readonly tf.Variable[],
  onKept: (kept: tf.Tensor[]) => void,
): GradFn {
  const like = Object.fromEntries(variables.map((v) => [v.name, v]));
  return (params, microbatch?: Microbatch) => {
    if (microbatch !== undefined && microbatch !== null) {
      const { index, count } = (typeof microbatch === 'object' ? microbatch : {}) as Partial<Microbatch>;
      if (count !== 1) {
        throw ownError(
          owner,
          `the transform asked extras.gradFn for microbatch ${String(index)} of ${String(count)}, but the loss function ` +
            `tf.Optimizer.minimize receives (what model.fit passes) hides its batch, so the batch cannot be cut into microbatches here. ` +
            `Train with ModelTrainer from @basin/core (it sees the batch and slices it), or use one microbatch (mSam's microbatches: 1, which is SAM)`,
        );
      }
    }
    if (params === null || typeof params !== 'object' || Array.isArray(params) || isTensor(params)) {
      throw ownError(owner, `extras.gradFn needs a params record keyed by variable name, got ${describeValue(params)}`);
    }
    try {
      assertSameStructure(like, params, ['the variables', 'params passed to extras.gradFn']);
    } catch (e) {
      throw ownError(owner, (e as Error).message);
    }
    const tree = params as Record<string, tf.Tensor>;
    for (const v of variables) {
      const value = tree[v.name];
      if (value.isDisposed) throw ownError(owner, `params passed to extras.gradFn at '${v.name}' is a disposed tensor`);
      if (value.dtype !== v.dtype) throw ownError(owner, `params passed to extras.gradFn at '${v.name}' has dtype ${value.dtype}; the variable is ${v.dtype}`);
    }
    const weights = snapshotVariables(variables);
    const stats = snapshotVariables(nonTrainableVariables());
    const engine = tf.engine();
    const hadOwnKeep = Object.prototype.hasOwnProperty.call(engine, 'keep');
    const ownKeep = engine.keep;
    // Tensor ids only grow: a tensor with a larger id than this probe was made by the pass.
    const probe = tf.scalar(0);
    const firstNewId = probe.id;
    probe.dispose();
    const kept: tf.Tensor[] = [];
    engine.keep = <T extends tf.Tensor>(t: T): T => {
      if (t.rank === 0 && t.id > firstNewId) kept.push(t);
      return ownKeep.call(engine, t) as T;
    };
    try {
      variables.forEach((v) => {
        const value = tree[v.name];
        if (value.dataId !== v.dataId) v.assign(value);
      });
      return closureLossAndGrads(owner, f, variables);
    } finally {
      if (hadOwnKeep) engine.keep = ownKeep;
      else delete (engine as { keep?: unknown }).keep;
      restoreVariables(weights);
      restoreVariables(stats);
      disposeSnapshot(weights);
      disposeSnapshot(stats);
      onKept(kept);
    }
  };
}
