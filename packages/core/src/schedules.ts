import { BasinError } from './errors';
import type { Schedule } from './schedule-types';
import { checkOptions } from './transforms/state-checks';
import { describeValue } from './tree';
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
  checkOptions('polynomialSchedule', options, '{ init: 1, end: 0, power: 2, transitionSteps: 1000 }');
  checkPolynomialOptions('polynomialSchedule', options);
  checkNumber('polynomialSchedule', 'power', options.power);
  const { init, end, power, transitionSteps, transitionBegin = 0 } = options;
  return polynomial(init, end, power, transitionSteps, transitionBegin);
}

/** Straight line from `init` to `end` over `transitionSteps` (`polynomialSchedule` with power 1). */
export function linearSchedule(options: Omit<PolynomialScheduleOptions, 'power'>): Schedule {
  checkOptions('linearSchedule', options, '{ init: 1, end: 0, transitionSteps: 1000 }');
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

function checkExponentialOptions(owner: string, o: ExponentialDecayOptions, initName = 'init'): void {
  checkNumber(owner, initName, o.init);
  checkNumber(owner, 'transitionSteps', o.transitionSteps);
  checkNumber(owner, 'decayRate', o.decayRate, { min: 0 });
  if (o.transitionBegin !== undefined) checkNumber(owner, 'transitionBegin', o.transitionBegin, { integer: true });
  if (o.staircase !== undefined && typeof o.staircase !== 'boolean') throw new BasinError(`${owner}: staircase must be a boolean, got ${typeof o.staircase}`);
  if (o.endValue !== undefined) checkNumber(owner, 'endValue', o.endValue);
}

function exponential({ init, transitionSteps, decayRate, transitionBegin = 0, staircase = false, endValue }: ExponentialDecayOptions): Schedule {
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

/** `init * decayRate^((step - transitionBegin) / transitionSteps)`. */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  checkOptions('exponentialDecay', options, '{ init: 0.1, transitionSteps: 1000, decayRate: 0.5 }');
  checkExponentialOptions('exponentialDecay', options);
  return exponential(options);
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
export function cosineDecay(options: CosineDecayOptions): Schedule {
  const owner = 'cosineDecay';
  const { init, decaySteps, alpha = 0, exponent = 1 } = checkOptions(owner, options, '{ init: 0.1, decaySteps: 1000 }');
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

// Checks a warmup-cosine cycle's options; `prefix` places them in a larger argument (`cycles[1].`).
function checkWarmupCosineOptions(owner: string, o: WarmupCosineDecayOptions, prefix = ''): void {
  checkNumber(owner, `${prefix}init`, o.init);
  checkNumber(owner, `${prefix}peak`, o.peak);
  checkNumber(owner, `${prefix}warmupSteps`, o.warmupSteps, { min: 0, integer: true });
  checkNumber(owner, `${prefix}decaySteps`, o.decaySteps, { min: o.warmupSteps, minExclusive: true, integer: true });
  if (o.end !== undefined) checkNumber(owner, `${prefix}end`, o.end);
  if (o.exponent !== undefined) checkNumber(owner, `${prefix}exponent`, o.exponent);
}

function warmupCosine({ init, peak, warmupSteps, decaySteps, end = 0, exponent = 1 }: WarmupCosineDecayOptions): Schedule {
  // optax: `alpha = 0.0 if peak_value == 0.0 else end_value / peak_value`; the cosine part then
  // starts from peak_value, so peak 0 gives 0 after the warmup.
  const alpha = peak === 0 ? 0 : end / peak;
  return join([polynomial(init, peak, 1, warmupSteps, 0), cosine(peak, decaySteps - warmupSteps, alpha, exponent)], [warmupSteps]);
}

/** Linear warmup from `init` to `peak`, then cosine decay to `end` (optax's `warmup_cosine_decay_schedule`). */
export function warmupCosineDecay(options: WarmupCosineDecayOptions): Schedule {
  checkOptions('warmupCosineDecay', options, '{ init: 0, peak: 0.1, warmupSteps: 100, decaySteps: 1000 }');
  checkWarmupCosineOptions('warmupCosineDecay', options);
  return warmupCosine(options);
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
  if (!Array.isArray(schedules)) throw new BasinError(`joinSchedules: schedules must be an array of schedules, got ${schedules === null || schedules === undefined ? String(schedules) : typeof schedules}`);
  if (!Array.isArray(boundaries)) throw new BasinError(`joinSchedules: boundaries must be an array of step counts, got ${boundaries === null || boundaries === undefined ? String(boundaries) : typeof boundaries}`);
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

// ---------------------------------------------------------------------------------------------
// Warmup variants, SGDR, piecewise interpolation and one-cycle schedules (optax/schedules/
// _schedule.py: warmup_constant_schedule, warmup_exponential_decay_schedule, sgdr_schedule,
// piecewise_interpolate_schedule, linear_onecycle_schedule, cosine_onecycle_schedule). Each
// checks its options under its own name; a missing options record is refused by name too.

export interface WarmupConstantOptions {
  init: number;
  peak: number;
  /**
   * Steps of the linear warmup from `init` to `peak`; `>= 0`. 0 gives `init` at every step, as
   * optax (a linear schedule over no steps is its init value): use `constantSchedule(peak)` for
   * no warmup.
   */
  warmupSteps: number;
}

/** Linear warmup from `init` to `peak`, then `peak` for good (optax's `warmup_constant_schedule`). */
export function warmupConstant(options: WarmupConstantOptions): Schedule {
  const owner = 'warmupConstant';
  const { init, peak, warmupSteps } = checkOptions(owner, options, '{ init: 0, peak: 0.1, warmupSteps: 100 }');
  checkNumber(owner, 'init', init);
  checkNumber(owner, 'peak', peak);
  checkNumber(owner, 'warmupSteps', warmupSteps, { min: 0, integer: true });
  // optax: linear_schedule(init_value, end_value=peak_value, transition_steps=warmup_steps).
  return polynomial(init, peak, 1, warmupSteps, 0);
}

export interface WarmupExponentialDecayOptions {
  init: number;
  /** The value at the end of the warmup, where the decay starts. */
  peak: number;
  /** `>= 0`; 0 starts the decay from `peak` at step 0 (`init` is then unused, as optax). */
  warmupSteps: number;
  /** `<= 0` gives `peak` at every step after the warmup (as optax's exponential_decay). */
  transitionSteps: number;
  /** `>= 0`; 0 gives `peak` at every step after the warmup (as optax). */
  decayRate: number;
  /** Steps after the warmup to hold `peak` before decaying. Default 0; a negative value counts as 0. */
  transitionBegin?: number;
  staircase?: boolean;
  /** A floor (when decaying) or ceiling (when growing), applied after the warmup only. */
  endValue?: number;
}

/**
 * Linear warmup from `init` to `peak` over `warmupSteps`, then `exponentialDecay` from `peak`
 * counting from the end of the warmup (optax's `warmup_exponential_decay_schedule`).
 */
export function warmupExponentialDecay(options: WarmupExponentialDecayOptions): Schedule {
  const owner = 'warmupExponentialDecay';
  const o = checkOptions(owner, options, '{ init: 0, peak: 0.1, warmupSteps: 100, transitionSteps: 1000, decayRate: 0.5 }');
  checkNumber(owner, 'init', o.init);
  checkNumber(owner, 'peak', o.peak);
  checkNumber(owner, 'warmupSteps', o.warmupSteps, { min: 0, integer: true });
  const decay: ExponentialDecayOptions = {
    init: o.peak,
    transitionSteps: o.transitionSteps,
    decayRate: o.decayRate,
    transitionBegin: o.transitionBegin,
    staircase: o.staircase,
    endValue: o.endValue,
  };
  checkExponentialOptions(owner, decay, 'peak');
  // optax: join_schedules([linear_schedule(init, peak, warmup_steps), exponential_decay(peak, ...)], [warmup_steps]).
  return join([polynomial(o.init, o.peak, 1, o.warmupSteps, 0), exponential(decay)], [o.warmupSteps]);
}

/**
 * SGD with warm restarts (Loshchilov & Hutter, ICLR 2017): `warmupCosineDecay` cycles run one
 * after the other, each for its own `decaySteps` (warmup included) and counting from its own
 * start; the last one holds its end value afterwards (optax's `sgdr_schedule`).
 *
 *     sgdr([{ init: 0, peak: 0.1, warmupSteps: 100, decaySteps: 1000 },
 *           { init: 0, peak: 0.05, warmupSteps: 100, decaySteps: 2000 }])
 */
export function sgdr(cycles: WarmupCosineDecayOptions[]): Schedule {
  const owner = 'sgdr';
  if (!Array.isArray(cycles) || cycles.length === 0) {
    // optax builds join_schedules([], []) from an empty list, which fails when it is called.
    throw new BasinError(`${owner}: cycles must be a non-empty array of warmupCosineDecay options, got ${describeValue(cycles)}`);
  }
  const schedules: Schedule[] = [];
  const boundaries: number[] = [];
  let start = 0;
  cycles.forEach((cycle, i) => {
    if (typeof cycle !== 'object' || cycle === null || Array.isArray(cycle)) {
      throw new BasinError(`${owner}: cycles[${i}] must be an options record such as { init: 0, peak: 0.1, warmupSteps: 100, decaySteps: 1000 }, got ${describeValue(cycle)}`);
    }
    checkWarmupCosineOptions(owner, cycle, `cycles[${i}].`);
    schedules.push(warmupCosine(cycle));
    start += cycle.decaySteps;
    boundaries.push(start);
  });
  // optax: join_schedules(schedules, boundaries[:-1]); decaySteps > warmupSteps >= 0, so the
  // boundaries increase strictly.
  return join(schedules, boundaries.slice(0, -1));
}

export type InterpolateType = 'linear' | 'cosine';

// optax's _linear_interpolate and _cosine_interpolate, from `start` (pct 0) to `end` (pct 1).
const interpolators: Record<InterpolateType, (start: number, end: number, pct: number) => number> = {
  linear: (start, end, pct) => (end - start) * pct + start,
  cosine: (start, end, pct) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1),
};

/**
 * The values `init, init * s1, init * s1 * s2, ...` at boundaries `0, b1, b2, ...` (`entries`
 * sorted by boundary), joined by `type` interpolation. As optax's piecewise_interpolate_schedule:
 * the interval `[b_i, b_{i+1})` holding the step interpolates over `max(b_{i+1} - b_i, 1)` steps
 * (an empty interval is never used), the last value holds from the last boundary on.
 */
function interpolated(type: InterpolateType, init: number, entries: (readonly [number, number])[]): Schedule {
  const bounds = [0, ...entries.map(([b]) => b)];
  const values = [init];
  for (const [, s] of entries) values.push(values[values.length - 1] * s);
  const f = interpolators[type];
  const last = bounds.length - 1;
  return (step) => {
    if (step >= bounds[last]) return values[last];
    for (let i = 0; i < last; i++) {
      if (bounds[i] <= step && step < bounds[i + 1]) return f(values[i], values[i + 1], (step - bounds[i]) / Math.max(bounds[i + 1] - bounds[i], 1));
    }
    return 0; // a step before 0 (optax's sum over no interval)
  };
}

/**
 * Like `piecewiseConstant`, but moving between the accumulated values instead of jumping:
 * `piecewiseInterpolate('linear', 1, { 4: 0.1, 8: 0.01 })` goes from 1 at step 0 to 0.1 at step 4
 * to 0.001 at step 8 and stays there (optax's `piecewise_interpolate_schedule`). The value at a
 * boundary is the product of `init` and every scale up to it; `'cosine'` eases in and out.
 */
export function piecewiseInterpolate(interpolateType: InterpolateType, init: number, boundariesAndScales: Record<number, number> = {}): Schedule {
  const owner = 'piecewiseInterpolate';
  if (interpolateType !== 'linear' && interpolateType !== 'cosine') {
    throw new BasinError(`${owner}: interpolateType must be 'linear' or 'cosine', got ${describeValue(interpolateType)}`);
  }
  checkNumber(owner, 'init', init);
  if (typeof boundariesAndScales !== 'object' || boundariesAndScales === null || Array.isArray(boundariesAndScales)) {
    throw new BasinError(`${owner}: boundariesAndScales must be a record { step: scale } such as { 1000: 0.1 }, got ${describeValue(boundariesAndScales)}`);
  }
  const entries = Object.entries(boundariesAndScales)
    // optax raises ValueError for a negative scale.
    .map(([b, s]) => [checkNumber(owner, `boundary ${b}`, Number(b), { min: 0 }), checkNumber(owner, `scale at ${b}`, s, { min: 0 })] as const)
    .sort((a, b) => a[0] - b[0]);
  return interpolated(interpolateType, init, entries);
}

/**
 * One-cycle boundaries as optax writes them, in a dict literal: a later entry at the same
 * boundary replaces an earlier one (Python's rule), then they are sorted.
 */
function onecycle(type: InterpolateType, init: number, pairs: [number, number][]): Schedule {
  const byBoundary = new Map<number, number>();
  for (const [b, s] of pairs) byBoundary.set(b, s);
  return interpolated(type, init, [...byBoundary.entries()].sort((a, b) => a[0] - b[0]));
}

export interface CosineOnecycleOptions {
  /** Length of the cycle, an integer > 0 (optax raises otherwise too). */
  transitionSteps: number;
  /** The value at step `trunc(pctStart * transitionSteps)`. */
  peak: number;
  /**
   * Fraction of the cycle spent rising, in [0, 1]. Default 0.3. 0 starts at `peak`. In
   * `cosineOnecycle`, 1 puts both boundaries at the end, where the later scale replaces the
   * earlier (optax's dict): one cosine from `peak / divFactor` to `peak / (divFactor^2 * finalDivFactor)`.
   */
  pctStart?: number;
  /** The cycle starts at `peak / divFactor`; > 0. Default 25. */
  divFactor?: number;
  /** The cycle ends at `peak / (divFactor * finalDivFactor)`; > 0. Default 1e4. */
  finalDivFactor?: number;
}

export interface LinearOnecycleOptions extends CosineOnecycleOptions {
  /**
   * Fraction of the cycle after which the value is back at `peak / divFactor`, in [pctStart, 1].
   * Default 0.85. Where it lands on the same step as `pctStart` or as the end of the cycle, the
   * later of the two scales replaces the earlier, as in optax (its boundaries are a dict): with
   * `pctFinal === pctStart` the value goes from `peak / divFactor` down to `peak / divFactor^2`
   * and on to `peak / (divFactor^2 * finalDivFactor)`, never reaching `peak`; with 1 it goes up
   * to `peak`, then down to `peak / finalDivFactor`.
   */
  pctFinal?: number;
}

function checkOnecycleOptions(owner: string, o: CosineOnecycleOptions): Required<CosineOnecycleOptions> {
  const { transitionSteps, peak, pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4 } = o;
  checkNumber(owner, 'transitionSteps', transitionSteps, { min: 0, minExclusive: true, integer: true });
  checkNumber(owner, 'peak', peak);
  checkNumber(owner, 'pctStart', pctStart, { min: 0, max: 1 });
  // optax divides by both (a zero is a ZeroDivisionError) and refuses the negative scales a
  // negative factor gives.
  checkNumber(owner, 'divFactor', divFactor, { min: 0, minExclusive: true });
  checkNumber(owner, 'finalDivFactor', finalDivFactor, { min: 0, minExclusive: true });
  return { transitionSteps, peak, pctStart, divFactor, finalDivFactor };
}

/**
 * Three linear phases (Smith & Topin 2017, "Super-Convergence"; optax's
 * `linear_onecycle_schedule`): from `peak / divFactor` up to `peak` at step
 * `trunc(pctStart * transitionSteps)`, back down to `peak / divFactor` at
 * `trunc(pctFinal * transitionSteps)`, then to `peak / (divFactor * finalDivFactor)` at
 * `transitionSteps`, held afterwards.
 */
export function linearOnecycle(options: LinearOnecycleOptions): Schedule {
  const owner = 'linearOnecycle';
  const o = checkOptions(owner, options, '{ transitionSteps: 1000, peak: 0.1 }');
  const { transitionSteps: T, peak, pctStart, divFactor, finalDivFactor } = checkOnecycleOptions(owner, o);
  const pctFinal = o.pctFinal ?? 0.85;
  checkNumber(owner, 'pctFinal', pctFinal, { min: pctStart, max: 1 });
  // optax: piecewise_interpolate_schedule('linear', peak_value / div_factor,
  //   {int(pct_start * T): div_factor, int(pct_final * T): 1.0 / div_factor, T: 1.0 / final_div_factor}).
  return onecycle('linear', peak / divFactor, [
    [Math.trunc(pctStart * T), divFactor],
    [Math.trunc(pctFinal * T), 1.0 / divFactor],
    [T, 1.0 / finalDivFactor],
  ]);
}

/**
 * The one-cycle schedule with cosine phases (Smith & Topin 2017; optax's
 * `cosine_onecycle_schedule`): from `peak / divFactor` up to `peak` at step
 * `trunc(pctStart * transitionSteps)`, then down to `peak / (divFactor * finalDivFactor)` at
 * `transitionSteps`, held afterwards.
 */
export function cosineOnecycle(options: CosineOnecycleOptions): Schedule {
  const owner = 'cosineOnecycle';
  const o = checkOptions(owner, options, '{ transitionSteps: 1000, peak: 0.1 }');
  const { transitionSteps: T, peak, pctStart, divFactor, finalDivFactor } = checkOnecycleOptions(owner, o);
  // optax: piecewise_interpolate_schedule('cosine', peak_value / div_factor,
  //   {int(pct_start * T): div_factor, int(T): 1.0 / (div_factor * final_div_factor)}).
  return onecycle('cosine', peak / divFactor, [
    [Math.trunc(pctStart * T), divFactor],
    [T, 1.0 / (divFactor * finalDivFactor)],
  ]);
}
