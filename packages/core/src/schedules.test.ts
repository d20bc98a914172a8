import { expectClose } from '@basin/testing';
import {
  constantSchedule,
  cosineDecay,
  exponentialDecay,
  joinSchedules,
  linearSchedule,
  piecewiseConstant,
  polynomialSchedule,
  warmupCosineDecay,
} from './schedules';
import type { Schedule } from './schedule-types';
import { expectBasinError } from './test-utils';

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
