import type * as tf from '@tensorflow/tfjs-core';
import type { Tree } from './tree';

/** Which of `count` equal consecutive slices of the current batch a gradient is taken on. */
export interface Microbatch {
  index: number;
  count: number;
}

/** Loss and gradients at some parameters, on the current batch (or one microbatch of it). */
export interface LossAndGrads {
  loss: tf.Scalar;
  grads: Tree;
}

/** A function giving the loss and gradients at other parameters: the caller owns the results. */
export type GradFn = (params: Tree, microbatch?: Microbatch) => LossAndGrads;

/**
 * Extra arguments a training step passes down a chain. Transforms use what they need and
 * ignore the rest (optax's extra-args convention), so chains compose without special cases.
 */
export interface Extras {
  /** Gradients at other parameters on the current batch (SAM-family transforms call it). */
  gradFn?: GradFn;
  /** The loss at the current parameters, when the caller has it. */
  loss?: tf.Scalar;
  /** Rows in the current batch (m-SAM turns a microbatch size into a chunk count with it). */
  batchSize?: number;
  readonly [key: string]: unknown;
}

/**
 * A gradient transformation: `init` builds state for a params tree, `update` turns incoming
 * updates (usually gradients) into outgoing updates and a new state.
 *
 * Ownership: `update` never disposes its inputs and returns fresh tensors (new updates and new
 * state) that the caller owns, so a caller may dispose the old state and the incoming updates
 * once it has the results.
 */
export interface Transform<S = unknown> {
  /** The public function that built it (`adam`, `chain`), which its errors name. */
  readonly name?: string;
  init(params: Tree): S;
  update(updates: Tree, state: S, params?: Tree, extras?: Extras): [Tree, S];
  /**
   * Set by transforms that get every gradient they need from `extras.gradFn` and never read
   * the values of the incoming updates (m-SAM with several microbatches). The functional `step`
   * helper then skips the gradient at the current params, passes zeros shaped like the params,
   * and reports the loss from the `gradFn` calls made at the current params.
   */
  readonly computesOwnGradients?: boolean;
}

/** The state type of a transform. */
export type StateOf<T> = T extends Transform<infer S> ? S : never;
