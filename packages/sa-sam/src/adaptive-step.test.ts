import { adaptiveStep, checkAdaptiveStepOptions } from './adaptive-step';

const paper = checkAdaptiveStepOptions('test', {});

describe('adaptiveStep', () => {
  it('takes the local estimate ||dw|| / (2 ||dg||) when it is below the growth cap', () => {
    // cap: sqrt(1 + 1) * 0.1 = 0.1414; local: 0.3 / (2 * 2) = 0.075.
    const r = adaptiveStep({ eta: 0.1, theta: 1 }, 0.3, 2, paper);
    expect(r.eta).toBeCloseTo(0.075, 12);
    expect(r.theta).toBeCloseTo(0.75, 12);
  });

  it('takes the growth cap sqrt(1 + theta) eta when the local estimate is larger', () => {
    const r = adaptiveStep({ eta: 0.1, theta: 0.5 }, 10, 1, paper);
    expect(r.eta).toBeCloseTo(Math.sqrt(1.5) * 0.1, 12);
    expect(r.theta).toBeCloseTo(Math.sqrt(1.5), 12);
  });

  it('theta_0 = Infinity puts no cap on the first adaptive step', () => {
    expect(adaptiveStep({ eta: 0.1, theta: Infinity }, 100, 1, paper).eta).toBeCloseTo(50, 10);
  });

  it('a zero gradient difference keeps the cap, or the previous step when the cap is infinite', () => {
    expect(adaptiveStep({ eta: 0.1, theta: 3 }, 1, 0, paper).eta).toBeCloseTo(0.2, 12);
    const r = adaptiveStep({ eta: 0.1, theta: Infinity }, 0, 0, paper);
    expect(r).toEqual({ eta: 0.1, theta: 1 });
  });

  it("the authors' code variant: no factor 2, growth sqrt(1 + 0.02 theta), eps in the denominator", () => {
    const code = checkAdaptiveStepOptions('test', { curvatureFactor: 1, growthRate: 0.02, initialTheta: 1, eps: 1e-3 });
    expect(code.initialTheta).toBe(1);
    expect(adaptiveStep({ eta: 0.1, theta: 1 }, 0.3, 2, code).eta).toBeCloseTo(Math.min(0.3 / (2 + 1e-3), Math.sqrt(1.02) * 0.1), 12);
    expect(adaptiveStep({ eta: 0.1, theta: 1 }, 0.3, 0, code).eta).toBeCloseTo(Math.sqrt(1.02) * 0.1, 12);
  });

  it('validates its options', () => {
    expect(() => checkAdaptiveStepOptions('saSam', { curvatureFactor: 0 })).toThrow(/saSam: curvatureFactor must be a number > 0/);
    expect(() => checkAdaptiveStepOptions('saSam', { growthRate: -1 })).toThrow(/saSam: growthRate/);
    expect(() => checkAdaptiveStepOptions('saSam', { initialTheta: NaN })).toThrow(/saSam: initialTheta must be a finite number/);
    expect(() => adaptiveStep({ eta: 0.1, theta: 1 }, NaN, 1, paper)).toThrow(/must be finite/);
  });
});
