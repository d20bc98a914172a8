import { BasinError } from '../errors';
import { entryPoint } from '../entry/entry-point';
import type { Extras, Transform } from '../transform';
import { applyUpdates } from '../transforms/apply-updates';
import { disposeReplaced, Tree } from '../tree';
import { checkTransform } from '../validate';
import { APPLY_REQUEST, type ApplyRequest } from './spec';

/**
 * `transform.update` and `applyUpdates` in one call: returns `[newParams, newState]`, where
 * `newParams = params + update`. Same contract as the two calls (inputs left alone, the caller
 * owns the results, same numbers to float32 rounding), but where the transform runs a fused
 * kernel (adam, adamw, sgd, lion, rmsprop on a backend that has them) the kernel writes the new
 * params directly, so the update itself is never materialised: one kernel per leaf on CPU, one
 * program per written tensor on WebGL, where `update` then `applyUpdates` take one more.
 *
 * ```ts
 * const opt = adam({ learningRate: 1e-3 });
 * let state = opt.init(params);
 * const [next, nextState] = updateAndApply(opt, grads, state, params);
 * ```
 */
export const updateAndApply = entryPoint('updateAndApply', function updateAndApply<S>(
  transform: Transform<S>,
  grads: Tree,
  state: S,
  params: Tree,
  extras?: Extras,
): [Tree, S] {
  checkTransform('updateAndApply', 'transform', transform);
  if (params === undefined || params === null) throw new BasinError(`updateAndApply: params must be a tree of tensors, got ${params}`);
  if (extras !== undefined && (typeof extras !== 'object' || extras === null)) {
    throw new BasinError(`updateAndApply: extras must be a record (such as { gradFn }), got ${String(extras)}`);
  }
  const request: ApplyRequest = { state, params, applied: false };
  const [out, next] = transform.update(grads, state, params, { ...(extras ?? {}), [APPLY_REQUEST]: request } as Extras);
  if (request.applied) return [out, next];
  let newParams: Tree;
  try {
    newParams = applyUpdates(params, out);
  } catch (e) {
    disposeReplaced(next, state, params, grads);
    throw e;
  } finally {
    disposeReplaced(out, next, state, params, grads);
  }
  return [newParams, next];
});
