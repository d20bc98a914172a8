import { tf, expectClose } from '@basin/testing';
import { scaleByRadam, ScaleByRadamOptions } from './scale-by-radam';
import { clipByGlobalNorm } from './clip';
import { chain } from '../combinators/chain';
import { isTensor, Tree, treeDispose, treeMap } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(600);

/** Liu et al. (2020) Algorithm 2 in float64, with optax's threshold (rectify once rho_t >= threshold). */
function radamReference(gv: Record<string, number[]>[], { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, threshold = 5, nesterov = false }: ScaleByRadamOptions = {}) {
  const rhoInf = 2 / (1 - b2) - 1;
  return elementwiseReference(gv, () => ({ m: 0, v: 0 }), (g, s, t) => {
    s.m = b1 * s.m + (1 - b1) * g;
    s.v = b2 * s.v + (1 - b2) * g * g;
    const mHat = nesterov ? (b1 * s.m) / (1 - b1 ** (t + 1)) + ((1 - b1) * g) / (1 - b1 ** t) : s.m / (1 - b1 ** t);
    const rho = rhoInf - (2 * t * b2 ** t) / (1 - b2 ** t);
    if (rho < threshold) return mHat;
    const r = Math.sqrt(((rho - 4) * (rho - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rho));
    return (r * mHat) / (Math.sqrt(s.v / (1 - b2 ** t) + epsRoot) + eps);
  });
}

const reversed = (t: Tree): Tree =>
  isTensor(t) || Array.isArray(t) ? t : Object.fromEntries(Object.keys(t).reverse().map((k) => [k, reversed((t as Record<string, Tree>)[k])]));

describe('scaleByRadam', () => {
  it.each<[string, ScaleByRadamOptions]>([
    ['defaults: momentum only for 5 steps, then rectified', {}],
    ['threshold 4 (the paper), b2 0.99, epsRoot', { threshold: 4, b2: 0.99, epsRoot: 1e-4 }],
    ['nesterov, b1 0.5', { nesterov: true, b1: 0.5 }],
    ['threshold never reached', { threshold: 100 }],
  ])('matches a float64 reference over 9 steps: %s', (_, options) => {
    const params = makeTree(1);
    expectTreesClose(runTransform(scaleByRadam(options), params, grads, 9), radamReference(gradValues(9), options), 1e-5);
    treeDispose(params);
  });

  it('is bias-corrected momentum while rho_t < 5, then rectified: switches at step 6 with b2 = 0.999', () => {
    const g = { a: tf.tensor1d([0.5]) };
    const t = scaleByRadam();
    let s = t.init(g);
    const outs: number[] = [];
    for (let k = 0; k < 7; k++) {
      const [u, next] = t.update(g, s);
      outs.push(leafValues(u).a[0]);
      treeDispose([u, s]);
      s = next;
    }
    // Constant gradient: m_hat = 0.5 exactly, v_hat = 0.25, so steps 1-5 give 0.5 and later ones r_t.
    expectClose(outs.slice(0, 5), [0.5, 0.5, 0.5, 0.5, 0.5], 1e-6);
    expect(outs[5]).toBeLessThan(0.2);
    expect(outs[5]).toBeGreaterThan(0);
    treeDispose([g, s]);
  });

  it('pairs leaves by key: reversed key order gives identical results', () => {
    const params = makeTree(1);
    const expected = runTransform(scaleByRadam(), params, grads, 7);
    expect(runTransform(scaleByRadam(), reversed(params), (k) => reversed(grads(k)), 7)).toEqual(expected);
    expect(runTransform(scaleByRadam(), params, (k) => reversed(grads(k)), 7)).toEqual(expected);
    treeDispose(params);
  });

  it('works after clipByGlobalNorm(1) in a chain', () => {
    const params = makeTree(1);
    const big = (k: number) => makeTree(650 + k, 3);
    const clipped = (k: number) => {
      const g = big(k);
      const factor = Math.min(1, 1 / f64.norm(...Object.values(leafValues(g))));
      const out = treeMap((x) => tf.mul(x, factor), g);
      treeDispose(g);
      return out;
    };
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), scaleByRadam()), params, big, 7), runTransform(scaleByRadam(), params, clipped, 7), 1e-6);
    treeDispose(params);
  });

  it('rejects invalid options, naming them', () => {
    expectBasinError(() => scaleByRadam({ b1: 1 }), /^scaleByRadam: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => scaleByRadam({ b2: 1.5 }), /^scaleByRadam: b2 must be a number >= 0 and < 1, got 1.5$/);
    expectBasinError(() => scaleByRadam({ threshold: 3 }), /^scaleByRadam: threshold must be a number >= 4, got 3$/);
    expectBasinError(() => scaleByRadam({ epsRoot: -1 }), /^scaleByRadam: epsRoot must be a number >= 0, got -1$/);
  });
});

describeContract('scaleByRadam', { make: () => scaleByRadam(), perLeafState: true });
