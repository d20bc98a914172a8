import * as tf from '@tensorflow/tfjs-core';
import {
  assertSameStructure, BasinError, checkNumber, describeValue, publicTransform, requireParams, treeClone, treeDispose, treeMap,
  treeSub, treeSumOfSquares,
} from '@basin/core';
import type { GradFn, Transform, Tree } from '@basin/core';
import { checkStateCount, checkStateTensors, gradientsAt, perturbed, requireGradFn } from '@basin/sam';
import { AdaptiveStepOptions, checkAdaptiveStepOptions, nextAdaptiveStep, ResolvedAdaptiveStep } from './adaptive-step';

export interface SaSgdOptions extends AdaptiveStepOptions {
  /** eta_0, the step size of the first step. */
  initialLearningRate: number;
}

export interface SaSamOptions extends SaSgdOptions {
  /** Multiplies the ascent radius: rho_t = rhoScale * sqrt(eta_t). Default 1 (the paper). */
  rhoScale?: number;
  /** Added to ||g|| when normalising the ascent direction, so a zero gradient gives no ascent. Default 1e-12. */
  normEps?: number;
}

/**
 * State of SA-SAM / SA-SGD: plain numbers for the schedule (readable while training) and the
 * previous params, whose gradient on the current batch gives the local smoothness estimate.
 */
export interface SaSamState {
  /** Steps taken. */
  count: number;
  /** The step size of the last step (eta_0 before the first). */
  eta: number;
  /** eta_t / eta_{t-1} of the last step (theta_0 before the second). */
  theta: number;
  /** The ascent radius of the last step (0 for SA-SGD and before the first step). */
  rho: number;
  /** w_{t-1}: the params the last step was taken from. */
  prevParams: Tree;
}

/**
 * SA-SAM, smoothness-adaptive SAM (Naganuma, Kim, Kyrillidis, Mitliagkas), as in the paper's
 * algorithm: a Malitsky-Mishchenko step size eta_t and an ascent radius rho_t = sqrt(eta_t),
 *
 *     eta_t   = min(||w_t - w_{t-1}|| / (2 ||g(w_t) - g(w_{t-1})||), sqrt(1 + theta_{t-1}) eta_{t-1})
 *     w_{t+1} = w_t - eta_t g(w_t + rho_t g(w_t) / ||g(w_t)||),    theta_t = eta_t / eta_{t-1}
 *
 * with eta_0 = `initialLearningRate`, theta_0 = Infinity, and both gradients in eta_t taken on
 * the current batch (g(w_{t-1}) through `extras.gradFn` at the stored previous params). The
 * first step is SAM with eta_0 and rho_0 = sqrt(eta_0). It is a complete optimizer: the output
 * is the step `-eta_t * g_sam` (chain nothing after it that rescales). Three gradients a step.
 */
export const saSam = publicTransform('saSam', function saSam(options: SaSamOptions): Transform<SaSamState> {
  return smoothnessAdaptive('saSam', options, true);
});

/** SA-SGD: the same adaptive step size without the ascent, `w_{t+1} = w_t - eta_t g(w_t)`. Two gradients a step. */
export const saSgd = publicTransform('saSgd', function saSgd(options: SaSgdOptions): Transform<SaSamState> {
  return smoothnessAdaptive('saSgd', options, false);
});

function smoothnessAdaptive(owner: string, options: SaSamOptions, ascent: boolean): Transform<SaSamState> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new BasinError(`${owner}: options must be a record with initialLearningRate, e.g. ${owner}({ initialLearningRate: 0.1 }); got ${describeValue(options)}`);
  }
  const eta0 = checkNumber(owner, 'initialLearningRate', options.initialLearningRate, { min: 0, minExclusive: true });
  const stepOptions = checkAdaptiveStepOptions(owner, options);
  const rhoScale = checkNumber(owner, 'rhoScale', options.rhoScale ?? 1, { min: 0 });
  const normEps = checkNumber(owner, 'normEps', options.normEps ?? 1e-12, { min: 0 });
  return {
    init: (params) => ({ count: 0, eta: eta0, theta: stepOptions.initialTheta, rho: 0, prevParams: treeClone(params) }),
    update: (updates, state, params, extras) => {
      // Every check runs before anything is computed: an error leaves the caller's tensors alone.
      const w = requireParams(owner, params, updates);
      const gradFn = requireGradFn(owner, extras);
      checkState(owner, state);
      try {
        assertSameStructure(w, state.prevParams, ['params', 'state.prevParams']);
      } catch (e) {
        throw new BasinError(`${owner}: ${(e as Error).message} (was the state made for other params?)`);
      }
      const { eta, theta } = state.count === 0 ? { eta: eta0, theta: state.theta } : nextStep(owner, updates, state, w, gradFn, stepOptions);
      const rho = ascent ? rhoScale * Math.sqrt(eta) : 0;
      const direction = ascent ? gradientAtAscent(owner, updates, w, rho, normEps, gradFn) : updates;
      try {
        const out = treeMap((d) => tf.mul(d, -eta), direction);
        return [out, { count: state.count + 1, eta, theta, rho, prevParams: treeClone(w) }];
      } finally {
        if (direction !== updates) treeDispose(direction);
      }
    },
  };
}

/** The numbers of the state, before they enter a step: a corrupted state is refused by name. */
function checkState(owner: string, state: SaSamState): void {
  if (typeof state !== 'object' || state === null) {
    throw new BasinError(`${owner}: state is ${describeValue(state)}; pass the state from ${owner}'s init(params), then the one each update returns`);
  }
  checkStateCount(owner, state.count);
  const bad = (name: string, expected: string, value: unknown) =>
    new BasinError(`${owner}: state.${name} must be ${expected}, got ${describeValue(value)}; pass the state from init or the last update`);
  if (typeof state.eta !== 'number' || !Number.isFinite(state.eta) || state.eta <= 0) throw bad('eta', 'a finite number > 0', state.eta);
  if (typeof state.theta !== 'number' || Number.isNaN(state.theta) || state.theta < 0) throw bad('theta', 'a number >= 0 (or Infinity)', state.theta);
  if (typeof state.rho !== 'number' || !Number.isFinite(state.rho) || state.rho < 0) throw bad('rho', 'a finite number >= 0', state.rho);
  checkStateTensors(owner, state);
}

/** eta_t and theta_t from ||w_t - w_{t-1}|| and ||g(w_t) - g(w_{t-1})||, both gradients on this batch. */
function nextStep(owner: string, grads: Tree, state: SaSamState, w: Tree, gradFn: GradFn, options: ResolvedAdaptiveStep) {
  const prevGrads = gradientsAt(owner, gradFn, state.prevParams, w);
  let distances: Float32Array | Int32Array | Uint8Array;
  try {
    // treeSub pairs leaves by path (the trees were checked to have one structure), whatever the key order.
    const both = tf.tidy(() => tf.sqrt(tf.stack([treeSumOfSquares(treeSub(w, state.prevParams)), treeSumOfSquares(treeSub(grads, prevGrads))])));
    distances = both.dataSync();
    both.dispose();
  } finally {
    treeDispose(prevGrads);
  }
  return nextAdaptiveStep(owner, state, distances[0], distances[1], options);
}

/** g(w + rho g / ||g||) on the current batch. */
function gradientAtAscent(owner: string, grads: Tree, w: Tree, rho: number, eps: number, gradFn: GradFn): Tree {
  const adversarial = perturbed(grads, w, { rho, p: 2, normalize: true, adaptive: false, eta: 0, eps });
  try {
    return gradientsAt(owner, gradFn, adversarial, w);
  } finally {
    treeDispose(adversarial);
  }
}
