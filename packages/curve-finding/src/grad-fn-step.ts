import { applyUpdates, assertAllFinite, Extras, GradFn, StepOptions, StepResult, Transform, Tree, treeDispose } from '@basin/core';

/**
 * Core's `step`, for a caller that has a gradient function rather than a functional loss (the
 * LayersModel curve trainer computes gradients by the chain rule, see `ModelCurveTrainer`). Same
 * contract: inputs are left alone, the caller owns the results, and a non-finite loss, gradient
 * or update throws before anything is replaced. (Generic: a candidate for @basin/core.)
 */
export function stepWithGradFn<S>(
  transform: Transform<S>,
  gradFn: GradFn,
  params: Tree,
  state: S,
  { checkFinite = true }: StepOptions = {},
): StepResult<S> {
  const { loss, grads } = gradFn(params);
  let updates: Tree | undefined;
  let nextState: S | undefined;
  try {
    const extras: Extras = { gradFn, loss };
    [updates, nextState] = transform.update(grads, state, params, extras);
    if (checkFinite) assertAllFinite([['loss', loss], ['gradients', grads], ['updates', updates]]);
    return { params: applyUpdates(params, updates), state: nextState, loss };
  } catch (e) {
    loss.dispose();
    treeDispose(nextState);
    throw e;
  } finally {
    treeDispose(grads);
    treeDispose(updates);
  }
}
