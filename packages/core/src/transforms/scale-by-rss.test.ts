import { tf, expectClose } from '@basin/testing';
import { scaleByRss, ScaleByRssOptions } from './scale-by-rss';
import { clipByGlobalNorm } from './clip';
import { chain } from '../combinators/chain';
import { isTensor, Tree, treeDispose, treeMap } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(300);

/** Duchi et al. (2011) diagonal Adagrad in float64: s = s0 + sum g^2, g / sqrt(s + eps) (or / (sqrt(s) + eps)). */
function rssReference(gv: Record<string, number[]>[], { initialAccumulatorValue = 0.1, eps = 1e-7, epsInSqrt = true }: ScaleByRssOptions = {}) {
  return elementwiseReference(gv, () => ({ s: initialAccumulatorValue }), (g, st) => {
    st.s += g * g;
    if (st.s === 0) return 0;
    return g / (epsInSqrt ? Math.sqrt(st.s + eps) : Math.sqrt(st.s) + eps);
  });
}

/** The same tree with every record's keys inserted in reverse order (leaves shared). */
const reversed = (t: Tree): Tree =>
  isTensor(t) || Array.isArray(t) ? t : Object.fromEntries(Object.keys(t).reverse().map((k) => [k, reversed((t as Record<string, Tree>)[k])]));

describe('scaleByRss', () => {
  it.each<[string, ScaleByRssOptions]>([
    ['defaults (optax, tf.train)', {}],
    ['torch: initial 0, eps 1e-10 outside the root', { initialAccumulatorValue: 0, eps: 1e-10, epsInSqrt: false }],
    ['large initial value and eps', { initialAccumulatorValue: 2, eps: 0.5 }],
  ])('matches a float64 reference over 6 steps: %s', (_, options) => {
    const params = makeTree(1);
    expectTreesClose(runTransform(scaleByRss(options), params, grads, 6), rssReference(gradValues(6), options), 1e-5);
    treeDispose(params);
  });

  it('keeps the sum of squares in its state, starting at initialAccumulatorValue', () => {
    const g = { a: tf.tensor1d([2, -1]) };
    const t = scaleByRss({ initialAccumulatorValue: 0.5 });
    const s0 = t.init(g);
    expect(leafValues(s0.sumOfSquares)).toEqual({ a: [0.5, 0.5] });
    const [u, s] = t.update(g, s0);
    expectClose(leafValues(s.sumOfSquares).a, [4.5, 1.5], 1e-6);
    expectClose(leafValues(u).a, [2 / Math.sqrt(4.5 + 1e-7), -1 / Math.sqrt(1.5 + 1e-7)], 1e-6);
    treeDispose([g, u, s0, s]);
  });

  it('gives 0, not NaN, where the sum is still 0 with eps 0 (optax\'s guard)', () => {
    const g = { a: tf.tensor1d([0, 3]) };
    for (const epsInSqrt of [true, false]) {
      const t = scaleByRss({ initialAccumulatorValue: 0, eps: 0, epsInSqrt });
      const s0 = t.init(g);
      const [u, s] = t.update(g, s0);
      expect(leafValues(u).a).toEqual([0, 1]);
      treeDispose([u, s0, s]);
    }
    treeDispose(g);
  });

  it('pairs leaves by key: reversed key order gives identical results', () => {
    const params = makeTree(1);
    const expected = runTransform(scaleByRss(), params, grads, 4);
    expect(runTransform(scaleByRss(), reversed(params), (k) => reversed(grads(k)), 4)).toEqual(expected);
    expect(runTransform(scaleByRss(), params, (k) => reversed(grads(k)), 4)).toEqual(expected);
    treeDispose(params);
  });

  it('works after clipByGlobalNorm(1) in a chain', () => {
    const params = makeTree(1);
    const big = (k: number) => makeTree(350 + k, 3);
    const clipped = (k: number) => {
      const g = big(k);
      const factor = Math.min(1, 1 / f64.norm(...Object.values(leafValues(g))));
      const out = treeMap((x) => tf.mul(x, factor), g);
      treeDispose(g);
      return out;
    };
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), scaleByRss()), params, big, 4), runTransform(scaleByRss(), params, clipped, 4), 1e-6);
    treeDispose(params);
  });

  it('rejects invalid options, naming them', () => {
    expectBasinError(() => scaleByRss({ initialAccumulatorValue: -1 }), /^scaleByRss: initialAccumulatorValue must be a number >= 0, got -1$/);
    expectBasinError(() => scaleByRss({ eps: NaN }), /^scaleByRss: eps must be a finite number, got NaN$/);
    expectBasinError(() => scaleByRss(null as never), /^scaleByRss: options must be an options record/);
  });
});

describeContract('scaleByRss', { make: () => scaleByRss(), perLeafState: true });
describeContract('scaleByRss (torch)', { make: () => scaleByRss({ initialAccumulatorValue: 0, eps: 0, epsInSqrt: false }), perLeafState: true });
