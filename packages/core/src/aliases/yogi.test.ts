import { yogi } from './yogi';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { scaleByYogi } from '../transforms/scale-by-yogi';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { clipByGlobalNorm } from '../transforms/clip';
import { exponentialDecay } from '../schedules';
import { treeDispose } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, gradientSequence, makeTree, runTransform } from '../../test-helpers';
import { clipByGlobalNorm64, expectKeyOrderIndependent, expectSolved, optaxProblems, solveOptaxProblem } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(1600);

/** optax's `yogi` (optax/_src/alias.py, scale_by_yogi in transform.py) in float64 with its defaults. */
function yogiReference(gv: Record<string, number[]>[], lr: number) {
  const [b1, b2, eps, init] = [0.9, 0.999, 1e-3, 1e-6];
  return elementwiseReference(gv, () => ({ m: init, v: init }), (g, s, t) => {
    s.m = b1 * s.m + (1 - b1) * g;
    s.v = s.v - (1 - b2) * Math.sign(s.v - g * g) * g * g;
    return (-lr * (s.m / (1 - b1 ** t))) / (Math.sqrt(s.v / (1 - b2 ** t)) + eps);
  });
}

describe('yogi', () => {
  it('matches a float64 reference with optax\'s defaults over 8 steps (tolerance 1e-5)', () => {
    const params = makeTree(1);
    expectTreesClose(runTransform(yogi({ learningRate: 0.01 }), params, grads, 8), yogiReference(gradValues(8), 0.01), 1e-5);
    treeDispose(params);
  });

  it('is chain(scaleByYogi, scaleByLearningRate), with a constant or scheduled learning rate', () => {
    const params = makeTree(1);
    const lr = exponentialDecay({ init: 0.1, transitionSteps: 2, decayRate: 0.5 });
    expect(runTransform(yogi({ learningRate: 0.01, b1: 0.8, b2: 0.95, eps: 1e-6 }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByYogi({ b1: 0.8, b2: 0.95, eps: 1e-6 }), scaleByLearningRate(0.01)), params, grads, 4),
    );
    expect(runTransform(yogi({ learningRate: lr }), params, grads, 5)).toEqual(runTransform(chain(scaleByYogi(), scaleByLearningRate(lr)), params, grads, 5));
    treeDispose(params);
  });

  it('works inside chain(clipByGlobalNorm(1), ...): the float64 reference on clipped gradients', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByGlobalNorm(1), yogi({ learningRate: 0.01 })), params, grads, 5);
    expectTreesClose(out, yogiReference(clipByGlobalNorm64(gradValues(5), 1), 0.01), 1e-5);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => yogi({ learningRate: 0.01 }));
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => yogi({ learningRate: 0.1, b1: 1 }), /^yogi: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => yogi({ learningRate: 0.1, b2: 1 }), /^yogi: b2 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => yogi({ learningRate: 0.1, eps: -1e-3 }), /^yogi: eps must be a number >= 0, got -0.001$/);
    expectBasinError(() => yogi({ learningRate: NaN }), /^yogi: learningRate must be a finite number, got NaN$/);
  });

  it('gives the same steps wrapped in injectHyperparams (optax alias_test)', () => {
    const params = makeTree(1);
    expect(runTransform(injectHyperparams(yogi, { learningRate: 0.1 }), params, grads, 3)).toEqual(runTransform(yogi({ learningRate: 0.1 }), params, grads, 3));
    treeDispose(params);
  });

  it.each(optaxProblems)('solves optax\'s $name at optax\'s learning rate 1e-1 in 10000 steps', (problem) => {
    expectSolved(solveOptaxProblem(yogi({ learningRate: 1e-1 }), problem), problem);
  });
});

describeContract('yogi', { make: () => yogi({ learningRate: 0.01 }), perLeafState: true });
