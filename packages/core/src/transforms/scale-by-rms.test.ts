import { tf, expectClose } from '@basin/testing';
import { scaleByRms, ScaleByRmsOptions } from './scale-by-rms';
import { describeContract, elementwiseReference, expectTreesClose, leafValues, makeTree, runTransform, gradientSequence } from '../../test-helpers';
import { treeDispose } from '../tree';

const { grads, gradValues } = gradientSequence(300);

/** optax's scale_by_rms / scale_by_stddev in float64. */
function rmsReference(n: number, o: ScaleByRmsOptions = {}) {
  const { decay = 0.9, eps = 1e-8, initialScale = 0, epsInSqrt = true, biasCorrection = false, centered = false } = o;
  return elementwiseReference(gradValues(n), () => ({ nu: initialScale, mu: 0 }), (g, s, t) => {
    s.nu = decay * s.nu + (1 - decay) * g * g;
    s.mu = decay * s.mu + (1 - decay) * g;
    const c = biasCorrection ? 1 - decay ** t : 1;
    const variance = s.nu / c - (centered ? (s.mu / c) ** 2 : 0);
    return epsInSqrt ? g / Math.sqrt(variance + eps) : g / (Math.sqrt(variance) + eps);
  });
}

describe('scaleByRms', () => {
  it('first step with defaults is g / sqrt(0.1 g^2 + eps)', () => {
    const g = { a: tf.tensor1d([1, -3]) };
    const t = scaleByRms();
    const [u, s] = t.update(g, t.init(g));
    expectClose(leafValues(u).a, [1 / Math.sqrt(0.1 + 1e-8), -3 / Math.sqrt(0.9 + 1e-8)], 1e-5);
    expect(s.count).toBe(1);
    expect(s.mu).toBeUndefined();
    treeDispose([g, u, s]);
  });

  it.each<[string, ScaleByRmsOptions]>([
    ['defaults', {}],
    ['decay and eps', { decay: 0.5, eps: 1e-3 }],
    ['eps outside the root', { epsInSqrt: false, eps: 1e-4 }],
    ['bias correction', { biasCorrection: true }],
    ['initial scale 1 (TF1/Keras)', { initialScale: 1 }],
    ['centered', { centered: true, eps: 1e-4 }],
    // Centered and bias-corrected, the first variance is exactly 0 (g^2 - g^2): eps in the root keeps it stable.
    ['centered, bias-corrected', { centered: true, biasCorrection: true, eps: 1e-2, decay: 0.8 }],
    ['centered, eps outside the root', { centered: true, epsInSqrt: false, eps: 1e-3, decay: 0.8 }],
  ])('matches a float64 reference over 6 steps: %s', (_, options) => {
    const params = makeTree(1);
    const out = runTransform(scaleByRms(options), params, grads, 6);
    expectTreesClose(out, rmsReference(6, options), 1e-5);
    treeDispose(params);
  });

  it('centered state carries the mean gradient', () => {
    const g = { a: tf.tensor1d([2]) };
    const t = scaleByRms({ centered: true, initialScale: 0.5 });
    const s0 = t.init(g);
    expect(leafValues(s0.nu)).toEqual({ a: [0.5] });
    const [u, s] = t.update(g, s0);
    expectClose(leafValues(s.mu!).a, [0.2], 1e-6);
    expectClose(leafValues(s.nu).a, [0.45 + 0.4], 1e-6);
    treeDispose([g, u, s0, s]);
  });

  it('rejects invalid hyperparameters, naming them', () => {
    expect(() => scaleByRms({ decay: 1 })).toThrow(/scaleByRms: decay must be a number >= 0 and < 1, got 1/);
    expect(() => scaleByRms({ eps: -1 })).toThrow(/scaleByRms: eps/);
    expect(() => scaleByRms({ initialScale: -1 })).toThrow(/scaleByRms: initialScale must be a number >= 0/);
  });
});

describeContract('scaleByRms', { make: () => scaleByRms(), perLeafState: true });
describeContract('scaleByRms (centered)', { make: () => scaleByRms({ centered: true, biasCorrection: true }), perLeafState: true });
