import * as tf from '@tensorflow/tfjs-core';
import { assertSameStructure, BasinError, describePath, describeValue, runEntryPoint, treeDispose, treeLeaves } from '@basin/core';
import type { Extras, GradFn, LossAndGrads, Microbatch, Tree } from '@basin/core';

/** The `extras.gradFn` a sharpness-aware transform needs, or an error saying how to pass one. */
export function requireGradFn(owner: string, extras: Extras | undefined): GradFn {
  return runEntryPoint(owner, () => {
    if (typeof extras === 'function') {
      throw new BasinError(`${owner}: extras must be a record such as { gradFn }, got a function; pass update(grads, state, params, { gradFn })`);
    }
    const gradFn = typeof extras === 'object' && extras !== null ? extras.gradFn : undefined;
    if (gradFn === undefined || gradFn === null) {
      throw new BasinError(
        `${owner}: extras.gradFn is missing; ${owner} needs the gradient at other params, so update needs a gradient function. ` +
          `Train with step, Trainer or ModelTrainer from @basin/core (they pass it), ` +
          `or call update(grads, state, params, { gradFn: makeGradFn(loss, batch) })`,
      );
    }
    if (typeof gradFn !== 'function') {
      throw new BasinError(`${owner}: extras.gradFn must be a function (params, microbatch?) => { loss, grads }, e.g. makeGradFn(loss, batch); got ${describeValue(gradFn)}`);
    }
    return gradFn;
  });
}

/**
 * Calls `gradFn` at `params` and checks what it returns: `{ loss, grads }` with a scalar loss
 * tensor and float32 gradients of the structure and shapes of `like`. The caller owns both. On
 * any mismatch it disposes what gradFn returned and throws a BasinError naming the first
 * difference (the path of the leaf).
 */
export function lossAndGradsAt(owner: string, gradFn: GradFn, params: Tree, like: Tree, microbatch?: Microbatch): LossAndGrads {
  return runEntryPoint(owner, () => checkedCall(owner, gradFn, params, like, microbatch, true) as LossAndGrads);
}

/**
 * Calls `gradFn` and returns only the gradients (the loss is disposed), after checking them as
 * `lossAndGradsAt` does (the loss may be left out). On a mismatch it disposes what gradFn
 * returned and throws a BasinError naming the first difference.
 */
export function gradientsAt(owner: string, gradFn: GradFn, params: Tree, like: Tree, microbatch?: Microbatch): Tree {
  return runEntryPoint(owner, () => {
    const { loss, grads } = checkedCall(owner, gradFn, params, like, microbatch, false);
    if (loss instanceof tf.Tensor) loss.dispose();
    return grads;
  });
}

function checkedCall(owner: string, gradFn: GradFn, params: Tree, like: Tree, microbatch: Microbatch | undefined, needLoss: boolean): { loss: unknown; grads: Tree } {
  const result: unknown = gradFn(params, microbatch);
  if (result === null || typeof result !== 'object' || !('grads' in result)) {
    treeDispose(result);
    throw new BasinError(`${owner}: extras.gradFn must return { loss, grads }, got ${describeValue(result)}`);
  }
  const { loss, grads } = result as { loss?: unknown; grads: Tree };
  try {
    if (needLoss || loss !== undefined) {
      if (!(loss instanceof tf.Tensor) || loss.size !== 1 || loss.isDisposed) {
        throw new BasinError(`${owner}: extras.gradFn returned a loss that is ${loss instanceof tf.Tensor && loss.isDisposed ? 'a disposed tensor' : describeValue(loss)}; expected a scalar tensor`);
      }
    }
    if (grads === undefined || grads === null) throw new BasinError(`${owner}: extras.gradFn returned grads ${grads}; expected a tree shaped like the params`);
    try {
      assertSameStructure(like, grads, ['params', 'gradients returned by extras.gradFn']);
    } catch (e) {
      throw new BasinError(`${owner}: ${(e as Error).message}`);
    }
    for (const { path, leaf } of treeLeaves(grads)) {
      if (leaf.isDisposed) throw new BasinError(`${owner}: gradients returned by extras.gradFn at ${describePath(path)} are a disposed tensor`);
      if (leaf.dtype !== 'float32') {
        throw new BasinError(`${owner}: gradients returned by extras.gradFn at ${describePath(path)} have dtype ${leaf.dtype}; expected float32`);
      }
    }
  } catch (e) {
    treeDispose(result);
    throw e;
  }
  return { loss, grads };
}
