import { novograd } from './novograd';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { scaleByNovograd } from '../transforms/scale-by-novograd';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { clipByGlobalNorm } from '../transforms/clip';
import { exponentialDecay } from '../schedules';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';
import { clipByGlobalNorm64, expectKeyOrderIndependent, expectSolved, optaxProblems, solveOptaxProblem } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(1700);

/**
 * optax's `novograd` (optax/_src/alias.py, scale_by_novograd in transform.py) in float64 with the
 * alias's defaults (b1 0.9, b2 0.25, eps 1e-6): per-leaf squared-norm average, momentum of the
 * normalized gradients plus weightDecay * p, times -lr.
 */
function novogradReference(params: Record<string, number[]>, gv: Record<string, number[]>[], lr: number, weightDecay = 0) {
  const [b1, b2, eps] = [0.9, 0.25, 1e-6];
  const nu: Record<string, number> = {};
  const mu: Record<string, number[]> = {};
  return gv.map((tree, k) =>
    Object.fromEntries(
      Object.entries(tree).map(([path, g]) => {
        const sq = g.reduce((s, x) => s + x * x, 0);
        nu[path] = k === 0 ? sq : b2 * nu[path] + (1 - b2) * sq;
        mu[path] = g.map((x, i) => (k === 0 ? 0 : b1 * mu[path][i]) + x / (Math.sqrt(nu[path]) + eps) + weightDecay * params[path][i]);
        return [path, mu[path].map((m) => -lr * m)];
      }),
    ),
  );
}

describe('novograd', () => {
  it('matches a float64 reference with optax\'s alias defaults over 8 steps, with and without weight decay (tolerance 1e-5)', () => {
    const params = makeTree(1);
    const pv = leafValues(params);
    expectTreesClose(runTransform(novograd({ learningRate: 0.01 }), params, grads, 8), novogradReference(pv, gradValues(8), 0.01), 1e-5);
    expectTreesClose(runTransform(novograd({ learningRate: 0.01, weightDecay: 0.1 }), params, grads, 8), novogradReference(pv, gradValues(8), 0.01, 0.1), 1e-5);
    treeDispose(params);
  });

  it('is chain(scaleByNovograd({ eps: 1e-6 }), scaleByLearningRate), with a constant or scheduled learning rate', () => {
    const params = makeTree(1);
    const lr = exponentialDecay({ init: 0.1, transitionSteps: 2, decayRate: 0.5 });
    const options = { b1: 0.8, b2: 0.5, eps: 1e-4, epsRoot: 1e-3, weightDecay: 0.01 };
    expect(runTransform(novograd({ learningRate: 0.01, ...options }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByNovograd(options), scaleByLearningRate(0.01)), params, grads, 4),
    );
    expect(runTransform(novograd({ learningRate: lr }), params, grads, 5)).toEqual(
      runTransform(chain(scaleByNovograd({ eps: 1e-6 }), scaleByLearningRate(lr)), params, grads, 5),
    );
    treeDispose(params);
  });

  it('works inside chain(clipByGlobalNorm(1), ...): the float64 reference on clipped gradients', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByGlobalNorm(1), novograd({ learningRate: 0.01 })), params, grads, 5);
    expectTreesClose(out, novogradReference(leafValues(params), clipByGlobalNorm64(gradValues(5), 1), 0.01), 1e-5);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => novograd({ learningRate: 0.01, weightDecay: 0.1 }));
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => novograd({ learningRate: 0.1, b1: 1 }), /^novograd: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => novograd({ learningRate: 0.1, b2: -0.25 }), /^novograd: b2 must be a number >= 0 and < 1, got -0.25$/);
    expectBasinError(() => novograd({ learningRate: 0.1, eps: NaN }), /^novograd: eps must be a finite number, got NaN$/);
    expectBasinError(() => novograd({ learningRate: 0.1, weightDecay: -1 }), /^novograd: weightDecay must be a number >= 0, got -1$/);
    expectBasinError(() => novograd({ learningRate: Infinity }), /^novograd: learningRate must be a finite number, got Infinity$/);
  });

  it('gives the same steps wrapped in injectHyperparams (optax alias_test)', () => {
    const params = makeTree(1);
    expect(runTransform(injectHyperparams(novograd, { learningRate: 0.01, weightDecay: 0.1 }), params, grads, 3)).toEqual(runTransform(novograd({ learningRate: 0.01, weightDecay: 0.1 }), params, grads, 3));
    treeDispose(params);
  });

  it.each(optaxProblems)('solves optax\'s $name at optax\'s learning rate 1e-3 in 10000 steps', (problem) => {
    expectSolved(solveOptaxProblem(novograd({ learningRate: 1e-3 }), problem), problem);
  });
});

describeContract('novograd', { make: () => novograd({ learningRate: 0.01 }), perLeafState: true });
describeContract('novograd (weight decay)', { make: () => novograd({ learningRate: 0.01, weightDecay: 0.1 }), perLeafState: true, readsParams: true });
