import { tf, expectClose } from '@basin/testing';
import { scaleByTrustRatio, ScaleByTrustRatioOptions } from './scale-by-trust-ratio';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from './clip';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';
import { clipByGlobalNorm64, expectKeyOrderIndependent } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(400);

/**
 * optax's `scale_by_trust_ratio` (optax/_src/transform.py) in float64, per leaf:
 * `u * tc * max(||p||, minNorm) / (max(||u||, minNorm) + eps)`, or `u` where either norm is 0.
 */
function trustRatioReference(params: Record<string, number[]>, updates: Record<string, number[]>[], o: ScaleByTrustRatioOptions = {}) {
  const { minNorm = 0, trustCoefficient = 1, eps = 0 } = o;
  const norm = (x: number[]) => Math.max(Math.sqrt(x.reduce((s, v) => s + v * v, 0)), minNorm);
  return updates.map((tree) =>
    Object.fromEntries(
      Object.entries(tree).map(([path, u]) => {
        const [pn, un] = [norm(params[path]), norm(u)];
        const ratio = pn === 0 || un === 0 ? 1 : (trustCoefficient * pn) / (un + eps);
        return [path, u.map((x) => x * ratio)];
      }),
    ),
  );
}

describe('scaleByTrustRatio', () => {
  it.each<[string, ScaleByTrustRatioOptions]>([
    ['defaults', {}],
    ['LARS trust coefficient and eps', { trustCoefficient: 0.001, eps: 1e-3 }],
    ['a minimum norm above some leaf norms', { minNorm: 0.9 }],
  ])('matches a float64 reference over 3 steps (tolerance 1e-6): %s', (_, options) => {
    const params = makeTree(1);
    const out = runTransform(scaleByTrustRatio(options), params, grads, 3);
    expectTreesClose(out, trustRatioReference(leafValues(params), gradValues(3), options), 1e-6);
    treeDispose(params);
  });

  it('passes an update through where the param or the update norm is zero (no minNorm)', () => {
    const params = { a: tf.zeros([2]), b: tf.tensor1d([3, 4]) };
    const g = { a: tf.tensor1d([1, 2]), b: tf.zeros([2]) };
    const t = scaleByTrustRatio({ trustCoefficient: 0.5 });
    const [u] = t.update(g, t.init(params), params);
    expect(leafValues(u)).toEqual({ a: [1, 2], b: [0, 0] });
    // With a floor, a zero param norm becomes minNorm: ratio 0.5 * 2 / ||(1, 2)||.
    const floored = scaleByTrustRatio({ trustCoefficient: 0.5, minNorm: 2 });
    const [v] = floored.update(g, floored.init(params), params);
    expectClose(leafValues(v).a, [1 / Math.sqrt(5), 2 / Math.sqrt(5)], 1e-6);
    treeDispose([params, g, u, v]);
  });

  it('works after chain(clipByGlobalNorm(1), ...): the ratio of the clipped updates', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByGlobalNorm(1), scaleByTrustRatio({ trustCoefficient: 0.01 })), params, grads, 2);
    expectTreesClose(out, trustRatioReference(leafValues(params), clipByGlobalNorm64(gradValues(2), 1), { trustCoefficient: 0.01 }), 1e-6);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => scaleByTrustRatio({ trustCoefficient: 0.001, eps: 1e-4 }));
  });

  it('refuses invalid options, naming the option', () => {
    expectBasinError(() => scaleByTrustRatio({ minNorm: -1 }), /^scaleByTrustRatio: minNorm must be a number >= 0, got -1$/);
    expectBasinError(() => scaleByTrustRatio({ trustCoefficient: NaN }), /^scaleByTrustRatio: trustCoefficient must be a finite number, got NaN$/);
    expectBasinError(() => scaleByTrustRatio({ eps: -1e-3 }), /^scaleByTrustRatio: eps must be a number >= 0, got -0.001$/);
    expectBasinError(() => scaleByTrustRatio(null as never), /^scaleByTrustRatio: options must be an options record/);
  });
});

describeContract('scaleByTrustRatio', { make: () => scaleByTrustRatio({ trustCoefficient: 0.001 }), readsParams: true });
