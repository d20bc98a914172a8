import * as tf from '@tensorflow/tfjs-core';
import type { StateOf, Transform } from '../transform';
import { BasinError } from '../errors';
import { disposeReplaced, Tree, treeMap, treeZerosLike } from '../tree';
import { checkBoolean, checkNumber, checkScalarOrSchedule, checkTransform, resolveHyper, ScalarOrSchedule } from '../validate';
import { assertUpdatesMatch, checkOptions } from '../transforms/state-checks';
import { publicTransform } from '../entry/public-transform';
import { cloneState } from './clone-state';

export interface MultiStepsOptions {
  /**
   * Microbatches (calls to `update`) per optimizer step: a positive integer, or a schedule of
   * the number of optimizer steps done so far returning one (optax's `every_k_schedule`, which
   * lets the effective batch size grow during training).
   */
  everyKSteps: ScalarOrSchedule;
  /** Average the accumulated gradients (default true, optax's `use_grad_mean`) or sum them. */
  useGradMean?: boolean;
}

export interface MultiStepsState<S = unknown> {
  /** Microbatches accumulated since the last optimizer step, in `[0, k)`. */
  miniStep: number;
  /** Optimizer steps taken (calls to the inner transform). */
  gradientStep: number;
  /** The state of the wrapped transform (typed: `multiSteps(adam(...), o)`'s is an `AdamOptimizerState`). */
  innerOptState: S;
  /** Mean (or sum) of the gradients accumulated so far, shaped like the params. */
  accGrads: Tree;
}

/**
 * Gradient accumulation (optax's `MultiSteps`, optax/transforms/_accumulation.py): collects the
 * gradients of `k` consecutive calls (microbatches) and applies `inner` once, on the k-th, to
 * their mean; the other calls return zero updates and leave the inner state alone. Training on
 * k microbatches of size b then takes the same steps as training on batches of size k b, in the
 * memory of one microbatch: the way to train with a large batch in a browser.
 *
 *     const opt = multiSteps(adam({ learningRate: 1e-3 }), { everyKSteps: 4 });
 *     for (const micro of quarterBatches) trainer.step(micro); // one Adam step per 4 calls
 *
 * An optimizer step has happened when `state.miniStep === 0 && state.gradientStep > 0`. `extras`
 * (the loss, `gradFn`) reach `inner` on the k-th call only, so a SAM-family inner sees the
 * gradient function of the last microbatch. The mean is accumulated as optax does (Welford:
 * `acc += (g - acc) / (n + 1)`). A transform that computes its own gradients (m-SAM) is refused:
 * it never reads the updates that this wrapper accumulates.
 */
// Generic over the wrapped transform (not its state) so that a union of transforms is accepted.
export const multiSteps = publicTransform('multiSteps', function multiSteps<T extends Transform<any>>(inner: T, options: MultiStepsOptions): Transform<MultiStepsState<StateOf<T>>> {
  checkTransform('multiSteps', 'inner', inner);
  if (inner.computesOwnGradients) {
    throw new BasinError(`multiSteps: inner computes its own gradients (it never reads the incoming updates), so there is nothing to accumulate; use its own microbatching instead`);
  }
  const { everyKSteps, useGradMean = true } = checkOptions('multiSteps', options, '{ everyKSteps: 4 }');
  if (typeof everyKSteps === 'number') checkNumber('multiSteps', 'everyKSteps', everyKSteps, { min: 1, integer: true });
  else checkScalarOrSchedule('multiSteps', 'everyKSteps', everyKSteps);
  checkBoolean('multiSteps', 'useGradMean', useGradMean);
  const stepsAt = (gradientStep: number): number => {
    const k = resolveHyper('multiSteps', 'everyKSteps', everyKSteps, gradientStep);
    const name = typeof everyKSteps === 'number' ? 'everyKSteps' : `everyKSteps (schedule at step ${gradientStep})`;
    return checkNumber('multiSteps', name, k, { min: 1, integer: true });
  };
  return {
    init: (params) => ({ miniStep: 0, gradientStep: 0, innerOptState: inner.init(params), accGrads: treeZerosLike(params) }),
    update: (updates, state, params, extras) => {
      assertUpdatesMatch('multiSteps', state.accGrads, updates, 'state.accGrads');
      const k = stepsAt(state.gradientStep);
      const n = state.miniStep;
      const acc = treeMap(
        (g, a) => tf.tidy(() => (useGradMean ? tf.add(a, tf.div(tf.sub(g, a), n + 1)) : tf.add(a, g))),
        updates,
        state.accGrads,
      );
      if (n < k - 1) {
        return [treeZerosLike(updates), { miniStep: n + 1, gradientStep: state.gradientStep, innerOptState: cloneState(state.innerOptState), accGrads: acc }];
      }
      let out: Tree | undefined;
      let innerOptState: StateOf<T> | undefined;
      try {
        [out, innerOptState] = inner.update(acc, state.innerOptState, params, extras);
      } finally {
        // The accumulated mean is ours; whatever inner returned is the caller's.
        disposeReplaced(acc, out, innerOptState);
      }
      return [out, { miniStep: 0, gradientStep: state.gradientStep + 1, innerOptState: innerOptState as StateOf<T>, accGrads: treeZerosLike(updates) }];
    },
  };
});
