import { tf, expectClose } from '@basin/testing';
import { scaleByBelief, ScaleByBeliefOptions } from './scale-by-belief';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from './clip';
import { treeDispose } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';
import { clipByGlobalNorm64, expectKeyOrderIndependent } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(600);

/**
 * optax's `scale_by_belief` (optax/_src/transform.py) in float64: `s` averages the squared
 * prediction error `(g - mu)^2` and carries epsRoot; Nesterov's first moment as in NAdam.
 */
function beliefReference(gv: Record<string, number[]>[], o: ScaleByBeliefOptions = {}) {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-16, epsRoot = 1e-16, nesterov = false } = o;
  return elementwiseReference(gv, () => ({ m: 0, s: 0 }), (g, st, t) => {
    st.m = b1 * st.m + (1 - b1) * g;
    st.s = b2 * st.s + (1 - b2) * (g - st.m) ** 2 + epsRoot;
    const mHat = nesterov ? (b1 * st.m) / (1 - b1 ** (t + 1)) + ((1 - b1) * g) / (1 - b1 ** t) : st.m / (1 - b1 ** t);
    return mHat / (Math.sqrt(st.s / (1 - b2 ** t)) + eps);
  });
}

describe('scaleByBelief', () => {
  it.each<[string, ScaleByBeliefOptions]>([
    ['defaults', {}],
    ['the paper\'s eps (1e-8, epsRoot 0)', { eps: 1e-8, epsRoot: 0 }],
    ['custom betas', { b1: 0.5, b2: 0.9 }],
    ['nesterov', { nesterov: true }],
  ])('matches a float64 reference over 8 steps (tolerance 1e-5): %s', (_, options) => {
    const params = makeTree(1);
    expectTreesClose(runTransform(scaleByBelief(options), params, grads, 8), beliefReference(gradValues(8), options), 1e-5);
    treeDispose(params);
  });

  it('keeps the prediction error, epsRoot included, in nu', () => {
    const t = scaleByBelief({ b1: 0.5, b2: 0.5, epsRoot: 0.01 });
    const g = { a: tf.tensor1d([2, -1]) };
    const s0 = t.init(g);
    const [u, s] = t.update(g, s0);
    // mu = 0.5 g; nu = 0.5 (g - mu)^2 + 0.01 = 0.125 g^2 + 0.01.
    expectClose(leafValues(s.mu).a, [1, -0.5], 1e-6);
    expectClose(leafValues(s.nu).a, [0.51, 0.135], 1e-6);
    treeDispose([g, u, s0, s]);
  });

  it('works inside chain(clipByGlobalNorm(1), ...): the float64 reference on clipped gradients', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByGlobalNorm(1), scaleByBelief()), params, grads, 5);
    expectTreesClose(out, beliefReference(clipByGlobalNorm64(gradValues(5), 1)), 1e-5);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => scaleByBelief({ nesterov: true }));
  });

  it('refuses invalid options, naming the option', () => {
    expectBasinError(() => scaleByBelief({ b1: 1.5 }), /^scaleByBelief: b1 must be a number >= 0 and < 1, got 1.5$/);
    expectBasinError(() => scaleByBelief({ b2: 1 }), /^scaleByBelief: b2 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => scaleByBelief({ eps: -1 }), /^scaleByBelief: eps must be a number >= 0, got -1$/);
    expectBasinError(() => scaleByBelief({ epsRoot: Infinity }), /^scaleByBelief: epsRoot must be a finite number, got Infinity$/);
    expectBasinError(() => scaleByBelief({ nesterov: 1 as never }), /^scaleByBelief: nesterov must be true or false, got number 1$/);
  });
});

describeContract('scaleByBelief', { make: () => scaleByBelief(), perLeafState: true });
describeContract('scaleByBelief (nesterov)', { make: () => scaleByBelief({ nesterov: true }), perLeafState: true });
