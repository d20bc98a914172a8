import { checkNumber, BasinError } from '@basin/core';

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

export function checkAdaptiveStepOptions(owner: string, options: AdaptiveStepOptions): ResolvedAdaptiveStep {
  const { curvatureFactor = 2, growthRate = 1, initialTheta = Infinity, eps = 0 } = options;
  checkNumber(owner, 'curvatureFactor', curvatureFactor, { min: 0, minExclusive: true });
  checkNumber(owner, 'growthRate', growthRate, { min: 0 });
  if (initialTheta !== Infinity) checkNumber(owner, 'initialTheta', initialTheta, { min: 0 });
  checkNumber(owner, 'eps', eps, { min: 0 });
  return { curvatureFactor, growthRate, initialTheta, eps };
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
export function adaptiveStep(
  previous: { eta: number; theta: number },
  paramDistance: number,
  gradientDistance: number,
  { curvatureFactor, growthRate, eps }: ResolvedAdaptiveStep,
): { eta: number; theta: number } {
  if (!Number.isFinite(paramDistance) || !Number.isFinite(gradientDistance)) {
    throw new BasinError(`adaptive step: ||w_t - w_{t-1}|| = ${paramDistance} and ||g_t - g_{t-1}|| = ${gradientDistance} must be finite`);
  }
  const denominator = curvatureFactor * gradientDistance + eps;
  const local = denominator > 0 ? paramDistance / denominator : Infinity;
  const growth = Math.sqrt(1 + growthRate * previous.theta) * previous.eta;
  let eta = Math.min(local, growth);
  if (!Number.isFinite(eta)) eta = previous.eta;
  return { eta, theta: eta / previous.eta };
}
