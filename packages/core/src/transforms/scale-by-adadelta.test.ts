import { tf, expectClose } from '@basin/testing';
import { scaleByAdadelta, ScaleByAdadeltaOptions } from './scale-by-adadelta';
import { clipByGlobalNorm } from './clip';
import { chain } from '../combinators/chain';
import { isTensor, Tree, treeDispose, treeMap } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(400);

/** Zeiler (2012) Algorithm 1 in float64; `staleGradAverage` divides by E[g^2] before this step's update. */
function adadeltaReference(gv: Record<string, number[]>[], { rho = 0.9, eps = 1e-6, staleGradAverage = false }: ScaleByAdadeltaOptions = {}) {
  return elementwiseReference(gv, () => ({ eg: 0, ex: 0 }), (g, s) => {
    const before = s.eg;
    s.eg = rho * s.eg + (1 - rho) * g * g;
    const dx = (Math.sqrt(s.ex + eps) / Math.sqrt((staleGradAverage ? before : s.eg) + eps)) * g;
    s.ex = rho * s.ex + (1 - rho) * dx * dx;
    return dx;
  });
}

const reversed = (t: Tree): Tree =>
  isTensor(t) || Array.isArray(t) ? t : Object.fromEntries(Object.keys(t).reverse().map((k) => [k, reversed((t as Record<string, Tree>)[k])]));

describe('scaleByAdadelta', () => {
  it.each<[string, ScaleByAdadeltaOptions]>([
    ['defaults (optax, torch)', {}],
    ['rho 0.95, eps 1e-3', { rho: 0.95, eps: 1e-3 }],
    ['staleGradAverage (tf.train)', { rho: 0.95, eps: 1e-7, staleGradAverage: true }],
  ])('matches a float64 reference over 6 steps: %s', (_, options) => {
    const params = makeTree(1);
    expectTreesClose(runTransform(scaleByAdadelta(options), params, grads, 6), adadeltaReference(gradValues(6), options), 1e-5);
    treeDispose(params);
  });

  it('keeps E[g^2] and E[dx^2] in its state; with staleGradAverage the first update is g itself', () => {
    const g = { a: tf.tensor1d([2, -1]) };
    const t = scaleByAdadelta({ rho: 0.5, eps: 1e-2 });
    const s0 = t.init(g);
    const [u, s] = t.update(g, s0);
    const dx = [2, -1].map((x) => (Math.sqrt(1e-2) / Math.sqrt(0.5 * x * x + 1e-2)) * x);
    expectClose(leafValues(u).a, dx, 1e-6);
    expectClose(leafValues(s.eG).a, [2, 0.5], 1e-6);
    expectClose(leafValues(s.eX).a, dx.map((x) => 0.5 * x * x), 1e-6);
    const stale = scaleByAdadelta({ staleGradAverage: true });
    const s1 = stale.init(g);
    const [u1, s2] = stale.update(g, s1);
    expectClose(leafValues(u1).a, [2, -1], 1e-6);
    treeDispose([g, u, s0, s, s1, u1, s2]);
  });

  it('pairs leaves by key: reversed key order gives identical results', () => {
    const params = makeTree(1);
    const expected = runTransform(scaleByAdadelta(), params, grads, 4);
    expect(runTransform(scaleByAdadelta(), reversed(params), (k) => reversed(grads(k)), 4)).toEqual(expected);
    expect(runTransform(scaleByAdadelta(), params, (k) => reversed(grads(k)), 4)).toEqual(expected);
    treeDispose(params);
  });

  it('works after clipByGlobalNorm(1) in a chain', () => {
    const params = makeTree(1);
    const big = (k: number) => makeTree(450 + k, 3);
    const clipped = (k: number) => {
      const g = big(k);
      const factor = Math.min(1, 1 / f64.norm(...Object.values(leafValues(g))));
      const out = treeMap((x) => tf.mul(x, factor), g);
      treeDispose(g);
      return out;
    };
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), scaleByAdadelta()), params, big, 4), runTransform(scaleByAdadelta(), params, clipped, 4), 1e-6);
    treeDispose(params);
  });

  it('rejects invalid options, naming them', () => {
    expectBasinError(() => scaleByAdadelta({ rho: 1 }), /^scaleByAdadelta: rho must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => scaleByAdadelta({ eps: 0 }), /^scaleByAdadelta: eps must be a number > 0, got 0$/);
    expectBasinError(() => scaleByAdadelta({ eps: Infinity }), /^scaleByAdadelta: eps must be a finite number, got Infinity$/);
  });
});

describeContract('scaleByAdadelta', { make: () => scaleByAdadelta(), perLeafState: true });
describeContract('scaleByAdadelta (staleGradAverage)', { make: () => scaleByAdadelta({ staleGradAverage: true }), perLeafState: true });
