import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import type { Extras, GradFn, LossAndGrads, Microbatch, Transform } from '../transform';
import { Tree, treeDispose, treeLeaves, treeZerosLike, describePath } from '../tree';
import { applyUpdates } from '../transforms/apply-updates';
import { batchSize, microbatchRange, sliceBatch } from './microbatch';
import { LossFn, valueAndGrad } from './value-and-grad';
import { entryPoint } from '../entry/entry-point';
import { checkFunction, checkTransform } from '../validate';

/**
 * `extras.gradFn` for a functional loss on one batch: loss and gradients at any params, on the
 * whole batch or on one microbatch of it. This is what the SAM family calls.
 */
export const makeGradFn = entryPoint('makeGradFn', function makeGradFn<B extends Tree>(lossFn: LossFn<B>, batch: B): GradFn {
  checkFunction('makeGradFn', 'lossFn', lossFn);
  const grad = valueAndGrad(lossFn);
  return entryPoint('makeGradFn', (params: Tree, microbatch?: Microbatch) => {
    if (microbatch === undefined) return grad(params, batch);
    const slice = sliceBatch(batch, microbatch) as B;
    try {
      return grad(params, slice);
    } finally {
      treeDispose(slice);
    }
  });
});

/** Throws naming the first tree and leaf with NaN or Infinity; one data read for all of them. */
export function assertAllFinite(named: [name: string, tree: Tree][]): void {
  // Empty leaves hold nothing to check (and tf.all of an empty tensor is false in TF.js).
  const entries = named.flatMap(([name, tree]) => treeLeaves(tree).filter((e) => e.leaf.size > 0).map((e) => ({ name, ...e })));
  if (entries.length === 0) return;
  const flags = tf.tidy(() => tf.stack(entries.map((e) => tf.cast(tf.all(tf.isFinite(e.leaf)), 'int32'))));
  const ok = flags.dataSync();
  flags.dispose();
  const bad = entries.findIndex((_, i) => ok[i] === 0);
  if (bad >= 0) {
    const { name, path } = entries[bad];
    throw new BasinError(`${name}${path === '' ? '' : ` at ${describePath(path)}`} contains NaN or Infinity; params and optimizer state were left unchanged`);
  }
}

export interface StepOptions {
  /**
   * Check loss, gradients and updates for NaN/Infinity before anything is replaced (one small
   * read from the backend per step). Default true.
   */
  checkFinite?: boolean;
}

export interface StepResult<S> {
  params: Tree;
  state: S;
  loss: tf.Scalar;
}

/**
 * One optimisation step on a functional loss: gradients at `params`, the transform's update
 * (with `extras.gradFn`, `extras.loss` and `extras.batchSize`), and the new params. Inputs are
 * left alone; the caller owns the results. If the loss, gradients or updates are not finite it
 * throws and returns nothing, so the old params and state stay valid.
 */
export const step = entryPoint('step', function step<S, B extends Tree>(
  transform: Transform<S>,
  lossFn: LossFn<B>,
  params: Tree,
  state: S,
  batch: B,
  options: StepOptions = {},
): StepResult<S> {
  checkFunction('step', 'lossFn', lossFn);
  return stepWithGradFn(transform, makeGradFn(lossFn, batch), params, state, { ...options, batchSize: rowsOf(batch) });
});

/**
 * `step` for a caller that has a gradient function rather than a functional loss (a model
 * adapter, a curve trainer's chain rule). Same contract. `batchSize` is passed on as
 * `extras.batchSize` and weighs microbatch losses.
 */
export const stepWithGradFn = entryPoint('stepWithGradFn', function stepWithGradFn<S>(
  transform: Transform<S>,
  gradFn: GradFn,
  params: Tree,
  state: S,
  { checkFinite = true, batchSize }: StepOptions & { batchSize?: number } = {},
): StepResult<S> {
  checkTransform('stepWithGradFn', 'transform', transform);
  checkFunction('stepWithGradFn', 'gradFn', gradFn);
  if (params === undefined || params === null) throw new BasinError(`stepWithGradFn: params must be a tree of tensors, got ${params}`);
  treeLeaves(params, undefined, 'params');
  if (transform.computesOwnGradients) {
    // Skip the gradient nobody reads; the loss before the step is the row-weighted mean of
    // the losses the transform's own gradFn calls found at the current params.
    const seen: { loss: tf.Scalar; rows: number }[] = [];
    const recording: GradFn = (p, microbatch) => {
      const result = gradFn(p, microbatch);
      if (p === params) {
        const [start, end] = microbatch && batchSize !== undefined ? microbatchRange(batchSize, microbatch) : [0, 1];
        seen.push({ loss: tf.clone(result.loss), rows: end - start });
      }
      return result;
    };
    const finishLoss = (): tf.Scalar => {
      if (seen.length === 0) {
        const { loss, grads } = gradFn(params);
        treeDispose(grads);
        return loss;
      }
      const total = seen.reduce((n, s) => n + s.rows, 0);
      const value = tf.tidy(() => tf.addN(seen.map((s) => tf.mul(s.loss, s.rows / total)))) as tf.Scalar;
      tf.dispose(seen.map((s) => s.loss));
      return value;
    };
    return runStep(transform, params, state, treeZerosLike(params), finishLoss, { gradFn: recording, batchSize }, checkFinite);
  }
  return stepFromGradients(transform, checkedLossAndGrads(gradFn(params)), gradFn, params, state, { checkFinite, batchSize });
});

/**
 * The tail of a step for a caller that already has the loss and gradients at `params` (a model
 * adapter's clean training pass, which moves the statistics once, also for a transform that
 * computes its own gradients): the transform's update with `extras.gradFn`, `extras.loss` and
 * `extras.batchSize`, the finite checks and the new params. Takes ownership of `first`: the
 * gradients are disposed, the loss is returned (or disposed if it throws).
 */
export function stepFromGradients<S>(
  transform: Transform<S>,
  first: LossAndGrads,
  gradFn: GradFn,
  params: Tree,
  state: S,
  { checkFinite = true, batchSize }: StepOptions & { batchSize?: number } = {},
): StepResult<S> {
  const { loss, grads } = first;
  return runStep(transform, params, state, grads, () => loss, { gradFn, loss, batchSize }, checkFinite);
}

/** The batch's row count, when its leaves share a first dimension (a batch may be any tree). */
function rowsOf(batch: Tree): number | undefined {
  try {
    return batchSize(batch);
  } catch {
    return undefined;
  }
}

/** The shared tail of `step`: transform update, finite checks, new params; disposes what it made. */
function runStep<S>(
  transform: Transform<S>,
  params: Tree,
  state: S,
  grads: Tree,
  takeLoss: () => tf.Scalar,
  extras: Extras,
  checkFinite: boolean,
): StepResult<S> {
  let loss: tf.Scalar | undefined;
  let updates: Tree | undefined;
  let nextState: S | undefined;
  try {
    [updates, nextState] = transform.update(grads, state, params, extras);
    loss = takeLoss();
    if (checkFinite) assertAllFinite([['loss', loss], ['gradients', grads], ['updates', updates]]);
    const nextParams = applyUpdates(params, updates);
    return { params: nextParams, state: nextState, loss };
  } catch (e) {
    (loss ?? takeLoss()).dispose();
    treeDispose(nextState);
    throw e;
  } finally {
    treeDispose(grads);
    treeDispose(updates);
  }
}

/** What a user's gradFn returned, checked: `{ loss: scalar, grads: tree }`. */
function checkedLossAndGrads(result: unknown): { loss: tf.Scalar; grads: Tree } {
  const r = result as { loss?: unknown; grads?: unknown } | null | undefined;
  if (typeof r !== 'object' || r === null || !(r.loss instanceof tf.Tensor) || r.grads === undefined || r.grads === null) {
    throw new BasinError(`gradFn must return { loss: scalar tensor, grads: tree }, got ${r === null || r === undefined ? String(r) : typeof r === 'object' ? `a record with keys {${Object.keys(r).join(', ')}}` : typeof r}`);
  }
  return r as { loss: tf.Scalar; grads: Tree };
}
