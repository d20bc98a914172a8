import { BasinError, checkNumber, describeValue, entryPoint, runEntryPoint } from '@basin/core';

/** The knobs of the Malitsky-Mishchenko step; defaults follow the SA-SAM paper's algorithm. */
export interface AdaptiveStepOptions {
  /**
   * The 2 in `||w_t - w_{t-1}|| / (2 ||g_t - g_{t-1}||)`, a local inverse-smoothness estimate.
   * Default 2 (the paper); the authors' public code uses 1.
   */
  curvatureFactor?: number;
  /** The 1 in the growth cap `sqrt(1 + growthRate * theta) * eta`. Default 1; the authors' code uses 0.02. */
  growthRate?: number;
  /** theta_0, the step ratio before the first step. Default Infinity (no cap at t = 1); the authors' code uses 1. */
  initialTheta?: number;
  /** Added to `curvatureFactor * ||g_t - g_{t-1}||`. Default 0; the authors' code adds a small constant. */
  eps?: number;
}

export type ResolvedAdaptiveStep = Required<AdaptiveStepOptions>;

export function checkAdaptiveStepOptions(owner: string, options: AdaptiveStepOptions = {}): ResolvedAdaptiveStep {
  return runEntryPoint(owner, () => {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new BasinError(`${owner}: options must be a record such as { curvatureFactor: 2 }, got ${describeValue(options)}`);
    }
    const { curvatureFactor = 2, growthRate = 1, initialTheta = Infinity, eps = 0 } = options;
    checkNumber(owner, 'curvatureFactor', curvatureFactor, { min: 0, minExclusive: true });
    checkNumber(owner, 'growthRate', growthRate, { min: 0 });
    if (initialTheta !== Infinity) checkNumber(owner, 'initialTheta', initialTheta, { min: 0 });
    checkNumber(owner, 'eps', eps, { min: 0 });
    return { curvatureFactor, growthRate, initialTheta, eps };
  });
}

/**
 * One Malitsky-Mishchenko adaptive step size (Malitsky & Mishchenko, ICML 2020, Algorithm 1):
 *
 *     eta_t   = min( ||w_t - w_{t-1}|| / (2 ||g_t - g_{t-1}||),  sqrt(1 + theta_{t-1}) eta_{t-1} )
 *     theta_t = eta_t / eta_{t-1}
 *
 * where the gradient difference is zero the first term is +Infinity; if both terms are infinite
 * (t = 1 with theta_0 = Infinity and no change in the gradient) the previous step is kept.
 */
export const adaptiveStep = entryPoint('adaptiveStep', function adaptiveStep(
  previous: { eta: number; theta: number },
  paramDistance: number,
  gradientDistance: number,
  options: AdaptiveStepOptions,
): { eta: number; theta: number } {
  const owner = 'adaptiveStep';
  if (typeof previous !== 'object' || previous === null) {
    throw new BasinError(`${owner}: previous must be { eta, theta }, got ${describeValue(previous)}`);
  }
  checkNumber(owner, 'previous.eta', previous.eta, { min: 0, minExclusive: true });
  if (previous.theta !== Infinity) checkNumber(owner, 'previous.theta', previous.theta, { min: 0 });
  const resolved = checkAdaptiveStepOptions(owner, options);
  if (typeof paramDistance !== 'number' || paramDistance < 0) throw new BasinError(`${owner}: paramDistance must be a number >= 0, got ${describeValue(paramDistance)}`);
  if (typeof gradientDistance !== 'number' || gradientDistance < 0) {
    throw new BasinError(`${owner}: gradientDistance must be a number >= 0, got ${describeValue(gradientDistance)}`);
  }
  return nextAdaptiveStep(owner, previous, paramDistance, gradientDistance, resolved);
});

/** `adaptiveStep` without the argument checks (the caller made them); still refuses non-finite distances. */
export function nextAdaptiveStep(
  owner: string,
  previous: { eta: number; theta: number },
  paramDistance: number,
  gradientDistance: number,
  { curvatureFactor, growthRate, eps }: ResolvedAdaptiveStep,
): { eta: number; theta: number } {
  if (!Number.isFinite(paramDistance) || !Number.isFinite(gradientDistance)) {
    throw new BasinError(
      `${owner}: ||w_t - w_{t-1}|| = ${paramDistance} and ||g_t - g_{t-1}|| = ${gradientDistance} must be finite; ` +
        'the params, state.prevParams or the gradients at them contain NaN or Infinity',
    );
  }
  const denominator = curvatureFactor * gradientDistance + eps;
  const local = denominator > 0 ? paramDistance / denominator : Infinity;
  const growth = Math.sqrt(1 + growthRate * previous.theta) * previous.eta;
  let eta = Math.min(local, growth);
  if (!Number.isFinite(eta)) eta = previous.eta;
  return { eta, theta: eta / previous.eta };
}
