import { tf, expectClose } from '@basin/testing';
import { scaleByLearningRate, scaleBySchedule } from './scale-by-schedule';
import { cosineDecay, piecewiseConstant } from '../schedules';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, expectIntact, runTransform, snapshot } from '../../test-helpers';

const ones = () => ({ a: tf.ones([2]) });

describe('scaleBySchedule', () => {
  it('multiplies the k-th update (k from 0) by schedule(k) and counts steps', () => {
    const t = scaleBySchedule((k) => 0.5 + k);
    const params = ones();
    const out = runTransform(t, params, () => ones(), 4, { withParams: false });
    expect(out.map((o) => o.a[0])).toEqual([0.5, 1.5, 2.5, 3.5]);
    const [, s] = t.update(params, t.init(params));
    expect(s).toEqual({ count: 1 });
    treeDispose(params);
  });

  it('accepts a constant', () => {
    const t = scaleBySchedule(2);
    const out = runTransform(t, ones(), () => ones(), 2, { withParams: false });
    expect(out.map((o) => o.a)).toEqual([[2, 2], [2, 2]]);
  });

  it('rejects a non-finite constant at construction and a bad schedule value at its step; state unchanged', () => {
    expect(() => scaleBySchedule(NaN)).toThrow(/scaleBySchedule: schedule must be a finite number, got NaN/);
    const t = scaleBySchedule((k) => (k === 2 ? Infinity : 1));
    const g = ones();
    let state = t.init(g);
    for (let k = 0; k < 2; k++) {
      const [u, s] = t.update(g, state);
      treeDispose(u);
      state = s;
    }
    const snap = snapshot(g);
    expectBasinError(() => t.update(g, state), /scaleBySchedule: schedule \(schedule at step 2\) must be a finite number, got Infinity/);
    expect(state).toEqual({ count: 2 });
    expectIntact(snap);
    treeDispose(g);
  });
});

describe('scaleByLearningRate', () => {
  it('multiplies by -learningRate, or +learningRate without flipSign', () => {
    const down = runTransform(scaleByLearningRate(0.1), ones(), () => ones(), 1, { withParams: false });
    const up = runTransform(scaleByLearningRate(0.1, { flipSign: false }), ones(), () => ones(), 1, { withParams: false });
    expectClose(down[0].a, [-0.1, -0.1], 1e-7);
    expectClose(up[0].a, [0.1, 0.1], 1e-7);
  });

  it('follows a learning-rate schedule of the step count', () => {
    const schedule = cosineDecay({ init: 0.2, decaySteps: 4 });
    const out = runTransform(scaleByLearningRate(schedule), ones(), () => ones(), 6, { withParams: false });
    // Hand-computed: -0.2 * 0.5 * (1 + cos(pi * min(k, 4) / 4)).
    const expected = [0, 1, 2, 3, 4, 5].map((k) => -0.2 * 0.5 * (1 + Math.cos((Math.PI * Math.min(k, 4)) / 4)));
    expectClose(out.map((o) => o.a[0]), expected, 1e-6);
    const steps = runTransform(scaleByLearningRate(piecewiseConstant(1, { 2: 0.1 })), ones(), () => ones(), 4, { withParams: false });
    expectClose(steps.map((o) => o.a[0]), [-1, -1, -0.1, -0.1], 1e-7);
  });

  it('names learningRate in its errors', () => {
    expect(() => scaleByLearningRate(Infinity)).toThrow(/scaleByLearningRate: learningRate must be a finite number/);
    const t = scaleByLearningRate(() => NaN);
    const g = ones();
    expectBasinError(() => t.update(g, t.init(g)), /scaleByLearningRate: learningRate \(schedule at step 0\)/);
    treeDispose(g);
  });
});

describeContract('scaleBySchedule', { make: () => scaleBySchedule((k) => 1 / (k + 1)), withParams: false });
describeContract('scaleByLearningRate', { make: () => scaleByLearningRate(0.1) });
