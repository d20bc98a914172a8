import { BasinError } from './errors';
import type { Schedule } from './schedule-types';
import { checkNumber } from './validate';

// Schedules of the step count, with optax's semantics (optax/schedules/_schedule.py, formerly
// optax/_src/schedule.py), so a value given to optax and to Basin means the same thing at every
// step. Where optax gives a degenerate option a value (a non-positive transitionSteps, a zero
// decayRate or peak, a negative transitionBegin), Basin returns the same value; where optax raises
// (cosine decay over no steps), Basin throws a BasinError naming the function called. Non-finite
// numbers always throw.

/** The same value at every step. */
export function constantSchedule(value: number): Schedule {
  checkNumber('constantSchedule', 'value', value);
  return () => value;
}

export interface PolynomialScheduleOptions {
  init: number;
  end: number;
  power: number;
  /**
   * Steps over which the value moves from `init` to `end`; afterwards it stays at `end`.
   * `<= 0` gives `init` at every step (as optax).
   */
  transitionSteps: number;
  /** Steps to hold `init` before the transition starts. Default 0; a negative value counts as 0 (as optax). */
  transitionBegin?: number;
}

// The builders below take checked values; each public schedule checks its options under its own
// name first, so an error names the function the user called.

function polynomial(init: number, end: number, power: number, transitionSteps: number, transitionBegin: number): Schedule {
  // optax polynomial_schedule: `if transition_steps <= 0: return lambda count: init_value`,
  // and a negative transition_begin falls back to 0.
  if (transitionSteps <= 0) return () => init;
  const begin = Math.max(transitionBegin, 0);
  return (step) => {
    const t = Math.min(Math.max(step - begin, 0), transitionSteps);
    return (init - end) * Math.pow(1 - t / transitionSteps, power) + end;
  };
}

function cosine(init: number, decaySteps: number, alpha: number, exponent: number): Schedule {
  return (step) => {
    const t = Math.min(Math.max(step, 0), decaySteps);
    const c = 0.5 * (1 + Math.cos((Math.PI * t) / decaySteps));
    return init * ((1 - alpha) * Math.pow(c, exponent) + alpha);
  };
}

function join(schedules: Schedule[], boundaries: number[]): Schedule {
  return (step) => {
    let i = 0;
    while (i < boundaries.length && step >= boundaries[i]) i++;
    return schedules[i](i === 0 ? step : step - boundaries[i - 1]);
  };
}

function checkPolynomialOptions(owner: string, o: Omit<PolynomialScheduleOptions, 'power'>): void {
  checkNumber(owner, 'init', o.init);
  checkNumber(owner, 'end', o.end);
  checkNumber(owner, 'transitionSteps', o.transitionSteps, { integer: true });
  if (o.transitionBegin !== undefined) checkNumber(owner, 'transitionBegin', o.transitionBegin, { integer: true });
}

/** `(init - end) * (1 - t / transitionSteps)^power + end`, with t clipped to the transition. */
export function polynomialSchedule(options: PolynomialScheduleOptions): Schedule {
  checkPolynomialOptions('polynomialSchedule', options);
  checkNumber('polynomialSchedule', 'power', options.power);
  const { init, end, power, transitionSteps, transitionBegin = 0 } = options;
  return polynomial(init, end, power, transitionSteps, transitionBegin);
}

/** Straight line from `init` to `end` over `transitionSteps` (`polynomialSchedule` with power 1). */
export function linearSchedule(options: Omit<PolynomialScheduleOptions, 'power'>): Schedule {
  checkPolynomialOptions('linearSchedule', options);
  const { init, end, transitionSteps, transitionBegin = 0 } = options;
  return polynomial(init, end, 1, transitionSteps, transitionBegin);
}

export interface ExponentialDecayOptions {
  init: number;
  /** `<= 0` gives `init` at every step (as optax). */
  transitionSteps: number;
  /** `>= 0`; 0 gives `init` at every step (as optax). */
  decayRate: number;
  /** Default 0; a negative value counts as 0 (as optax). */
  transitionBegin?: number;
  /** Decay in whole periods of `transitionSteps`. Default false. */
  staircase?: boolean;
  /** A floor (when decaying) or ceiling (when growing) for the value; unused when the schedule is constant. */
  endValue?: number;
}

/** `init * decayRate^((step - transitionBegin) / transitionSteps)`. */
export function exponentialDecay({ init, transitionSteps, decayRate, transitionBegin = 0, staircase = false, endValue }: ExponentialDecayOptions): Schedule {
  const owner = 'exponentialDecay';
  checkNumber(owner, 'init', init);
  checkNumber(owner, 'transitionSteps', transitionSteps);
  checkNumber(owner, 'decayRate', decayRate, { min: 0 });
  checkNumber(owner, 'transitionBegin', transitionBegin, { integer: true });
  if (typeof staircase !== 'boolean') throw new BasinError(`${owner}: staircase must be a boolean, got ${typeof staircase}`);
  if (endValue !== undefined) checkNumber(owner, 'endValue', endValue);
  // optax exponential_decay returns `lambda count: init_value` when transition_steps <= 0 or
  // decay_rate == 0, before end_value is looked at; a negative transition_begin falls back to 0.
  if (transitionSteps <= 0 || decayRate === 0) return () => init;
  const begin = Math.max(transitionBegin, 0);
  return (step) => {
    const t = step - begin;
    const p = staircase ? Math.floor(t / transitionSteps) : t / transitionSteps;
    const value = t <= 0 ? init : init * Math.pow(decayRate, p);
    // As optax, the bound applies at every step, before the transition too.
    if (endValue === undefined) return value;
    return decayRate < 1 ? Math.max(value, endValue) : Math.min(value, endValue);
  };
}

export interface CosineDecayOptions {
  init: number;
  /** `> 0` (optax raises otherwise too). */
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
  return cosine(init, decaySteps, alpha, exponent);
}

export interface WarmupCosineDecayOptions {
  init: number;
  /** 0 gives the warmup from `init` down to 0, then 0 at every step (as optax: `end` is then unused). */
  peak: number;
  /** `>= 0`; 0 starts the cosine decay at step 0 (`init` is then unused). */
  warmupSteps: number;
  /** Total steps, warmup included; more than `warmupSteps` (optax raises otherwise too). */
  decaySteps: number;
  end?: number;
  exponent?: number;
}

/** Linear warmup from `init` to `peak`, then cosine decay to `end` (optax's `warmup_cosine_decay_schedule`). */
export function warmupCosineDecay({ init, peak, warmupSteps, decaySteps, end = 0, exponent = 1 }: WarmupCosineDecayOptions): Schedule {
  const owner = 'warmupCosineDecay';
  checkNumber(owner, 'init', init);
  checkNumber(owner, 'peak', peak);
  checkNumber(owner, 'warmupSteps', warmupSteps, { min: 0, integer: true });
  checkNumber(owner, 'decaySteps', decaySteps, { min: warmupSteps, minExclusive: true, integer: true });
  checkNumber(owner, 'end', end);
  checkNumber(owner, 'exponent', exponent);
  // optax: `alpha = 0.0 if peak_value == 0.0 else end_value / peak_value`; the cosine part then
  // starts from peak_value, so peak 0 gives 0 after the warmup.
  const alpha = peak === 0 ? 0 : end / peak;
  return join([polynomial(init, peak, 1, warmupSteps, 0), cosine(peak, decaySteps - warmupSteps, alpha, exponent)], [warmupSteps]);
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
  schedules.forEach((s, i) => {
    if (typeof s !== 'function') throw new BasinError(`joinSchedules: schedules[${i}] must be a function, got ${typeof s}`);
  });
  boundaries.forEach((b, i) => {
    checkNumber('joinSchedules', `boundaries[${i}]`, b, { min: i > 0 ? boundaries[i - 1] : 0 });
  });
  return join(schedules, boundaries);
}
