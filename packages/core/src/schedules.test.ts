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

// Expected values are optax's formulas (optax/_src/schedule.py) evaluated by hand in float64.
const at = (s: Schedule, steps: number[]) => steps.map(s);

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

  it('zero transition steps gives the initial value (as optax)', () => {
    expect(at(polynomialSchedule({ init: 0.5, end: 0, power: 1, transitionSteps: 0 }), [0, 10])).toEqual([0.5, 0.5]);
  });

  it('checks its options', () => {
    expect(() => polynomialSchedule({ init: 1, end: 0, power: 1, transitionSteps: 2.5 })).toThrow(/polynomialSchedule: transitionSteps must be an integer >= 0, got 2.5/);
    expect(() => polynomialSchedule({ init: 1, end: NaN, power: 1, transitionSteps: 2 })).toThrow(/polynomialSchedule: end/);
    expect(() => linearSchedule({ init: 1, end: 0, transitionSteps: 2, transitionBegin: -1 })).toThrow(/transitionBegin must be an integer >= 0/);
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

  it('checks its options', () => {
    expect(() => exponentialDecay({ init: 1, transitionSteps: 0, decayRate: 0.5 })).toThrow(/exponentialDecay: transitionSteps must be a number > 0/);
    expect(() => exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 0 })).toThrow(/exponentialDecay: decayRate must be a number > 0/);
    expect(() => exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 0.5, endValue: NaN })).toThrow(/exponentialDecay: endValue/);
  });
});

describe('cosineDecay', () => {
  it('init * ((1 - alpha) * (0.5 (1 + cos(pi t / T)))^exponent + alpha), t = min(step, T)', () => {
    const s = cosineDecay({ init: 2, decaySteps: 8, alpha: 0.1, exponent: 2 });
    const f = (t: number) => 2 * (0.9 * (0.5 * (1 + Math.cos((Math.PI * t) / 8))) ** 2 + 0.1);
    expectClose(at(s, [0, 2, 4, 8, 20]), [2, f(2), 2 * (0.9 * 0.25 + 0.1), 0.2, 0.2], 1e-12);
    expectClose(at(cosineDecay({ init: 1, decaySteps: 4 }), [0, 1, 2, 4]), [1, 0.5 * (1 + Math.SQRT1_2), 0.5, 0], 1e-12);
  });

  it('checks its options', () => {
    expect(() => cosineDecay({ init: 1, decaySteps: 0 })).toThrow(/cosineDecay: decaySteps must be an integer > 0, got 0/);
  });
});

describe('warmupCosineDecay', () => {
  it('linear warmup from init to peak, then cosine decay from peak to end', () => {
    const s = warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 4, decaySteps: 12, end: 0.1 });
    // warmup: k / 4 ; then cosineDecay(peak 1, 8 steps, alpha 0.1) at k - 4.
    const cos = (t: number) => 0.9 * 0.5 * (1 + Math.cos((Math.PI * Math.min(t, 8)) / 8)) + 0.1;
    expectClose(at(s, [0, 1, 3, 4, 6, 8, 12, 50]), [0, 0.25, 0.75, 1, cos(2), cos(4), 0.1, 0.1], 1e-12);
  });

  it('checks its options', () => {
    expect(() => warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 5, decaySteps: 5 })).toThrow(/warmupCosineDecay: decaySteps must be an integer > 5, got 5/);
    expect(() => warmupCosineDecay({ init: 0, peak: 0, warmupSteps: 1, decaySteps: 5 })).toThrow(/warmupCosineDecay: peak must be non-zero/);
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
  });
});
