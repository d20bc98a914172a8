import { BasinError } from './errors';
import type { Schedule } from './schedule-types';
import { checkNumber } from './validate';

// Schedules of the step count, with optax's semantics (optax/_src/schedule.py), so a value
// given to optax and to Basin means the same thing at every step.

/** The same value at every step. */
export function constantSchedule(value: number): Schedule {
  checkNumber('constantSchedule', 'value', value);
  return () => value;
}

export interface PolynomialScheduleOptions {
  init: number;
  end: number;
  power: number;
  /** Steps over which the value moves from `init` to `end`; afterwards it stays at `end`. */
  transitionSteps: number;
  /** Steps to hold `init` before the transition starts. Default 0. */
  transitionBegin?: number;
}

/** `(init - end) * (1 - t / transitionSteps)^power + end`, with t clipped to the transition. */
export function polynomialSchedule({ init, end, power, transitionSteps, transitionBegin = 0 }: PolynomialScheduleOptions): Schedule {
  const owner = 'polynomialSchedule';
  checkNumber(owner, 'init', init);
  checkNumber(owner, 'end', end);
  checkNumber(owner, 'power', power);
  checkNumber(owner, 'transitionSteps', transitionSteps, { min: 0, integer: true });
  checkNumber(owner, 'transitionBegin', transitionBegin, { min: 0, integer: true });
  if (transitionSteps === 0) return () => init;
  return (step) => {
    const t = Math.min(Math.max(step - transitionBegin, 0), transitionSteps);
    return (init - end) * Math.pow(1 - t / transitionSteps, power) + end;
  };
}

/** Straight line from `init` to `end` over `transitionSteps`. */
export function linearSchedule(options: Omit<PolynomialScheduleOptions, 'power'>): Schedule {
  return polynomialSchedule({ ...options, power: 1 });
}

export interface ExponentialDecayOptions {
  init: number;
  transitionSteps: number;
  decayRate: number;
  transitionBegin?: number;
  /** Decay in whole periods of `transitionSteps`. Default false. */
  staircase?: boolean;
  /** A floor (when decaying) or ceiling (when growing) for the value. */
  endValue?: number;
}

/** `init * decayRate^((step - transitionBegin) / transitionSteps)`. */
export function exponentialDecay({ init, transitionSteps, decayRate, transitionBegin = 0, staircase = false, endValue }: ExponentialDecayOptions): Schedule {
  const owner = 'exponentialDecay';
  checkNumber(owner, 'init', init);
  checkNumber(owner, 'transitionSteps', transitionSteps, { min: 0, minExclusive: true });
  checkNumber(owner, 'decayRate', decayRate, { min: 0, minExclusive: true });
  checkNumber(owner, 'transitionBegin', transitionBegin, { min: 0, integer: true });
  if (endValue !== undefined) checkNumber(owner, 'endValue', endValue);
  return (step) => {
    const t = step - transitionBegin;
    const p = staircase ? Math.floor(t / transitionSteps) : t / transitionSteps;
    const value = t <= 0 ? init : init * Math.pow(decayRate, p);
    // As optax, the bound applies at every step, before the transition too.
    if (endValue === undefined) return value;
    return decayRate < 1 ? Math.max(value, endValue) : Math.min(value, endValue);
  };
}

export interface CosineDecayOptions {
  init: number;
  decaySteps: number;
  /** Final value as a fraction of `init`. Default 0. */
  alpha?: number;
  exponent?: number;
}

/** Cosine decay (Loshchilov & Hutter 2017, SGDR without restarts). */
export function cosineDecay({ init, decaySteps, alpha = 0, exponent = 1 }: CosineDecayOptions): Schedule {
  const owner = 'cosineDecay';
  checkNumber(owner, 'init', init);
  checkNumber(owner, 'decaySteps', decaySteps, { min: 0, minExclusive: true, integer: true });
  checkNumber(owner, 'alpha', alpha);
  checkNumber(owner, 'exponent', exponent);
  return (step) => {
    const t = Math.min(Math.max(step, 0), decaySteps);
    const cosine = 0.5 * (1 + Math.cos((Math.PI * t) / decaySteps));
    return init * ((1 - alpha) * Math.pow(cosine, exponent) + alpha);
  };
}

export interface WarmupCosineDecayOptions {
  init: number;
  peak: number;
  warmupSteps: number;
  /** Total steps, warmup included. */
  decaySteps: number;
  end?: number;
  exponent?: number;
}

/** Linear warmup from `init` to `peak`, then cosine decay to `end` (optax's `warmup_cosine_decay_schedule`). */
export function warmupCosineDecay({ init, peak, warmupSteps, decaySteps, end = 0, exponent = 1 }: WarmupCosineDecayOptions): Schedule {
  const owner = 'warmupCosineDecay';
  checkNumber(owner, 'peak', peak);
  checkNumber(owner, 'warmupSteps', warmupSteps, { min: 0, integer: true });
  checkNumber(owner, 'decaySteps', decaySteps, { min: warmupSteps, minExclusive: true, integer: true });
  if (peak === 0) throw new BasinError(`${owner}: peak must be non-zero (end is given as a fraction of it)`);
  return joinSchedules(
    [linearSchedule({ init, end: peak, transitionSteps: warmupSteps }), cosineDecay({ init: peak, decaySteps: decaySteps - warmupSteps, alpha: end / peak, exponent })],
    [warmupSteps],
  );
}

/**
 * `init`, multiplied by `scale` once the step reaches each boundary:
 * `piecewiseConstant(0.1, { 1000: 0.1, 2000: 0.1 })` gives 0.1, then 0.01, then 0.001.
 */
export function piecewiseConstant(init: number, boundariesAndScales: Record<number, number> = {}): Schedule {
  checkNumber('piecewiseConstant', 'init', init);
  const entries = Object.entries(boundariesAndScales)
    .map(([b, s]) => [checkNumber('piecewiseConstant', `boundary ${b}`, Number(b), { min: 0 }), checkNumber('piecewiseConstant', `scale at ${b}`, s)] as const)
    .sort((a, b) => a[0] - b[0]);
  return (step) => entries.reduce((v, [boundary, s]) => (step >= boundary ? v * s : v), init);
}

/**
 * Runs `schedules[0]` until `boundaries[0]`, then `schedules[1]` counting from that boundary,
 * and so on (optax's `join_schedules`).
 */
export function joinSchedules(schedules: Schedule[], boundaries: number[]): Schedule {
  if (schedules.length !== boundaries.length + 1) {
    throw new BasinError(`joinSchedules: need one more schedule than boundaries, got ${schedules.length} schedules and ${boundaries.length} boundaries`);
  }
  boundaries.forEach((b, i) => {
    checkNumber('joinSchedules', `boundaries[${i}]`, b, { min: i > 0 ? boundaries[i - 1] : 0 });
  });
  return (step) => {
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]) i++;
    return schedules[i](i === 0 ? step : step - boundaries[i - 1]);
  };
}
