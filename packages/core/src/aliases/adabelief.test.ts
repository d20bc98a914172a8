import { adabelief } from './adabelief';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { scaleByBelief } from '../transforms/scale-by-belief';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { clipByGlobalNorm } from '../transforms/clip';
import { exponentialDecay } from '../schedules';
import { treeDispose } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, gradientSequence, makeTree, runTransform } from '../../test-helpers';
import { clipByGlobalNorm64, expectKeyOrderIndependent, expectSolved, optaxProblems, solveOptaxProblem } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(1500);

/** optax's `adabelief` (optax/_src/alias.py, scale_by_belief in transform.py) in float64 with its defaults. */
function adabeliefReference(gv: Record<string, number[]>[], lr: number) {
  const [b1, b2, eps, epsRoot] = [0.9, 0.999, 1e-16, 1e-16];
  return elementwiseReference(gv, () => ({ m: 0, s: 0 }), (g, st, t) => {
    st.m = b1 * st.m + (1 - b1) * g;
    st.s = b2 * st.s + (1 - b2) * (g - st.m) ** 2 + epsRoot;
    return (-lr * (st.m / (1 - b1 ** t))) / (Math.sqrt(st.s / (1 - b2 ** t)) + eps);
  });
}

describe('adabelief', () => {
  it('matches a float64 reference with optax\'s defaults over 8 steps (tolerance 1e-5)', () => {
    const params = makeTree(1);
    expectTreesClose(runTransform(adabelief({ learningRate: 0.01 }), params, grads, 8), adabeliefReference(gradValues(8), 0.01), 1e-5);
    treeDispose(params);
  });

  it('is chain(scaleByBelief, scaleByLearningRate), with a constant or scheduled learning rate', () => {
    const params = makeTree(1);
    const lr = exponentialDecay({ init: 0.1, transitionSteps: 2, decayRate: 0.5 });
    const options = { b1: 0.8, b2: 0.95, eps: 1e-8, epsRoot: 0, nesterov: true };
    expect(runTransform(adabelief({ learningRate: 0.01, ...options }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByBelief(options), scaleByLearningRate(0.01)), params, grads, 4),
    );
    expect(runTransform(adabelief({ learningRate: lr }), params, grads, 5)).toEqual(runTransform(chain(scaleByBelief(), scaleByLearningRate(lr)), params, grads, 5));
    treeDispose(params);
  });

  it('works inside chain(clipByGlobalNorm(1), ...): the float64 reference on clipped gradients', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByGlobalNorm(1), adabelief({ learningRate: 0.01 })), params, grads, 5);
    expectTreesClose(out, adabeliefReference(clipByGlobalNorm64(gradValues(5), 1), 0.01), 1e-5);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => adabelief({ learningRate: 0.01 }));
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => adabelief({ learningRate: 0.1, b1: 1 }), /^adabelief: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => adabelief({ learningRate: 0.1, b2: -1 }), /^adabelief: b2 must be a number >= 0 and < 1, got -1$/);
    expectBasinError(() => adabelief({ learningRate: 0.1, epsRoot: -1 }), /^adabelief: epsRoot must be a number >= 0, got -1$/);
    expectBasinError(() => adabelief({ learningRate: 0.1, nesterov: 'yes' as never }), /^adabelief: nesterov must be true or false, got string yes$/);
    expectBasinError(() => adabelief({ learningRate: Infinity }), /^adabelief: learningRate must be a finite number, got Infinity$/);
  });

  it('gives the same steps wrapped in injectHyperparams (optax alias_test)', () => {
    const params = makeTree(1);
    expect(runTransform(injectHyperparams(adabelief, { learningRate: 0.01 }), params, grads, 3)).toEqual(runTransform(adabelief({ learningRate: 0.01 }), params, grads, 3));
    treeDispose(params);
  });

  it.each(optaxProblems)('solves optax\'s $name at optax\'s learning rate 1e-2 in 10000 steps', (problem) => {
    expectSolved(solveOptaxProblem(adabelief({ learningRate: 1e-2 }), problem), problem);
  });
});

describeContract('adabelief', { make: () => adabelief({ learningRate: 0.01 }), perLeafState: true });
