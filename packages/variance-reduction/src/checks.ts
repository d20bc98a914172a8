// Checks shared by svrg and sag: the base transform (or sgd's learning rate), the gradient
// function in extras, trees returned by user callbacks, and the counters of a state.
import * as tf from '@tensorflow/tfjs-core';
import { assertSameStructure, BasinError, describePath, describeValue, isTensor, sgd, treeDispose, treeLeaves } from '@basin/core';
import type { Extras, GradFn, ScalarOrSchedule, Transform, Tree } from '@basin/core';

function describeGot(value: unknown): string {
  if (typeof value === 'function') {
    const name = (value as { name?: string }).name || '(anonymous)';
    return `the function ${name} (call it to make a transform, e.g. ${name}({ learningRate: 0.1 }))`;
  }
  return describeValue(value);
}

const isTransform = (x: unknown): x is Transform<any> =>
  typeof x === 'object' && x !== null && typeof (x as Transform).init === 'function' && typeof (x as Transform).update === 'function';

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x) && !isTensor(x);

/**
 * The two call forms of a variance-reduced wrapper: `(base, options)` with any Basin transform,
 * or `(options)` with `options.learningRate`, which wraps `sgd({ learningRate })`.
 */
export function baseAndOptions<O extends object>(
  owner: string,
  first: unknown,
  second: unknown,
  example: { withBase: string; withLearningRate: string },
  optionsRequired: boolean,
): { base: Transform<any>; options: O } {
  if (isTransform(first)) {
    if (second === undefined && !optionsRequired) return { base: first, options: {} as O };
    if (!isRecord(second)) {
      throw new BasinError(`${owner}: options must be a record such as ${example.withBase}, got ${typeof second === 'function' ? 'a function' : describeValue(second)}`);
    }
    if ('learningRate' in second) {
      throw new BasinError(`${owner}: learningRate is an option of the one-argument form ${owner}(${example.withLearningRate}); with a base transform, set the learning rate on the base`);
    }
    return { base: first, options: second as O };
  }
  if (isRecord(first) && second === undefined) {
    const { learningRate, ...rest } = first as { learningRate?: ScalarOrSchedule };
    if (learningRate === undefined) {
      throw new BasinError(`${owner}: give a base transform, ${owner}(sgd({ learningRate: 0.1 }), ...), or the learning rate of plain SGD, ${owner}(${example.withLearningRate}); got options without learningRate`);
    }
    return { base: sgd({ learningRate }), options: rest as O };
  }
  throw new BasinError(`${owner}: base must be a Basin transform (with init and update) or an options record with learningRate such as ${example.withLearningRate}, got ${describeGot(first)}`);
}

/** The `extras.gradFn` svrg needs, or an error saying how to pass one. */
export function requireGradFn(owner: string, extras: Extras | undefined, why: string): GradFn {
  if (typeof extras === 'function') {
    throw new BasinError(`${owner}: extras must be a record such as { gradFn }, got a function; pass update(grads, state, params, { gradFn })`);
  }
  const gradFn = typeof extras === 'object' && extras !== null ? extras.gradFn : undefined;
  if (gradFn === undefined || gradFn === null) {
    throw new BasinError(
      `${owner}: extras.gradFn is missing; ${owner} needs ${why}. Train with step, Trainer or ModelTrainer from @basin/core (they pass it), ` +
        `or call update(grads, state, params, { gradFn: makeGradFn(loss, batch) })`,
    );
  }
  if (typeof gradFn !== 'function') {
    throw new BasinError(`${owner}: extras.gradFn must be a function (params, microbatch?) => { loss, grads }, e.g. makeGradFn(loss, batch); got ${describeValue(gradFn)}`);
  }
  return gradFn;
}

/**
 * Checks a tree of float32 tensors, alive, with the structure and shapes of `like` (named
 * `likeName` in the message). Never disposes anything.
 */
export function checkTree(owner: string, what: string, tree: unknown, like: Tree, likeName = 'params'): Tree {
  if (tree === undefined || tree === null || typeof tree !== 'object') {
    throw new BasinError(`${owner}: ${what} is ${describeValue(tree)}; expected a tree of float32 tensors shaped like the ${likeName}`);
  }
  try {
    assertSameStructure(like, tree as Tree, [likeName, what]);
  } catch (e) {
    throw new BasinError(`${owner}: ${(e as Error).message}`);
  }
  for (const { path, leaf } of treeLeaves(tree as Tree)) {
    if (leaf.isDisposed) throw new BasinError(`${owner}: ${what} at ${describePath(path)} is a disposed tensor`);
    if (leaf.dtype !== 'float32') throw new BasinError(`${owner}: ${what} at ${describePath(path)} has dtype ${leaf.dtype}; expected float32`);
  }
  return tree as Tree;
}

/**
 * Checks a tree a user callback handed over (see `checkTree`); on a mismatch it is disposed,
 * since nobody else owns it, and a BasinError names the first difference.
 */
export function checkReturnedTree(owner: string, what: string, tree: unknown, like: Tree): Tree {
  try {
    return checkTree(owner, what, tree, like);
  } catch (e) {
    treeDispose(tree);
    throw e;
  }
}

/** Calls `gradFn` at `params` and returns the checked gradients (the loss is disposed). */
export function gradientsAt(owner: string, gradFn: GradFn, params: Tree, like: Tree): Tree {
  const result: unknown = gradFn(params);
  if (result === null || typeof result !== 'object' || !('grads' in result)) {
    treeDispose(result);
    throw new BasinError(`${owner}: extras.gradFn must return { loss, grads }, got ${describeValue(result)}`);
  }
  const { loss, grads } = result as { loss?: unknown; grads: unknown };
  if (isTensor(loss)) loss.dispose();
  return checkReturnedTree(owner, 'gradients returned by extras.gradFn', grads, like);
}

/** A counter of a state: an integer >= 0. */
export function checkCounter(owner: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new BasinError(`${owner}: state.${name} must be an integer >= 0, got ${describeValue(value)}; pass the state from init or the last update`);
  }
  return value;
}

/** A copy of a state: tensors cloned (TF.js shares the data), everything else copied. */
export function cloneState<S>(state: S): S {
  const visit = (node: unknown): unknown => {
    if (isTensor(node)) return tf.clone(node);
    if (Array.isArray(node)) return node.map(visit);
    if (typeof node === 'object' && node !== null) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v)]));
    return node;
  };
  return visit(state) as S;
}
