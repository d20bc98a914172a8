import { BasinError, checkNumber, checkScalarOrSchedule, describeValue, runEntryPoint } from '@basin/core';
import { optionsRecord } from './checks';
import type { ScalarOrSchedule } from '@basin/core';

/** How the ascent step is taken: shared by SAM, m-SAM and the `ascentSharpness` helper. */
export interface PerturbationOptions {
  /** Radius of the ascent step (a number, or a schedule of the step count). Default 0.05. */
  rho?: ScalarOrSchedule;
  /**
   * The p of the p-norm ball the ascent step lies in: any p >= 1, or `Infinity`. Default 2.
   * Ignored when `normalize` is false.
   */
  p?: number;
  /** Divide by the gradient's norm (Foret et al.). `false` gives unnormalised SAM, `rho * g`. Default true. */
  normalize?: boolean;
  /** Adaptive SAM (ASAM, Kwon et al. 2021): the ball is scaled by `|w| + eta` per entry. Default false. */
  adaptive?: boolean;
  /** ASAM's `eta` in `T_w = |w| + eta`. Default 0.01. */
  eta?: number;
  /** Added to the l2 norm in the p = 2 ascent so that a zero gradient gives a zero step. Default 1e-12. */
  eps?: number;
}

/** Perturbation options with defaults filled in and `rho` resolved to a number. */
export interface ResolvedPerturbation {
  rho: number;
  p: number;
  normalize: boolean;
  adaptive: boolean;
  eta: number;
  eps: number;
}

/** Validates perturbation options once, at construction; `owner` names the caller in errors. */
export function checkPerturbationOptions(owner: string, options: PerturbationOptions = {}): Required<PerturbationOptions> {
  return runEntryPoint(owner, () => {
    const { rho = 0.05, p = 2, normalize = true, adaptive = false, eta = 0.01, eps = 1e-12 } = optionsRecord(owner, options, '{ rho: 0.05 }');
    checkScalarOrSchedule(owner, 'rho', rho, { min: 0 });
    if (p !== Infinity) checkNumber(owner, 'p', p, { min: 1 });
    if (typeof normalize !== 'boolean') throw new BasinError(`${owner}: normalize must be a boolean, got ${describeValue(normalize)}`);
    if (typeof adaptive !== 'boolean') throw new BasinError(`${owner}: adaptive must be a boolean, got ${describeValue(adaptive)}`);
    checkNumber(owner, 'eta', eta, { min: 0 });
    checkNumber(owner, 'eps', eps, { min: 0 });
    return { rho, p, normalize, adaptive, eta, eps };
  });
}

/**
 * Perturbation options for one ascent step: checked like `checkPerturbationOptions`, missing
 * entries take the same defaults, and `rho` must be a number (a schedule is resolved by the caller).
 */
export function resolvePerturbation(owner: string, options: Partial<ResolvedPerturbation> | undefined): ResolvedPerturbation {
  const checked = checkPerturbationOptions(owner, options);
  const rho = checkNumber(owner, 'rho', checked.rho, { min: 0 });
  return { ...checked, rho };
}
