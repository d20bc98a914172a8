import { expectClose } from '@basin/testing';
import {
  constantSchedule,
  cosineDecay,
  cosineOnecycle,
  exponentialDecay,
  joinSchedules,
  linearOnecycle,
  linearSchedule,
  piecewiseConstant,
  piecewiseInterpolate,
  polynomialSchedule,
  sgdr,
  warmupConstant,
  warmupCosineDecay,
  warmupExponentialDecay,
} from './schedules';
import type { Schedule } from './schedule-types';
import { expectBasinError } from '../test-helpers';

// Expected values are optax's formulas (optax/schedules/_schedule.py, formerly
// optax/_src/schedule.py) evaluated by hand in float64.
const at = (s: Schedule, steps: number[]) => steps.map(s);
const steps = [0, 1, 2, 3, 5, 8, 13, 100];

// Independent references for the degenerate cases, written from optax/schedules/_schedule.py.
// polynomial_schedule: `if transition_steps <= 0: return lambda count: init_value`;
// `if transition_begin < 0: transition_begin = 0`;
// `count = clip(count - transition_begin, 0, transition_steps)`;
// `(init - end) * (1 - count / transition_steps) ** power + end`.
function optaxPolynomial(init: number, end: number, power: number, transitionSteps: number, transitionBegin: number) {
  return (count: number): number => {
    if (transitionSteps <= 0) return init;
    const begin = transitionBegin < 0 ? 0 : transitionBegin;
    const c = Math.min(Math.max(count - begin, 0), transitionSteps);
    return (init - end) * (1 - c / transitionSteps) ** power + end;
  };
}
// exponential_decay: `if transition_steps <= 0: return lambda count: init_value`;
// `if decay_rate == 0: return lambda count: init_value` (both before end_value is used);
// `if transition_begin < 0: transition_begin = 0`; then
// `where(count - begin <= 0, init, init * decay_rate ** p)`, clipped by end_value.
function optaxExponential(init: number, transitionSteps: number, decayRate: number, transitionBegin: number, staircase: boolean, endValue?: number) {
  return (count: number): number => {
    if (transitionSteps <= 0) return init;
    if (decayRate === 0) return init;
    const d = count - (transitionBegin < 0 ? 0 : transitionBegin);
    const p = staircase ? Math.floor(d / transitionSteps) : d / transitionSteps;
    const v = d <= 0 ? init : init * decayRate ** p;
    if (endValue === undefined) return v;
    return decayRate < 1 ? Math.max(v, endValue) : Math.min(v, endValue);
  };
}
// warmup_cosine_decay_schedule: `alpha = 0.0 if peak_value == 0.0 else end_value / peak_value`,
// join_schedules([linear_schedule(init, peak, warmup_steps),
//   cosine_decay_schedule(peak, decay_steps - warmup_steps, alpha, exponent)], [warmup_steps]).
function optaxWarmupCosine(init: number, peak: number, warmupSteps: number, decaySteps: number, end: number, exponent: number) {
  const alpha = peak === 0 ? 0 : end / peak;
  const warm = optaxPolynomial(init, peak, 1, warmupSteps, 0);
  const T = decaySteps - warmupSteps;
  const cos = (count: number) => peak * ((1 - alpha) * (0.5 * (1 + Math.cos((Math.PI * Math.min(count, T)) / T))) ** exponent + alpha);
  return (count: number): number => (count < warmupSteps ? warm(count) : cos(count - warmupSteps));
}

describe('constantSchedule', () => {
  it('is constant and checks its value', () => {
    expect(at(constantSchedule(0.3), [0, 5, 1e6])).toEqual([0.3, 0.3, 0.3]);
    expect(() => constantSchedule(NaN)).toThrow(/constantSchedule: value must be a finite number/);
  });
});

describe('polynomialSchedule / linearSchedule', () => {
  it('(init - end) * (1 - t / T)^power + end, t = clip(step - begin, 0, T)', () => {
    const s = polynomialSchedule({ init: 1, end: 0.1, power: 2, transitionSteps: 10, transitionBegin: 3 });
    // step 0..3 hold init; step 8: t = 5, (0.9)(0.5^2) + 0.1 = 0.325; step 13+: end.
    expectClose(at(s, [0, 3, 4, 8, 13, 100]), [1, 1, 0.9 * 0.81 + 0.1, 0.325, 0.1, 0.1], 1e-12);
  });

  it('linear goes in a straight line and holds its end', () => {
    const s = linearSchedule({ init: 0, end: 2, transitionSteps: 4 });
    expectClose(at(s, [0, 1, 2, 4, 9]), [0, 0.5, 1, 2, 2], 1e-12);
  });

  it('transitionSteps <= 0 gives init at every step, whatever the other options (as optax)', () => {
    expect(at(polynomialSchedule({ init: 0.5, end: 0, power: 1, transitionSteps: 0 }), [0, 10])).toEqual([0.5, 0.5]);
    for (const transitionSteps of [0, -1, -7]) {
      const poly = polynomialSchedule({ init: 0.5, end: 2, power: 3, transitionSteps, transitionBegin: 2 });
      const lin = linearSchedule({ init: -0.25, end: 1, transitionSteps, transitionBegin: -3 });
      expect(at(poly, steps)).toEqual(at(optaxPolynomial(0.5, 2, 3, transitionSteps, 2), steps));
      expect(at(poly, steps)).toEqual(steps.map(() => 0.5));
      expect(at(lin, steps)).toEqual(steps.map(() => -0.25));
    }
  });

  it('a negative transitionBegin counts as 0 (as optax)', () => {
    const s = polynomialSchedule({ init: 1, end: 0.1, power: 2, transitionSteps: 10, transitionBegin: -4 });
    expectClose(at(s, steps), at(optaxPolynomial(1, 0.1, 2, 10, -4), steps), 1e-12);
    // step 5: (0.9)(0.5^2) + 0.1 = 0.325, as with transitionBegin 0.
    expectClose(at(s, [0, 5, 10, 13]), [1, 0.325, 0.1, 0.1], 1e-12);
    expectClose(at(linearSchedule({ init: 0, end: 2, transitionSteps: 4, transitionBegin: -1 }), [0, 1, 4, 9]), [0, 0.5, 2, 2], 1e-12);
  });

  it('checks its options, under the name of the function called', () => {
    expectBasinError(() => polynomialSchedule({ init: 1, end: 0, power: 1, transitionSteps: 2.5 }), /^polynomialSchedule: transitionSteps must be an integer, got 2.5$/);
    expectBasinError(() => polynomialSchedule({ init: 1, end: NaN, power: 1, transitionSteps: 2 }), /^polynomialSchedule: end must be a finite number, got NaN$/);
    expectBasinError(() => polynomialSchedule({ init: 1, end: 0, power: Infinity, transitionSteps: 0 }), /^polynomialSchedule: power must be a finite number/);
    expectBasinError(() => linearSchedule({ init: 1, end: 0, transitionSteps: 2, transitionBegin: 0.5 }), /^linearSchedule: transitionBegin must be an integer, got 0.5$/);
    expectBasinError(() => linearSchedule({ init: NaN, end: 0, transitionSteps: 2 }), /^linearSchedule: init must be a finite number, got NaN$/);
    expectBasinError(() => linearSchedule({ init: 1, end: 0, transitionSteps: Infinity }), /^linearSchedule: transitionSteps must be a finite number/);
    expectBasinError(() => linearSchedule({ init: 1, end: '0' as unknown as number, transitionSteps: 2 }), /^linearSchedule: end must be a finite number, got "0"$/);
  });
});

describe('exponentialDecay', () => {
  it('init * rate^((step - begin) / T), init before begin', () => {
    const s = exponentialDecay({ init: 2, transitionSteps: 4, decayRate: 0.5, transitionBegin: 2 });
    expectClose(at(s, [0, 2, 3, 6, 10]), [2, 2, 2 * 0.5 ** 0.25, 1, 0.5], 1e-12);
  });

  it('staircase decays in whole periods', () => {
    const s = exponentialDecay({ init: 1, transitionSteps: 3, decayRate: 0.1, staircase: true });
    expectClose(at(s, [0, 2, 3, 5, 6]), [1, 1, 0.1, 0.1, 0.01], 1e-12);
  });

  it('endValue is a floor when decaying and a ceiling when growing', () => {
    const down = exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 0.5, endValue: 0.2 });
    const up = exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 2, endValue: 5 });
    expectClose(at(down, [1, 2, 3, 10]), [0.5, 0.25, 0.2, 0.2], 1e-12);
    expectClose(at(up, [1, 2, 3, 10]), [2, 4, 5, 5], 1e-12);
  });

  it('clips at every step, before the transition too (optax applies the clip to the whole schedule)', () => {
    // optax: clip_fn(where(count - begin <= 0, init, init * rate^p), end_value)
    const s = exponentialDecay({ init: 0.1, transitionSteps: 1, decayRate: 0.5, transitionBegin: 2, endValue: 0.3 });
    expect(at(s, [0, 2, 5])).toEqual([0.3, 0.3, 0.3]);
  });

  it('transitionSteps <= 0 gives init at every step, endValue unused (as optax)', () => {
    for (const transitionSteps of [0, -2, -0.5]) {
      for (const staircase of [false, true]) {
        // With decayRate < 1, endValue 5 would be a floor giving 5; optax returns init before clipping.
        const s = exponentialDecay({ init: 1, transitionSteps, decayRate: 0.5, transitionBegin: 1, staircase, endValue: 5 });
        expect(at(s, steps)).toEqual(at(optaxExponential(1, transitionSteps, 0.5, 1, staircase, 5), steps));
        expect(at(s, steps)).toEqual(steps.map(() => 1));
      }
    }
  });

  it('decayRate 0 gives init at every step, step 0 included, whatever staircase, transitionBegin and endValue (as optax)', () => {
    const cases = [
      { staircase: false, transitionBegin: 0, endValue: undefined },
      { staircase: true, transitionBegin: 0, endValue: undefined },
      { staircase: false, transitionBegin: 3, endValue: 0.3 },
      { staircase: true, transitionBegin: 2, endValue: -1 },
      { staircase: false, transitionBegin: -2, endValue: 2 },
    ];
    for (const c of cases) {
      const s = exponentialDecay({ init: 0.7, transitionSteps: 2, decayRate: 0, ...c });
      expect(at(s, steps)).toEqual(at(optaxExponential(0.7, 2, 0, c.transitionBegin, c.staircase, c.endValue), steps));
      // Not the formula's 0.7 * 0^p = 0 after the transition begins, nor the floor 0.3 / ceiling 2.
      expect(at(s, steps)).toEqual(steps.map(() => 0.7));
    }
  });

  it('a negative transitionBegin counts as 0 (as optax)', () => {
    const s = exponentialDecay({ init: 2, transitionSteps: 4, decayRate: 0.5, transitionBegin: -3 });
    expectClose(at(s, steps), at(optaxExponential(2, 4, 0.5, -3, false), steps), 1e-12);
    expectClose(at(s, [0, 2, 4, 8]), [2, 2 * Math.SQRT1_2, 1, 0.5], 1e-12);
    const stairs = exponentialDecay({ init: 1, transitionSteps: 3, decayRate: 0.1, transitionBegin: -1, staircase: true, endValue: 0.05 });
    expectClose(at(stairs, [0, 2, 3, 6, 9]), [1, 1, 0.1, 0.05, 0.05], 1e-12);
  });

  it('checks its options, under its own name', () => {
    expectBasinError(() => exponentialDecay({ init: 1, transitionSteps: NaN, decayRate: 0.5 }), /^exponentialDecay: transitionSteps must be a finite number, got NaN$/);
    expectBasinError(() => exponentialDecay({ init: 1, transitionSteps: 1, decayRate: -0.5 }), /^exponentialDecay: decayRate must be a number >= 0, got -0.5$/);
    expectBasinError(() => exponentialDecay({ init: 1, transitionSteps: 0, decayRate: Infinity }), /^exponentialDecay: decayRate must be a finite number/);
    expectBasinError(() => exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 0.5, endValue: NaN }), /^exponentialDecay: endValue must be a finite number/);
    expectBasinError(() => exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 0.5, transitionBegin: 1.5 }), /^exponentialDecay: transitionBegin must be an integer, got 1.5$/);
    expectBasinError(() => exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 0.5, staircase: 'yes' as unknown as boolean }), /^exponentialDecay: staircase must be a boolean, got string$/);
  });
});

describe('cosineDecay', () => {
  it('init * ((1 - alpha) * (0.5 (1 + cos(pi t / T)))^exponent + alpha), t = min(step, T)', () => {
    const s = cosineDecay({ init: 2, decaySteps: 8, alpha: 0.1, exponent: 2 });
    const f = (t: number) => 2 * (0.9 * (0.5 * (1 + Math.cos((Math.PI * t) / 8))) ** 2 + 0.1);
    expectClose(at(s, [0, 2, 4, 8, 20]), [2, f(2), 2 * (0.9 * 0.25 + 0.1), 0.2, 0.2], 1e-12);
    expectClose(at(cosineDecay({ init: 1, decaySteps: 4 }), [0, 1, 2, 4]), [1, 0.5 * (1 + Math.SQRT1_2), 0.5, 0], 1e-12);
  });

  it('refuses decaySteps <= 0, as optax does (`raise ValueError` in cosine_decay_schedule)', () => {
    expectBasinError(() => cosineDecay({ init: 1, decaySteps: 0 }), /^cosineDecay: decaySteps must be an integer > 0, got 0$/);
    expectBasinError(() => cosineDecay({ init: 1, decaySteps: -3 }), /^cosineDecay: decaySteps must be an integer > 0, got -3$/);
    expectBasinError(() => cosineDecay({ init: 1, decaySteps: 4, alpha: NaN }), /^cosineDecay: alpha must be a finite number/);
  });
});

describe('warmupCosineDecay', () => {
  it('linear warmup from init to peak, then cosine decay from peak to end', () => {
    const s = warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 4, decaySteps: 12, end: 0.1 });
    // warmup: k / 4 ; then cosineDecay(peak 1, 8 steps, alpha 0.1) at k - 4.
    const cos = (t: number) => 0.9 * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, 8)) / 8)) + 0.1;
    expectClose(at(s, [0, 1, 3, 4, 6, 8, 12, 50]), [0, 0.25, 0.75, 1, cos(2), cos(4), 0.1, 0.1], 1e-12);
  });

  it('peak 0: warmup from init down to 0, then 0 at every step, end unused (as optax: alpha = 0 when peak == 0)', () => {
    const s = warmupCosineDecay({ init: 0.5, peak: 0, warmupSteps: 4, decaySteps: 10, end: 0.1 });
    expectClose(at(s, steps), at(optaxWarmupCosine(0.5, 0, 4, 10, 0.1, 1), steps), 1e-12);
    // warmup 0.5 * (1 - k / 4), then 0 * (...) = 0, at and after decaySteps too (not end = 0.1).
    expectClose(at(s, [0, 1, 2, 3, 4, 7, 10, 50]), [0.5, 0.375, 0.25, 0.125, 0, 0, 0, 0], 1e-12);
    expect(at(warmupCosineDecay({ init: 0, peak: 0, warmupSteps: 0, decaySteps: 3, end: -2, exponent: 2 }), steps)).toEqual(steps.map(() => 0));
  });

  it('warmupSteps 0 starts the cosine decay from peak at step 0, init unused (as optax: join at boundary 0)', () => {
    const s = warmupCosineDecay({ init: 7, peak: 1, warmupSteps: 0, decaySteps: 8, end: 0.2, exponent: 2 });
    expectClose(at(s, steps), at(optaxWarmupCosine(7, 1, 0, 8, 0.2, 2), steps), 1e-12);
    // step 4: 0.8 * 0.5^2 + 0.2 = 0.4.
    expectClose(at(s, [0, 4, 8, 20]), [1, 0.4, 0.2, 0.2], 1e-12);
  });

  it('checks its own options under its own name (not linearSchedule or cosineDecay)', () => {
    expectBasinError(() => warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 5, decaySteps: 5 }), /^warmupCosineDecay: decaySteps must be an integer > 5, got 5$/);
    expectBasinError(() => warmupCosineDecay({ init: NaN, peak: 1, warmupSteps: 1, decaySteps: 5 }), /^warmupCosineDecay: init must be a finite number, got NaN$/);
    expectBasinError(() => warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 1, decaySteps: 5, end: Infinity }), /^warmupCosineDecay: end must be a finite number/);
    expectBasinError(() => warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 1, decaySteps: 5, exponent: NaN }), /^warmupCosineDecay: exponent must be a finite number/);
    expectBasinError(() => warmupCosineDecay({ init: 0, peak: 1, warmupSteps: -1, decaySteps: 5 }), /^warmupCosineDecay: warmupSteps must be an integer >= 0, got -1$/);
  });
});

describe('piecewiseConstant', () => {
  it('multiplies by each scale once the step reaches its boundary', () => {
    const s = piecewiseConstant(0.1, { 4: 0.5, 2: 0.1 });
    expectClose(at(s, [0, 1, 2, 3, 4, 100]), [0.1, 0.1, 0.01, 0.01, 0.005, 0.005], 1e-12);
    expect(at(piecewiseConstant(3), [0, 9])).toEqual([3, 3]);
  });

  it('checks its options', () => {
    expect(() => piecewiseConstant(1, { [-1]: 0.5 })).toThrow(/piecewiseConstant: boundary -1 must be a number >= 0/);
    expect(() => piecewiseConstant(1, { 3: NaN })).toThrow(/piecewiseConstant: scale at 3 must be a finite number/);
  });
});

describe('joinSchedules', () => {
  it('runs each schedule from its boundary, counting from it', () => {
    const s = joinSchedules([(k) => k, (k) => 100 + k, (k) => 1000 + k], [3, 5]);
    expect(at(s, [0, 2, 3, 4, 5, 7])).toEqual([0, 2, 100, 101, 1000, 1002]);
  });

  it('checks the counts and order of boundaries', () => {
    expect(() => joinSchedules([() => 1], [2])).toThrow(/joinSchedules: need one more schedule than boundaries, got 1 schedules and 1 boundaries/);
    expect(() => joinSchedules([() => 1, () => 2, () => 3], [5, 2])).toThrow(/joinSchedules: boundaries\[1\] must be a number >= 5, got 2/);
    expectBasinError(() => joinSchedules([() => 1, 0.5 as unknown as Schedule], [2]), /^joinSchedules: schedules\[1\] must be a function, got number$/);
  });
});


// ---------------------------------------------------------------------------------------------
// The schedules added for optax parity. References are written from optax/schedules/_schedule.py
// and optax/schedules/_join.py (google-deepmind/optax at 006cebd2, the quoted lines below), in
// float64, following optax's own structure (where-chains, cumprod, indicator sums) rather than
// Basin's, and compared at every step of the schedule and past its end.

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

// _join.py join_schedules: `output = schedules[0](step)`; then for each boundary
// `output = jnp.where(step < boundary, output, schedule(step - boundary))`.
function optaxJoin(schedules: ((n: number) => number)[], boundaries: number[]) {
  return (step: number): number => {
    let output = schedules[0](step);
    boundaries.forEach((b, i) => {
      output = step < b ? output : schedules[i + 1](step - b);
    });
    return output;
  };
}
// linear_schedule = polynomial_schedule(power=1) (optaxPolynomial above).
const optaxLinear = (init: number, end: number, transitionSteps: number) => optaxPolynomial(init, end, 1, transitionSteps, 0);
// cosine_decay_schedule: `count = jnp.minimum(count, decay_steps)`,
// `cosine_decay = 0.5 * (1 + jnp.cos(jnp.pi * count / decay_steps))`,
// `decayed = (1 - alpha) * cosine_decay**exponent + alpha`, `return init_value * decayed`.
function optaxCosineDecay(init: number, decaySteps: number, alpha: number, exponent: number) {
  return (count: number): number => {
    const c = Math.min(count, decaySteps);
    const cosineDecay = 0.5 * (1 + Math.cos((Math.PI * c) / decaySteps));
    return init * ((1 - alpha) * cosineDecay ** exponent + alpha);
  };
}
// warmup_cosine_decay_schedule, through the join (not optaxWarmupCosine's shortcut).
function optaxWarmupCosineJoined(k: { init: number; peak: number; warmupSteps: number; decaySteps: number; end?: number; exponent?: number }) {
  const end = k.end ?? 0;
  const alpha = k.peak === 0 ? 0 : end / k.peak;
  return optaxJoin([optaxLinear(k.init, k.peak, k.warmupSteps), optaxCosineDecay(k.peak, k.decaySteps - k.warmupSteps, alpha, k.exponent ?? 1)], [k.warmupSteps]);
}
// sgdr_schedule: `schedules += [warmup_cosine_decay_schedule(**kwargs)]`,
// `boundaries += [step + kwargs['decay_steps']]`, `step += kwargs['decay_steps']`,
// `return _join.join_schedules(schedules, boundaries[:-1])`.
function optaxSgdr(cycles: Parameters<typeof optaxWarmupCosineJoined>[0][]) {
  const schedules: ((n: number) => number)[] = [];
  const boundaries: number[] = [];
  let step = 0;
  for (const kwargs of cycles) {
    schedules.push(optaxWarmupCosineJoined(kwargs));
    boundaries.push(step + kwargs.decaySteps);
    step += kwargs.decaySteps;
  }
  return optaxJoin(schedules, boundaries.slice(0, -1));
}
// piecewise_interpolate_schedule:
// `boundaries, scales = zip(*sorted(boundaries_and_scales.items()))`;
// `bounds = jnp.stack((0,) + boundaries)`; `values = jnp.cumprod(jnp.stack((init_value,) + scales))`;
// `interval_sizes = jnp.maximum(bounds[1:] - bounds[:-1], 1)`;
// `indicator = jnp.logical_and(bounds[:-1] <= count, count < bounds[1:])`;
// `pct = (count - bounds[:-1]) / interval_sizes`; `interp_vals = interpolate_fn(values[:-1], values[1:], pct)`;
// `return indicator.dot(interp_vals) + (bounds[-1] <= count) * values[-1]`.
// _linear_interpolate: `(end - start) * pct + start`;
// _cosine_interpolate: `end + (start - end) / 2.0 * (jnp.cos(jnp.pi * pct) + 1)`.
function optaxPiecewiseInterpolate(type: 'linear' | 'cosine', init: number, boundariesAndScales: Record<number, number>) {
  const items = Object.entries(boundariesAndScales).map(([b, sc]) => [Number(b), sc] as [number, number]);
  items.sort((x, y) => x[0] - y[0]);
  const bounds = [0, ...items.map((x) => x[0])];
  const values: number[] = [];
  [init, ...items.map((x) => x[1])].reduce((acc, v, i) => (values[i] = i === 0 ? v : acc * v), 1);
  const interpolate = type === 'linear'
    ? (start: number, end: number, pct: number) => (end - start) * pct + start
    : (start: number, end: number, pct: number) => end + ((start - end) / 2.0) * (Math.cos(Math.PI * pct) + 1);
  return (count: number): number => {
    let sum = 0;
    for (let i = 0; i + 1 < bounds.length; i++) {
      const indicator = bounds[i] <= count && count < bounds[i + 1] ? 1 : 0;
      const size = Math.max(bounds[i + 1] - bounds[i], 1);
      sum += indicator * interpolate(values[i], values[i + 1], (count - bounds[i]) / size);
    }
    return sum + (bounds[bounds.length - 1] <= count ? 1 : 0) * values[values.length - 1];
  };
}
// Python's int() truncates toward zero.
const pyInt = (x: number) => (x < 0 ? Math.ceil(x) : Math.floor(x));
// linear_onecycle_schedule: piecewise_interpolate_schedule('linear', peak_value / div_factor,
// {int(pct_start * transition_steps): div_factor, int(pct_final * transition_steps): 1.0 / div_factor,
//  transition_steps: 1.0 / final_div_factor}). A JS object literal keeps the last value of a
// repeated key, as a Python dict literal does.
function optaxLinearOnecycle(T: number, peak: number, pctStart = 0.3, pctFinal = 0.85, divFactor = 25.0, finalDivFactor = 1e4) {
  return optaxPiecewiseInterpolate('linear', peak / divFactor, {
    [pyInt(pctStart * T)]: divFactor,
    [pyInt(pctFinal * T)]: 1.0 / divFactor,
    [T]: 1.0 / finalDivFactor,
  });
}
// cosine_onecycle_schedule: piecewise_interpolate_schedule('cosine', peak_value / div_factor,
// {int(pct_start * transition_steps): div_factor, int(transition_steps): 1.0 / (div_factor * final_div_factor)}).
function optaxCosineOnecycle(T: number, peak: number, pctStart = 0.3, divFactor = 25.0, finalDivFactor = 1e4) {
  return optaxPiecewiseInterpolate('cosine', peak / divFactor, {
    [pyInt(pctStart * T)]: divFactor,
    [pyInt(T)]: 1.0 / (divFactor * finalDivFactor),
  });
}

describe('warmupConstant', () => {
  it('is optax\'s linear_schedule(init, peak, warmup_steps): a linear warmup, then peak, at every step', () => {
    for (const [init, peak, warmupSteps] of [[0, 0.1, 10], [1, -2, 3], [0.5, 0.5, 4], [0.2, 1, 1]] as const) {
      const all = range(warmupSteps + 8).concat([1000, 1e6]);
      expectClose(at(warmupConstant({ init, peak, warmupSteps }), all), at(optaxLinear(init, peak, warmupSteps), all), 1e-12);
    }
    // step k < 10: 0.01 k; 0.1 from step 10 on.
    expectClose(at(warmupConstant({ init: 0, peak: 0.1, warmupSteps: 10 }), [0, 1, 5, 9, 10, 11, 500]), [0, 0.01, 0.05, 0.09, 0.1, 0.1, 0.1], 1e-12);
  });

  it('warmupSteps 0 gives init at every step, peak unused (as optax: a linear schedule over no steps is its init value)', () => {
    expect(at(warmupConstant({ init: 0.25, peak: 1, warmupSteps: 0 }), steps)).toEqual(at(optaxLinear(0.25, 1, 0), steps));
    expect(at(warmupConstant({ init: 0.25, peak: 1, warmupSteps: 0 }), steps)).toEqual(steps.map(() => 0.25));
  });

  it('checks its options under its own name', () => {
    expectBasinError(() => warmupConstant(undefined as never), /^warmupConstant: options must be an options record such as \{ init: 0, peak: 0\.1, warmupSteps: 100 \}, got undefined$/);
    expectBasinError(() => warmupConstant({ init: 0, peak: NaN, warmupSteps: 3 }), /^warmupConstant: peak must be a finite number, got NaN$/);
    expectBasinError(() => warmupConstant({ init: 0, peak: 1, warmupSteps: -1 }), /^warmupConstant: warmupSteps must be an integer >= 0, got -1$/);
    expectBasinError(() => warmupConstant({ init: 0, peak: 1, warmupSteps: 2.5 }), /^warmupConstant: warmupSteps must be an integer >= 0, got 2.5$/);
    expectBasinError(() => warmupConstant({ init: '0' as never, peak: 1, warmupSteps: 2 }), /^warmupConstant: init must be a finite number, got "0"$/);
  });
});

describe('warmupExponentialDecay', () => {
  type O = Parameters<typeof warmupExponentialDecay>[0];
  // warmup_exponential_decay_schedule: join_schedules([linear_schedule(init, peak, warmup_steps),
  //   exponential_decay(peak, transition_steps, decay_rate, transition_begin, staircase, end_value)], [warmup_steps]).
  const reference = (o: O) => optaxJoin(
    [optaxLinear(o.init, o.peak, o.warmupSteps), optaxExponential(o.peak, o.transitionSteps, o.decayRate, o.transitionBegin ?? 0, o.staircase ?? false, o.endValue)],
    [o.warmupSteps],
  );
  const cases: O[] = [
    { init: 0, peak: 1, warmupSteps: 5, transitionSteps: 4, decayRate: 0.5 },
    { init: 0.1, peak: 2, warmupSteps: 3, transitionSteps: 2, decayRate: 0.3, transitionBegin: 4, staircase: true },
    { init: 0, peak: 1, warmupSteps: 4, transitionSteps: 3, decayRate: 0.5, endValue: 0.2 },
    { init: 0, peak: 1, warmupSteps: 4, transitionSteps: 3, decayRate: 1.5, endValue: 3 },
    { init: 1, peak: 0.5, warmupSteps: 2, transitionSteps: 5, decayRate: 0.9, transitionBegin: -3 },
    // Degenerate, as optax: no warmup (the decay starts at step 0 from peak; init unused), no
    // decay (transitionSteps <= 0 or decayRate 0: peak after the warmup, endValue unused).
    { init: 7, peak: 1, warmupSteps: 0, transitionSteps: 2, decayRate: 0.5 },
    { init: 0, peak: 1, warmupSteps: 3, transitionSteps: 0, decayRate: 0.5, endValue: 5 },
    { init: 0, peak: 1, warmupSteps: 3, transitionSteps: -2, decayRate: 0.5 },
    { init: 0, peak: 1, warmupSteps: 3, transitionSteps: 2, decayRate: 0, endValue: 0.5, staircase: true },
  ];
  it.each(cases.map((c) => [JSON.stringify(c), c] as const))('equals optax at every step: %s', (_, c) => {
    const all = range(40).concat([100, 1000]);
    expectClose(at(warmupExponentialDecay(c), all), at(reference(c), all), 1e-12);
  });

  it('warms up linearly, then decays from peak counting from the end of the warmup', () => {
    const s = warmupExponentialDecay({ init: 0, peak: 1, warmupSteps: 4, transitionSteps: 2, decayRate: 0.25 });
    // k < 4: k / 4; then 0.25^((k - 4) / 2).
    expectClose(at(s, [0, 2, 3, 4, 5, 6, 8]), [0, 0.5, 0.75, 1, 0.5, 0.25, 0.0625], 1e-12);
    // endValue bounds only the decay: the warmup from 0 is not lifted to the floor.
    const floored = warmupExponentialDecay({ init: 0, peak: 1, warmupSteps: 4, transitionSteps: 2, decayRate: 0.25, endValue: 0.1 });
    expectClose(at(floored, [0, 1, 4, 8, 20]), [0, 0.25, 1, 0.1, 0.1], 1e-12);
    expect(at(warmupExponentialDecay({ init: 7, peak: 1, warmupSteps: 0, transitionSteps: 2, decayRate: 0.5 }), [0, 2])).toEqual([1, 0.5]);
  });

  it('checks its options under its own name', () => {
    const ok: O = { init: 0, peak: 1, warmupSteps: 2, transitionSteps: 4, decayRate: 0.5 };
    expectBasinError(() => warmupExponentialDecay(null as never), /^warmupExponentialDecay: options must be an options record .*got null$/);
    expectBasinError(() => warmupExponentialDecay({ ...ok, warmupSteps: -2 }), /^warmupExponentialDecay: warmupSteps must be an integer >= 0, got -2$/);
    expectBasinError(() => warmupExponentialDecay({ ...ok, peak: Infinity }), /^warmupExponentialDecay: peak must be a finite number, got Infinity$/);
    expectBasinError(() => warmupExponentialDecay({ ...ok, decayRate: -0.5 }), /^warmupExponentialDecay: decayRate must be a number >= 0, got -0.5$/);
    expectBasinError(() => warmupExponentialDecay({ ...ok, transitionSteps: NaN }), /^warmupExponentialDecay: transitionSteps must be a finite number, got NaN$/);
    expectBasinError(() => warmupExponentialDecay({ ...ok, transitionBegin: 1.5 }), /^warmupExponentialDecay: transitionBegin must be an integer, got 1.5$/);
    expectBasinError(() => warmupExponentialDecay({ ...ok, staircase: 1 as never }), /^warmupExponentialDecay: staircase must be a boolean, got number$/);
    expectBasinError(() => warmupExponentialDecay({ ...ok, endValue: NaN }), /^warmupExponentialDecay: endValue must be a finite number, got NaN$/);
  });
});

describe('sgdr', () => {
  it('joins warmup-cosine cycles, each counting from its own start: equal to optax at every step', () => {
    const cycles = [
      { init: 0, peak: 1, warmupSteps: 3, decaySteps: 10, end: 0.1 },
      { init: 0.2, peak: 0.5, warmupSteps: 0, decaySteps: 7 },
      { init: 0, peak: 0.25, warmupSteps: 2, decaySteps: 5, end: 0.05, exponent: 2 },
      { init: 0.5, peak: 0, warmupSteps: 1, decaySteps: 4, end: 0.3 },
    ];
    const all = range(40).concat([1000]);
    expectClose(at(sgdr(cycles), all), at(optaxSgdr(cycles), all), 1e-12);
    // Cycle boundaries 10, 17, 22: a restart at each one.
    const s = sgdr(cycles);
    expectClose(at(s, [0, 3, 9, 10, 17, 19, 22, 26, 1000]), [0, 1, optaxCosineDecay(1, 7, 0.1, 1)(6), 0.5, 0, 0.25, 0.5, 0, 0], 1e-12);
  });

  it('one cycle is warmupCosineDecay; optax\'s own test values (sgdr_schedule limits)', () => {
    const one = { init: 0.1, peak: 1, warmupSteps: 4, decaySteps: 12, end: 0.2 };
    expect(at(sgdr([one]), range(20))).toEqual(at(warmupCosineDecay(one), range(20)));
    // optax/schedules/_schedule_test.py SGDRTest.test_limits: peaks at 500, 2500, 5500.
    for (const [lr0, lr1, lr2] of [[1.6, 0.8, 0.4], [1.6, 1.6, 1.6]]) {
      const s = sgdr([2000, 3000, 5000].map((decaySteps, i) => ({ decaySteps, peak: [lr0, lr1, lr2][i], init: 0, end: 0, warmupSteps: 500 })));
      expectClose(at(s, [500, 2500, 5500]), [lr0, lr1, lr2], 1e-12);
    }
  });

  it('checks its cycles under its own name, naming the cycle', () => {
    expectBasinError(() => sgdr([]), /^sgdr: cycles must be a non-empty array of warmupCosineDecay options, got an array of length 0$/);
    expectBasinError(() => sgdr(undefined as never), /^sgdr: cycles must be a non-empty array .*got undefined$/);
    expectBasinError(() => sgdr([{ init: 0, peak: 1, warmupSteps: 1, decaySteps: 4 }, 3 as never]), /^sgdr: cycles\[1\] must be an options record such as .*got number 3$/);
    expectBasinError(() => sgdr([{ init: 0, peak: 1, warmupSteps: 1, decaySteps: 4 }, { init: 0, peak: 1, warmupSteps: 5, decaySteps: 5 }]), /^sgdr: cycles\[1\]\.decaySteps must be an integer > 5, got 5$/);
    expectBasinError(() => sgdr([{ init: 0, peak: NaN, warmupSteps: 1, decaySteps: 4 }]), /^sgdr: cycles\[0\]\.peak must be a finite number, got NaN$/);
    expectBasinError(() => sgdr([{ init: 0, peak: 1, warmupSteps: -1, decaySteps: 4 }]), /^sgdr: cycles\[0\]\.warmupSteps must be an integer >= 0, got -1$/);
    expectBasinError(() => sgdr([{ init: 0, peak: 1, warmupSteps: 1, decaySteps: 4, exponent: Infinity }]), /^sgdr: cycles\[0\]\.exponent must be a finite number, got Infinity$/);
  });
});

describe('piecewiseInterpolate', () => {
  const cases: ['linear' | 'cosine', number, Record<number, number>][] = [
    ['linear', 1, { 4: 0.1, 8: 0.01 }],
    ['cosine', 1, { 4: 0.1, 8: 0.01 }],
    ['linear', 200, { 5: 1.5, 10: 0.25 }],
    ['cosine', 400, { 5: 1.2, 3: 0.6, 7: 1 }],
    ['linear', 2, { 0: 3, 1: 0.5, 6: 0, 9: 4 }],
    ['cosine', -1, { 2: 2, 3: 0.5, 20: 10 }],
    ['linear', 13, {}],
    ['cosine', 17, {}],
  ];
  it.each(cases.map((c) => [`${c[0]} ${c[1]} ${JSON.stringify(c[2])}`, c] as const))('equals optax at every step: %s', (_, [type, init, bs]) => {
    const all = range(30).concat([100, 1e6]);
    expectClose(at(piecewiseInterpolate(type, init, bs), all), at(optaxPiecewiseInterpolate(type, init, bs), all), 1e-12);
  });

  it('gives optax\'s documented and tested values', () => {
    // The docstring example: steps 0, 2, ..., 10.
    expectClose(at(piecewiseInterpolate('linear', 1, { 4: 0.1, 8: 0.01 }), [0, 2, 4, 6, 8, 10]), [1, 0.55, 0.1, 0.0505, 0.001, 0.001], 1e-12);
    // optax/schedules/_schedule_test.py PiecewiseInterpolateTest.
    expectClose(at(piecewiseInterpolate('linear', 200, { 5: 1.5, 10: 0.25 }), range(13)), [200, 220, 240, 260, 280, 300, 255, 210, 165, 120, 75, 75, 75], 1e-12);
    expectClose(at(piecewiseInterpolate('cosine', 400, { 5: 1.2, 3: 0.6, 7: 1 }), range(9)), [400, 360, 280, 240, 264, 288, 288, 288, 288], 1e-12);
    expect(at(piecewiseInterpolate('linear', 13, {}), range(5))).toEqual([13, 13, 13, 13, 13]);
    expect(at(piecewiseInterpolate('cosine', 17), range(3))).toEqual([17, 17, 17]);
  });

  it('a boundary at 0 applies its scale from step 0 (an empty interval is never interpolated, as optax)', () => {
    expect(at(piecewiseInterpolate('linear', 2, { 0: 3, 4: 0.5 }), [0, 2, 4])).toEqual([6, 4.5, 3]);
  });

  it('checks its arguments under its own name, as optax refuses a bad type or a negative scale', () => {
    expectBasinError(() => piecewiseInterpolate('linar' as never, 13), /^piecewiseInterpolate: interpolateType must be 'linear' or 'cosine', got string linar$/);
    expectBasinError(() => piecewiseInterpolate(undefined as never, 13, {}), /^piecewiseInterpolate: interpolateType must be 'linear' or 'cosine', got undefined$/);
    expectBasinError(() => piecewiseInterpolate('linear', 13, { 5: -3 }), /^piecewiseInterpolate: scale at 5 must be a number >= 0, got -3$/);
    expectBasinError(() => piecewiseInterpolate('linear', NaN), /^piecewiseInterpolate: init must be a finite number, got NaN$/);
    expectBasinError(() => piecewiseInterpolate('cosine', 1, { [-2]: 0.5 }), /^piecewiseInterpolate: boundary -2 must be a number >= 0, got -2$/);
    expectBasinError(() => piecewiseInterpolate('cosine', 1, { 2: NaN }), /^piecewiseInterpolate: scale at 2 must be a finite number, got NaN$/);
    expectBasinError(() => piecewiseInterpolate('cosine', 1, [0.5] as never), /^piecewiseInterpolate: boundariesAndScales must be a record \{ step: scale \} such as \{ 1000: 0\.1 \}, got an array of length 1$/);
    expectBasinError(() => piecewiseInterpolate('cosine', 1, null as never), /^piecewiseInterpolate: boundariesAndScales must be a record .*got null$/);
  });
});

describe('linearOnecycle / cosineOnecycle', () => {
  const linearCases: [number, number, number?, number?, number?, number?][] = [
    [10, 1000, 0.3, 0.7, 10, 100],
    [100, 0.1],
    [37, 2, 0.25, 0.6, 5, 1e3],
    [7, 1, 0.5, 0.5],          // pctFinal = pctStart: the boundaries coincide, the later scale wins (no peak)
    [9, 1, 0.4, 1],            // pctFinal = 1: the 1 / divFactor boundary is the end, replaced by 1 / finalDivFactor
    [5, 1, 0, 0.6, 4, 8],      // pctStart 0: the peak at step 0
    [1, 3, 0.3, 0.85, 2, 2],   // one step: every boundary truncates to 0 or 1
    [20, -1, 0.15, 0.85, 3, 7],
  ];
  it.each(linearCases.map((c) => [JSON.stringify(c), c] as const))('linearOnecycle equals optax at every step: %s', (_, [T, peak, pctStart, pctFinal, divFactor, finalDivFactor]) => {
    const s = linearOnecycle({ transitionSteps: T, peak, pctStart, pctFinal, divFactor, finalDivFactor });
    const all = range(T + 6).concat([10 * T, 1e6]);
    expectClose(at(s, all), at(optaxLinearOnecycle(T, peak, pctStart, pctFinal, divFactor, finalDivFactor), all), 1e-12);
  });

  const cosineCases: [number, number, number?, number?, number?][] = [
    [5, 1000, 0.4, 10, 100],
    [100, 0.1],
    [33, 2, 0.7, 4, 50],
    [8, 1, 1, 10, 10],         // pctStart 1: both boundaries at the end, the later scale wins
    [8, 1, 0, 10, 10],         // pctStart 0: the peak at step 0
    [1, 5],
  ];
  it.each(cosineCases.map((c) => [JSON.stringify(c), c] as const))('cosineOnecycle equals optax at every step: %s', (_, [T, peak, pctStart, divFactor, finalDivFactor]) => {
    const s = cosineOnecycle({ transitionSteps: T, peak, pctStart, divFactor, finalDivFactor });
    const all = range(T + 6).concat([10 * T, 1e6]);
    expectClose(at(s, all), at(optaxCosineOnecycle(T, peak, pctStart, divFactor, finalDivFactor), all), 1e-12);
  });

  it('gives optax\'s tested values (OneCycleTest) and the defaults pctStart 0.3, pctFinal 0.85, divFactor 25, finalDivFactor 1e4', () => {
    expectClose(
      at(linearOnecycle({ transitionSteps: 10, peak: 1000, pctStart: 0.3, pctFinal: 0.7, divFactor: 10, finalDivFactor: 100 }), range(12)),
      [100, 400, 700, 1000, 775, 550, 325, 100, 67, 34, 1, 1],
      1e-12,
    );
    expectClose(at(cosineOnecycle({ transitionSteps: 5, peak: 1000, pctStart: 0.4, divFactor: 10, finalDivFactor: 100 }), range(7)), [100, 550, 1000, 750.25, 250.75, 1, 1], 1e-12);
    // Defaults, T = 100: 0.1 / 25 at 0, 0.1 at 30, 0.004 at 85, 0.004 / 1e4 at 100.
    const lin = linearOnecycle({ transitionSteps: 100, peak: 0.1 });
    expectClose(at(lin, [0, 30, 85, 100, 200]), [0.004, 0.1, 0.004, 4e-7, 4e-7], 1e-12);
    const cos = cosineOnecycle({ transitionSteps: 100, peak: 0.1 });
    expectClose(at(cos, [0, 30, 100, 200]), [0.004, 0.1, 4e-7, 4e-7], 1e-12);
  });

  it('coinciding boundaries keep the later scale, as optax\'s dict does', () => {
    // T 10, pctStart = pctFinal = 0.5: {5: 1 / div, 10: 1 / fdf}: down from 0.1 to 0.01, then to 1e-5.
    const s = linearOnecycle({ transitionSteps: 10, peak: 1, pctStart: 0.5, pctFinal: 0.5, divFactor: 10, finalDivFactor: 1000 });
    expectClose(at(s, [0, 5, 10]), [0.1, 0.01, 1e-5], 1e-12);
    // pctFinal 1: {5: div, 10: 1 / fdf}: up to the peak 1, then down to 1e-3.
    const end = linearOnecycle({ transitionSteps: 10, peak: 1, pctStart: 0.5, pctFinal: 1, divFactor: 10, finalDivFactor: 1000 });
    expectClose(at(end, [0, 5, 10]), [0.1, 1, 1e-3], 1e-12);
    // cosineOnecycle with pctStart 1: {10: 1 / (div * fdf)}: one cosine from 0.1 to 1e-5.
    const cos = cosineOnecycle({ transitionSteps: 10, peak: 1, pctStart: 1, divFactor: 10, finalDivFactor: 1000 });
    expectClose(at(cos, [0, 5, 10]), [0.1, (0.1 + 1e-5) / 2, 1e-5], 1e-12);
  });

  it('checks its options under its own name; transitionSteps <= 0 is refused as optax raises', () => {
    expectBasinError(() => linearOnecycle({ transitionSteps: 0, peak: 5 }), /^linearOnecycle: transitionSteps must be an integer > 0, got 0$/);
    expectBasinError(() => cosineOnecycle({ transitionSteps: 0, peak: 5 }), /^cosineOnecycle: transitionSteps must be an integer > 0, got 0$/);
    expectBasinError(() => cosineOnecycle({ transitionSteps: 2.5, peak: 5 }), /^cosineOnecycle: transitionSteps must be an integer > 0, got 2.5$/);
    expectBasinError(() => linearOnecycle(undefined as never), /^linearOnecycle: options must be an options record such as \{ transitionSteps: 1000, peak: 0\.1 \}, got undefined$/);
    expectBasinError(() => cosineOnecycle('fast' as never), /^cosineOnecycle: options must be an options record .*got string fast$/);
    expectBasinError(() => linearOnecycle({ transitionSteps: 10, peak: NaN }), /^linearOnecycle: peak must be a finite number, got NaN$/);
    expectBasinError(() => linearOnecycle({ transitionSteps: 10, peak: 1, pctStart: 1.5 }), /^linearOnecycle: pctStart must be a number >= 0 and <= 1, got 1.5$/);
    expectBasinError(() => linearOnecycle({ transitionSteps: 10, peak: 1, pctStart: 0.5, pctFinal: 0.4 }), /^linearOnecycle: pctFinal must be a number >= 0.5 and <= 1, got 0.4$/);
    expectBasinError(() => linearOnecycle({ transitionSteps: 10, peak: 1, divFactor: 0 }), /^linearOnecycle: divFactor must be a number > 0, got 0$/);
    expectBasinError(() => cosineOnecycle({ transitionSteps: 10, peak: 1, finalDivFactor: -1 }), /^cosineOnecycle: finalDivFactor must be a number > 0, got -1$/);
    expectBasinError(() => cosineOnecycle({ transitionSteps: 10, peak: 1, pctStart: -0.1 }), /^cosineOnecycle: pctStart must be a number >= 0 and <= 1, got -0.1$/);
  });
});
