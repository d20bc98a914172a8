import { tf, expectClose } from '@basin/testing';
import { scaleByAmsgrad, ScaleByAmsgradOptions } from './scale-by-amsgrad';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from './clip';
import { treeDispose } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';
import { clipByGlobalNorm64, expectKeyOrderIndependent } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(500);

/**
 * optax's `scale_by_amsgrad` (optax/_src/transform.py) in float64: Adam's moments, and the
 * running maximum of the (optionally bias-corrected) second moment in the denominator.
 */
function amsgradReference(gv: Record<string, number[]>[], o: ScaleByAmsgradOptions = {}) {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, biasCorrectionMu = true, biasCorrectionNu = true } = o;
  return elementwiseReference(gv, () => ({ m: 0, v: 0, vMax: 0 }), (g, s, t) => {
    s.m = b1 * s.m + (1 - b1) * g;
    s.v = b2 * s.v + (1 - b2) * g * g;
    const mHat = biasCorrectionMu ? s.m / (1 - b1 ** t) : s.m;
    s.vMax = Math.max(s.vMax, biasCorrectionNu ? s.v / (1 - b2 ** t) : s.v);
    return mHat / (Math.sqrt(s.vMax + epsRoot) + eps);
  });
}

describe('scaleByAmsgrad', () => {
  it.each<[string, ScaleByAmsgradOptions]>([
    ['defaults', {}],
    ['custom betas and eps', { b1: 0.5, b2: 0.9, eps: 1e-3 }],
    ['epsRoot', { epsRoot: 1e-2 }],
    ['no bias correction (the paper)', { biasCorrectionMu: false, biasCorrectionNu: false }],
  ])('matches a float64 reference over 8 steps (tolerance 1e-5): %s', (_, options) => {
    const params = makeTree(1);
    expectTreesClose(runTransform(scaleByAmsgrad(options), params, grads, 8), amsgradReference(gradValues(8), options), 1e-5);
    treeDispose(params);
  });

  it('keeps the maximum: a large gradient followed by small ones keeps the denominator', () => {
    const t = scaleByAmsgrad({ b1: 0, b2: 0.5 });
    const g1 = { a: tf.tensor1d([2]) };
    const s0 = t.init(g1);
    const [u1, s1] = t.update(g1, s0);
    const g2 = { a: tf.tensor1d([0.1]) };
    const [u2, s2] = t.update(g2, s1);
    // nu_hat after step 2 = (0.25 * 4 + 0.5 * 0.01) / 0.75 < 4 = nuMax, so the update is 0.1 / 2.
    expectClose(leafValues(s2.nuMax).a, [4], 1e-6);
    expectClose(leafValues(u2).a, [0.05], 1e-6);
    treeDispose([g1, g2, u1, u2, s0, s1, s2]);
  });

  it('works inside chain(clipByGlobalNorm(1), ...): the float64 reference on clipped gradients', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByGlobalNorm(1), scaleByAmsgrad()), params, grads, 5);
    expectTreesClose(out, amsgradReference(clipByGlobalNorm64(gradValues(5), 1)), 1e-5);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => scaleByAmsgrad({ b2: 0.9 }));
  });

  it('refuses invalid options, naming the option', () => {
    expectBasinError(() => scaleByAmsgrad({ b1: 1 }), /^scaleByAmsgrad: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => scaleByAmsgrad({ b2: -0.1 }), /^scaleByAmsgrad: b2 must be a number >= 0 and < 1, got -0.1$/);
    expectBasinError(() => scaleByAmsgrad({ eps: -1 }), /^scaleByAmsgrad: eps must be a number >= 0, got -1$/);
    expectBasinError(() => scaleByAmsgrad({ epsRoot: NaN }), /^scaleByAmsgrad: epsRoot must be a finite number, got NaN$/);
    expectBasinError(() => scaleByAmsgrad({ biasCorrectionMu: 'no' as never }), /^scaleByAmsgrad: biasCorrectionMu must be true or false, got string no$/);
  });
});

describeContract('scaleByAmsgrad', { make: () => scaleByAmsgrad(), perLeafState: true });
