import { tf, expectClose } from '@basin/testing';
import { scaleByAdamax, ScaleByAdamaxOptions } from './scale-by-adamax';
import { clipByGlobalNorm } from './clip';
import { chain } from '../combinators/chain';
import { isTensor, Tree, treeDispose, treeMap } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(500);

/** Kingma & Ba (2015) Algorithm 2 in float64, eps inside the max (optax, torch) or added to u (tf.train). */
function adamaxReference(gv: Record<string, number[]>[], { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsInMax = true }: ScaleByAdamaxOptions = {}) {
  return elementwiseReference(gv, () => ({ m: 0, u: 0 }), (g, s, t) => {
    s.m = b1 * s.m + (1 - b1) * g;
    s.u = Math.max(b2 * s.u, Math.abs(g) + (epsInMax ? eps : 0));
    return s.m / (1 - b1 ** t) / (epsInMax ? s.u : s.u + eps);
  });
}

const reversed = (t: Tree): Tree =>
  isTensor(t) || Array.isArray(t) ? t : Object.fromEntries(Object.keys(t).reverse().map((k) => [k, reversed((t as Record<string, Tree>)[k])]));

describe('scaleByAdamax', () => {
  it.each<[string, ScaleByAdamaxOptions]>([
    ['defaults (optax, torch)', {}],
    ['custom betas, eps 1e-2', { b1: 0.5, b2: 0.8, eps: 1e-2 }],
    ['eps outside the max (tf.train)', { eps: 1e-2, epsInMax: false }],
  ])('matches a float64 reference over 6 steps: %s', (_, options) => {
    const params = makeTree(1);
    expectTreesClose(runTransform(scaleByAdamax(options), params, grads, 6), adamaxReference(gradValues(6), options), 1e-5);
    treeDispose(params);
  });

  it('first update is g / (|g| + eps): sign(g) for large gradients; the state keeps m and u', () => {
    const g = { a: tf.tensor1d([0.3, -2]) };
    const t = scaleByAdamax({ b1: 0.9, b2: 0.99 });
    const s0 = t.init(g);
    const [u, s] = t.update(g, s0);
    expectClose(leafValues(u).a, [1, -1], 1e-6);
    expectClose(leafValues(s.mu).a, [0.03, -0.2], 1e-6);
    expectClose(leafValues(s.nu).a, [0.3, 2], 1e-6);
    expect(s.count).toBe(1);
    treeDispose([g, u, s0, s]);
  });

  it('pairs leaves by key: reversed key order gives identical results', () => {
    const params = makeTree(1);
    const expected = runTransform(scaleByAdamax(), params, grads, 4);
    expect(runTransform(scaleByAdamax(), reversed(params), (k) => reversed(grads(k)), 4)).toEqual(expected);
    expect(runTransform(scaleByAdamax(), params, (k) => reversed(grads(k)), 4)).toEqual(expected);
    treeDispose(params);
  });

  it('works after clipByGlobalNorm(1) in a chain', () => {
    const params = makeTree(1);
    const big = (k: number) => makeTree(550 + k, 3);
    const clipped = (k: number) => {
      const g = big(k);
      const factor = Math.min(1, 1 / f64.norm(...Object.values(leafValues(g))));
      const out = treeMap((x) => tf.mul(x, factor), g);
      treeDispose(g);
      return out;
    };
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), scaleByAdamax()), params, big, 4), runTransform(scaleByAdamax(), params, clipped, 4), 1e-6);
    treeDispose(params);
  });

  it('rejects invalid options, naming them', () => {
    expectBasinError(() => scaleByAdamax({ b1: 1 }), /^scaleByAdamax: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => scaleByAdamax({ b2: -0.5 }), /^scaleByAdamax: b2 must be a number >= 0 and < 1, got -0.5$/);
    expectBasinError(() => scaleByAdamax({ eps: -1 }), /^scaleByAdamax: eps must be a number >= 0, got -1$/);
  });
});

describeContract('scaleByAdamax', { make: () => scaleByAdamax(), perLeafState: true });
describeContract('scaleByAdamax (epsInMax false)', { make: () => scaleByAdamax({ epsInMax: false }), perLeafState: true });
