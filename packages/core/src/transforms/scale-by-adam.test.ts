import { tf, expectClose } from '@basin/testing';
import { scaleByAdam, ScaleByAdamOptions } from './scale-by-adam';
import { describeContract, elementwiseReference, expectTreesClose, leafValues, makeTree, runTransform, gradientSequence } from '../../test-helpers';
import { treeDispose } from '../tree';

const { grads, gradValues } = gradientSequence(200);

/** Kingma & Ba (2015) Algorithm 1 in float64, with optax's epsRoot and NAdam (nesterov) forms. */
function adamReference(n: number, { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, nesterov = false }: ScaleByAdamOptions = {}) {
  return elementwiseReference(gradValues(n), () => ({ m: 0, v: 0 }), (g, s, t) => {
    s.m = b1 * s.m + (1 - b1) * g;
    s.v = b2 * s.v + (1 - b2) * g * g;
    const mHat = nesterov ? (b1 * s.m) / (1 - b1 ** (t + 1)) + ((1 - b1) * g) / (1 - b1 ** t) : s.m / (1 - b1 ** t);
    const vHat = s.v / (1 - b2 ** t);
    return mHat / (Math.sqrt(vHat + epsRoot) + eps);
  });
}

describe('scaleByAdam', () => {
  it('bias correction makes the first update g / (|g| + eps), i.e. sign(g)', () => {
    const g = { a: tf.tensor1d([0.3, -2, 1e-3]) };
    const t = scaleByAdam();
    const [u, s] = t.update(g, t.init(g));
    expectClose(leafValues(u).a, [1, -1, 1e-3 / (1e-3 + 1e-8)], 1e-6);
    expect(s.count).toBe(1);
    treeDispose([g, u, s]);
  });

  it.each<[string, ScaleByAdamOptions]>([
    ['defaults', {}],
    ['custom betas and eps', { b1: 0.5, b2: 0.9, eps: 1e-3 }],
    ['epsRoot', { epsRoot: 1e-2 }],
    ['nesterov (NAdam)', { nesterov: true }],
    ['nesterov with custom betas', { nesterov: true, b1: 0.7, b2: 0.95 }],
  ])('matches a float64 reference over 6 steps: %s', (_, options) => {
    const params = makeTree(1);
    const out = runTransform(scaleByAdam(options), params, grads, 6);
    expectTreesClose(out, adamReference(6, options), 1e-5);
    treeDispose(params);
  });

  it('keeps its moments in the state: mu and nu after one step', () => {
    const g = { a: tf.tensor1d([2, -1]) };
    const t = scaleByAdam({ b1: 0.9, b2: 0.99 });
    const s0 = t.init(g);
    expect(leafValues(s0.mu)).toEqual({ a: [0, 0] });
    const [u, s] = t.update(g, s0);
    expectClose(leafValues(s.mu).a, [0.2, -0.1], 1e-6);
    expectClose(leafValues(s.nu).a, [0.04, 0.01], 1e-6);
    treeDispose([g, u, s0, s]);
  });

  it('rejects invalid hyperparameters, naming them', () => {
    expect(() => scaleByAdam({ b1: 1 })).toThrow(/scaleByAdam: b1 must be a number >= 0 and < 1, got 1/);
    expect(() => scaleByAdam({ b2: -0.1 })).toThrow(/scaleByAdam: b2/);
    expect(() => scaleByAdam({ eps: -1 })).toThrow(/scaleByAdam: eps must be a number >= 0/);
    expect(() => scaleByAdam({ epsRoot: NaN })).toThrow(/scaleByAdam: epsRoot must be a finite number/);
  });
});

describeContract('scaleByAdam', { make: () => scaleByAdam(), perLeafState: true });
describeContract('scaleByAdam (nesterov)', { make: () => scaleByAdam({ nesterov: true }), perLeafState: true });
