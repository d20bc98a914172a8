import * as tf from '@tensorflow/tfjs-core';
import { assertSameStructure, BasinError, treeDispose } from '@basin/core';
import type { Extras, GradFn, Microbatch, Tree } from '@basin/core';

/** The `extras.gradFn` a sharpness-aware transform needs, or an error saying how to pass one. */
export function requireGradFn(owner: string, extras: Extras | undefined): GradFn {
  const gradFn = extras?.gradFn;
  if (typeof gradFn !== 'function') {
    throw new BasinError(
      `${owner}: extras.gradFn is missing; it needs the gradient at other params. Train with step/Trainer/ModelTrainer ` +
        `from @basin/core (they pass it), or call update(grads, state, params, { gradFn: makeGradFn(loss, batch) })`,
    );
  }
  return gradFn;
}

/**
 * Calls `gradFn` and returns only the gradients (the loss is disposed), after checking they
 * have the structure and shapes of `params`. On a mismatch it disposes what gradFn returned
 * and throws a BasinError naming the first difference.
 */
export function gradientsAt(owner: string, gradFn: GradFn, params: Tree, like: Tree, microbatch?: Microbatch): Tree {
  const result = gradFn(params, microbatch);
  if (result === null || typeof result !== 'object' || !('grads' in result)) {
    treeDispose(result);
    throw new BasinError(`${owner}: extras.gradFn must return { loss, grads }, got ${result === null ? 'null' : typeof result}`);
  }
  const { loss, grads } = result;
  if (loss instanceof tf.Tensor) loss.dispose();
  try {
    assertSameStructure(like, grads, ['params', 'gradients returned by extras.gradFn']);
  } catch (e) {
    treeDispose(grads);
    throw new BasinError(`${owner}: ${(e as Error).message}`);
  }
  return grads;
}
