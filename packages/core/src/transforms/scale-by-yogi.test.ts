import { tf, expectClose } from '@basin/testing';
import { scaleByYogi, ScaleByYogiOptions } from './scale-by-yogi';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from './clip';
import { treeDispose } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';
import { clipByGlobalNorm64, expectKeyOrderIndependent } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(700);

/**
 * optax's `scale_by_yogi` (optax/_src/transform.py) in float64: both moments start at
 * initialAccumulatorValue, `nu -= (1-b2) sign(nu - g^2) g^2`, both bias-corrected.
 */
function yogiReference(gv: Record<string, number[]>[], o: ScaleByYogiOptions = {}) {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-3, epsRoot = 0, initialAccumulatorValue = 1e-6 } = o;
  return elementwiseReference(gv, () => ({ m: initialAccumulatorValue, v: initialAccumulatorValue }), (g, s, t) => {
    s.m = b1 * s.m + (1 - b1) * g;
    s.v = s.v - (1 - b2) * Math.sign(s.v - g * g) * g * g;
    return s.m / (1 - b1 ** t) / (Math.sqrt(s.v / (1 - b2 ** t) + epsRoot) + eps);
  });
}

describe('scaleByYogi', () => {
  it.each<[string, ScaleByYogiOptions]>([
    ['defaults', {}],
    ['custom betas and eps', { b1: 0.5, b2: 0.9, eps: 1e-6 }],
    ['epsRoot and a larger initial value', { epsRoot: 1e-4, initialAccumulatorValue: 0.3 }],
  ])('matches a float64 reference over 8 steps (tolerance 1e-5): %s', (_, options) => {
    const params = makeTree(1);
    expectTreesClose(runTransform(scaleByYogi(options), params, grads, 8), yogiReference(gradValues(8), options), 1e-5);
    treeDispose(params);
  });

  it('starts both moments at initialAccumulatorValue and moves nu additively', () => {
    const t = scaleByYogi({ b2: 0.5, initialAccumulatorValue: 1 });
    const g = { a: tf.tensor1d([2, 0.5]) };
    const s0 = t.init(g);
    expect(leafValues(s0.mu)).toEqual({ a: [1, 1] });
    const [u, s] = t.update(g, s0);
    // g^2 = 4 > nu: nu + 0.5 * 4 = 3; g^2 = 0.25 < nu: nu - 0.5 * 0.25 = 0.875.
    expectClose(leafValues(s.nu).a, [3, 0.875], 1e-6);
    treeDispose([g, u, s0, s]);
  });

  it('works inside chain(clipByGlobalNorm(1), ...): the float64 reference on clipped gradients', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByGlobalNorm(1), scaleByYogi()), params, grads, 5);
    expectTreesClose(out, yogiReference(clipByGlobalNorm64(gradValues(5), 1)), 1e-5);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => scaleByYogi({ b2: 0.9 }));
  });

  it('refuses invalid options, naming the option', () => {
    expectBasinError(() => scaleByYogi({ b1: 1 }), /^scaleByYogi: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => scaleByYogi({ b2: 2 }), /^scaleByYogi: b2 must be a number >= 0 and < 1, got 2$/);
    expectBasinError(() => scaleByYogi({ eps: -1 }), /^scaleByYogi: eps must be a number >= 0, got -1$/);
    expectBasinError(() => scaleByYogi({ epsRoot: NaN }), /^scaleByYogi: epsRoot must be a finite number, got NaN$/);
    expectBasinError(() => scaleByYogi({ initialAccumulatorValue: -1e-6 }), /^scaleByYogi: initialAccumulatorValue must be a number >= 0, got -0.000001$/);
  });
});

describeContract('scaleByYogi', { make: () => scaleByYogi(), perLeafState: true });
