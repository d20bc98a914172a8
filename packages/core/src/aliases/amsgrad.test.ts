import { amsgrad } from './amsgrad';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { scaleByAmsgrad } from '../transforms/scale-by-amsgrad';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { clipByGlobalNorm } from '../transforms/clip';
import { exponentialDecay } from '../schedules';
import { treeDispose } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, gradientSequence, makeTree, runTransform } from '../../test-helpers';
import { clipByGlobalNorm64, expectKeyOrderIndependent, expectSolved, optaxProblems, solveOptaxProblem } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(1400);

/** optax's `amsgrad` (optax/_src/alias.py, scale_by_amsgrad in transform.py) in float64 with its defaults. */
function amsgradReference(gv: Record<string, number[]>[], lr: number) {
  const [b1, b2, eps] = [0.9, 0.999, 1e-8];
  return elementwiseReference(gv, () => ({ m: 0, v: 0, vMax: 0 }), (g, s, t) => {
    s.m = b1 * s.m + (1 - b1) * g;
    s.v = b2 * s.v + (1 - b2) * g * g;
    s.vMax = Math.max(s.vMax, s.v / (1 - b2 ** t));
    return (-lr * (s.m / (1 - b1 ** t))) / (Math.sqrt(s.vMax) + eps);
  });
}

describe('amsgrad', () => {
  it('matches a float64 reference with optax\'s defaults over 8 steps (tolerance 1e-5)', () => {
    const params = makeTree(1);
    expectTreesClose(runTransform(amsgrad({ learningRate: 0.01 }), params, grads, 8), amsgradReference(gradValues(8), 0.01), 1e-5);
    treeDispose(params);
  });

  it('is chain(scaleByAmsgrad, scaleByLearningRate), with a constant or scheduled learning rate', () => {
    const params = makeTree(1);
    const lr = exponentialDecay({ init: 0.1, transitionSteps: 2, decayRate: 0.5 });
    const options = { b1: 0.8, b2: 0.95, eps: 1e-6, epsRoot: 1e-4, biasCorrectionNu: false };
    expect(runTransform(amsgrad({ learningRate: 0.01, ...options }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByAmsgrad(options), scaleByLearningRate(0.01)), params, grads, 4),
    );
    expect(runTransform(amsgrad({ learningRate: lr }), params, grads, 5)).toEqual(runTransform(chain(scaleByAmsgrad(), scaleByLearningRate(lr)), params, grads, 5));
    treeDispose(params);
  });

  it('works inside chain(clipByGlobalNorm(1), ...): the float64 reference on clipped gradients', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByGlobalNorm(1), amsgrad({ learningRate: 0.01 })), params, grads, 5);
    expectTreesClose(out, amsgradReference(clipByGlobalNorm64(gradValues(5), 1), 0.01), 1e-5);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => amsgrad({ learningRate: 0.01 }));
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => amsgrad({ learningRate: 0.1, b1: 1 }), /^amsgrad: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => amsgrad({ learningRate: 0.1, b2: 1.5 }), /^amsgrad: b2 must be a number >= 0 and < 1, got 1.5$/);
    expectBasinError(() => amsgrad({ learningRate: 0.1, eps: -1 }), /^amsgrad: eps must be a number >= 0, got -1$/);
    expectBasinError(() => amsgrad({ learningRate: 0.1, biasCorrectionNu: 0 as never }), /^amsgrad: biasCorrectionNu must be true or false, got number 0$/);
    expectBasinError(() => amsgrad({ learningRate: NaN }), /^amsgrad: learningRate must be a finite number, got NaN$/);
    expectBasinError(() => amsgrad(null as never), /^amsgrad: options must be an options record/);
  });

  it('gives the same steps wrapped in injectHyperparams (optax alias_test)', () => {
    const params = makeTree(1);
    expect(runTransform(injectHyperparams(amsgrad, { learningRate: 0.1 }), params, grads, 3)).toEqual(runTransform(amsgrad({ learningRate: 0.1 }), params, grads, 3));
    treeDispose(params);
  });

  it.each(optaxProblems)('solves optax\'s $name at optax\'s learning rate 1e-1 in 10000 steps', (problem) => {
    expectSolved(solveOptaxProblem(amsgrad({ learningRate: 1e-1 }), problem), problem);
  });
});

describeContract('amsgrad', { make: () => amsgrad({ learningRate: 0.01 }), perLeafState: true });
