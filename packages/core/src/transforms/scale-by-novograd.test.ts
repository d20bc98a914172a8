import { tf, expectClose } from '@basin/testing';
import { scaleByNovograd, ScaleByNovogradOptions } from './scale-by-novograd';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from './clip';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';
import { clipByGlobalNorm64, expectKeyOrderIndependent } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(800);

/**
 * optax's `scale_by_novograd` (optax/_src/transform.py) in float64, per leaf: `nu` averages the
 * leaf's squared gradient norm (no average on the first step), `mu = b1 mu + g / (sqrt(nu +
 * epsRoot) + eps) + weightDecay * p` (no `b1 mu` on the first step); the update is `mu`.
 */
function novogradReference(params: Record<string, number[]>, gv: Record<string, number[]>[], o: ScaleByNovogradOptions = {}) {
  const { b1 = 0.9, b2 = 0.25, eps = 1e-8, epsRoot = 0, weightDecay = 0 } = o;
  const nu: Record<string, number> = {};
  const mu: Record<string, number[]> = {};
  return gv.map((tree, k) =>
    Object.fromEntries(
      Object.entries(tree).map(([path, g]) => {
        const sq = g.reduce((s, x) => s + x * x, 0);
        nu[path] = k === 0 ? sq : b2 * nu[path] + (1 - b2) * sq;
        const denom = Math.sqrt(nu[path] + epsRoot) + eps;
        mu[path] = g.map((x, i) => (k === 0 ? 0 : b1 * mu[path][i]) + x / denom + weightDecay * params[path][i]);
        return [path, mu[path].slice()];
      }),
    ),
  );
}

describe('scaleByNovograd', () => {
  it.each<[string, ScaleByNovogradOptions]>([
    ['defaults', {}],
    ['custom betas, eps and epsRoot', { b1: 0.5, b2: 0.9, eps: 1e-3, epsRoot: 1e-2 }],
    ['weight decay', { weightDecay: 0.1 }],
  ])('matches a float64 reference over 8 steps (tolerance 1e-5): %s', (_, options) => {
    const params = makeTree(1);
    expectTreesClose(runTransform(scaleByNovograd(options), params, grads, 8), novogradReference(leafValues(params), gradValues(8), options), 1e-5);
    treeDispose(params);
  });

  it('keeps one scalar per leaf: the squared gradient norm on the first step', () => {
    const t = scaleByNovograd();
    const g = { a: tf.tensor1d([3, 4]), b: tf.scalar(2) };
    const s0 = t.init(g);
    expect(leafValues(s0.nu)).toEqual({ a: [0], b: [0] });
    const [u, s] = t.update(g, s0);
    expect((s.nu as { a: tf.Tensor }).a.shape).toEqual([]);
    expectClose(leafValues(s.nu).a, [25], 1e-6);
    expectClose(leafValues(u).a, [0.6, 0.8], 1e-6);
    treeDispose([g, u, s0, s]);
  });

  it('needs params only when weightDecay is set', () => {
    const params = makeTree(1);
    expect(runTransform(scaleByNovograd(), params, grads, 2, { withParams: false })).toEqual(runTransform(scaleByNovograd(), params, grads, 2));
    const t = scaleByNovograd({ weightDecay: 0.1 });
    const g = grads(0);
    const state = t.init(params);
    expectBasinError(() => t.update(g, state), /^scaleByNovograd: update needs params/);
    treeDispose([params, g, state]);
  });

  it('refuses a state whose nu is not one scalar per leaf', () => {
    const t = scaleByNovograd();
    const params = makeTree(1);
    const g = grads(0);
    const state = t.init(params);
    const badNu = { ...state, nu: { dense: { kernel: tf.zeros([3, 2]), bias: tf.scalar(0) }, gain: tf.scalar(0) } };
    expectBasinError(() => t.update(g, badNu), /^scaleByNovograd: .*nu/);
    treeDispose([params, g, state, badNu.nu]);
  });

  it('works inside chain(clipByGlobalNorm(1), ...): the float64 reference on clipped gradients', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByGlobalNorm(1), scaleByNovograd({ weightDecay: 0.01 })), params, grads, 5);
    expectTreesClose(out, novogradReference(leafValues(params), clipByGlobalNorm64(gradValues(5), 1), { weightDecay: 0.01 }), 1e-5);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => scaleByNovograd({ weightDecay: 0.1 }));
  });

  it('refuses invalid options, naming the option', () => {
    expectBasinError(() => scaleByNovograd({ b1: 1 }), /^scaleByNovograd: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => scaleByNovograd({ b2: -1 }), /^scaleByNovograd: b2 must be a number >= 0 and < 1, got -1$/);
    expectBasinError(() => scaleByNovograd({ eps: -1 }), /^scaleByNovograd: eps must be a number >= 0, got -1$/);
    expectBasinError(() => scaleByNovograd({ epsRoot: Infinity }), /^scaleByNovograd: epsRoot must be a finite number, got Infinity$/);
    expectBasinError(() => scaleByNovograd({ weightDecay: -0.1 }), /^scaleByNovograd: weightDecay must be a number >= 0, got -0.1$/);
  });
});

describeContract('scaleByNovograd', { make: () => scaleByNovograd(), perLeafState: true });
describeContract('scaleByNovograd (weight decay)', { make: () => scaleByNovograd({ weightDecay: 0.1 }), perLeafState: true, readsParams: true });
