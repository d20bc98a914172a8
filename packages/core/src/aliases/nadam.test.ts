import { nadam, nadamw } from './nadam';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { masked } from '../combinators/masked';
import { scaleByAdam } from '../transforms/scale-by-adam';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { clipByGlobalNorm } from '../transforms/clip';
import { warmupCosineDecay } from '../schedules';
import { treeDispose } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';
import { clipByGlobalNorm64, expectKeyOrderIndependent, expectSolved, optaxProblems, solveOptaxProblem } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(1300);

/**
 * NAdam (Dozat 2016) as optax's `nadam` / `nadamw` (optax/_src/alias.py, scale_by_adam with
 * nesterov in optax/_src/transform.py) in float64, optax's defaults: b1 0.9, b2 0.999, eps 1e-8.
 * `decay(path, i)` is the decoupled weight decay term added before the learning rate.
 */
function nadamReference(gv: Record<string, number[]>[], lr: number, decay: (path: string, i: number) => number = () => 0) {
  const b1 = 0.9;
  const b2 = 0.999;
  const steps = elementwiseReference(gv, () => ({ m: 0, v: 0 }), (g, s, t) => {
    s.m = b1 * s.m + (1 - b1) * g;
    s.v = b2 * s.v + (1 - b2) * g * g;
    const mHat = (b1 * s.m) / (1 - b1 ** (t + 1)) + ((1 - b1) * g) / (1 - b1 ** t);
    return mHat / (Math.sqrt(s.v / (1 - b2 ** t)) + 1e-8);
  });
  return steps.map((tree) => Object.fromEntries(Object.entries(tree).map(([path, u]) => [path, u.map((x, i) => -lr * (x + decay(path, i)))])));
}

describe('nadam', () => {
  it('matches a float64 NAdam reference with optax\'s defaults over 8 steps (tolerance 1e-5)', () => {
    const params = makeTree(1);
    expectTreesClose(runTransform(nadam({ learningRate: 0.01 }), params, grads, 8), nadamReference(gradValues(8), 0.01), 1e-5);
    treeDispose(params);
  });

  it('is chain(scaleByAdam({ nesterov: true }), scaleByLearningRate), with a constant or scheduled learning rate', () => {
    const params = makeTree(1);
    const lr = warmupCosineDecay({ init: 0, peak: 0.1, warmupSteps: 2, decaySteps: 5 });
    expect(runTransform(nadam({ learningRate: 0.01, b1: 0.8, b2: 0.95, eps: 1e-6, epsRoot: 1e-4 }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByAdam({ b1: 0.8, b2: 0.95, eps: 1e-6, epsRoot: 1e-4, nesterov: true }), scaleByLearningRate(0.01)), params, grads, 4),
    );
    expect(runTransform(nadam({ learningRate: lr }), params, grads, 6)).toEqual(
      runTransform(chain(scaleByAdam({ nesterov: true }), scaleByLearningRate(lr)), params, grads, 6),
    );
    treeDispose(params);
  });

  it('works inside chain(clipByGlobalNorm(1), ...): the float64 reference on clipped gradients', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByGlobalNorm(1), nadam({ learningRate: 0.01 })), params, grads, 5);
    expectTreesClose(out, nadamReference(clipByGlobalNorm64(gradValues(5), 1), 0.01), 1e-5);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => nadam({ learningRate: 0.01 }));
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => nadam({ learningRate: 0.1, b1: 1 }), /^nadam: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => nadam({ learningRate: 0.1, b2: -0.5 }), /^nadam: b2 must be a number >= 0 and < 1, got -0.5$/);
    expectBasinError(() => nadam({ learningRate: 0.1, eps: -1 }), /^nadam: eps must be a number >= 0, got -1$/);
    expectBasinError(() => nadam({ learningRate: 0.1, epsRoot: NaN }), /^nadam: epsRoot must be a finite number, got NaN$/);
    expectBasinError(() => nadam({ learningRate: Infinity }), /^nadam: learningRate must be a finite number, got Infinity$/);
    expectBasinError(() => nadam(undefined as never), /^nadam: options must be an options record/);
  });

  it('gives the same steps wrapped in injectHyperparams (optax alias_test)', () => {
    const params = makeTree(1);
    expect(runTransform(injectHyperparams(nadam, { learningRate: 0.01 }), params, grads, 3)).toEqual(runTransform(nadam({ learningRate: 0.01 }), params, grads, 3));
    treeDispose(params);
  });

  it.each(optaxProblems)('solves optax\'s $name at optax\'s learning rate 1e-2 in 10000 steps', (problem) => {
    expectSolved(solveOptaxProblem(nadam({ learningRate: 1e-2 }), problem), problem);
  });
});

describe('nadamw', () => {
  it('matches a float64 NAdam reference with optax\'s default weight decay 1e-4, masked or not (tolerance 1e-5)', () => {
    const params = makeTree(1);
    const pv = leafValues(params);
    expectTreesClose(runTransform(nadamw({ learningRate: 0.01 }), params, grads, 6), nadamReference(gradValues(6), 0.01, (p, i) => 1e-4 * pv[p][i]), 1e-5);
    const mask = { dense: { kernel: true, bias: false }, gain: false };
    expectTreesClose(
      runTransform(nadamw({ learningRate: 0.01, weightDecay: 0.5, mask }), params, grads, 6),
      nadamReference(gradValues(6), 0.01, (p, i) => (p === 'dense.kernel' ? 0.5 * pv[p][i] : 0)),
      1e-5,
    );
    treeDispose(params);
  });

  it('is chain(scaleByAdam({ nesterov: true }), addDecayedWeights, scaleByLearningRate)', () => {
    const params = makeTree(1);
    const mask = { dense: { kernel: true, bias: false }, gain: true };
    expect(runTransform(nadamw({ learningRate: 0.01, weightDecay: 0.1, b2: 0.9, mask }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByAdam({ b2: 0.9, nesterov: true }), masked(addDecayedWeights({ weightDecay: 0.1 }), mask), scaleByLearningRate(0.01)), params, grads, 4),
    );
    treeDispose(params);
  });

  it('works inside chain(clipByGlobalNorm(1), ...): the float64 reference on clipped gradients', () => {
    const params = makeTree(1);
    const pv = leafValues(params);
    const out = runTransform(chain(clipByGlobalNorm(1), nadamw({ learningRate: 0.01, weightDecay: 0.1 })), params, grads, 5);
    expectTreesClose(out, nadamReference(clipByGlobalNorm64(gradValues(5), 1), 0.01, (p, i) => 0.1 * pv[p][i]), 1e-5);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => nadamw({ learningRate: 0.01, weightDecay: 0.1, mask: { dense: { kernel: true, bias: false }, gain: true } }));
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => nadamw({ learningRate: 0.1, b1: 1 }), /^nadamw: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => nadamw({ learningRate: 0.1, weightDecay: -1 }), /^nadamw: weightDecay must be a number >= 0, got -1$/);
    expectBasinError(() => nadamw({ learningRate: NaN }), /^nadamw: learningRate must be a finite number, got NaN$/);
    const params = makeTree(1);
    expectBasinError(() => nadamw({ learningRate: 0.1, mask: { dense: { kernel: true } } as never }).init(params), /^nadamw: mask does not match the params tree/);
    treeDispose(params);
  });

  it('gives the same steps wrapped in injectHyperparams (optax alias_test)', () => {
    const params = makeTree(1);
    expect(runTransform(injectHyperparams(nadamw, { learningRate: 0.01, weightDecay: 0.1 }), params, grads, 3)).toEqual(runTransform(nadamw({ learningRate: 0.01, weightDecay: 0.1 }), params, grads, 3));
    treeDispose(params);
  });

  it.each(optaxProblems)('solves optax\'s $name at optax\'s learning rate 1e-2 in 10000 steps', (problem) => {
    expectSolved(solveOptaxProblem(nadamw({ learningRate: 1e-2 }), problem), problem);
  });
});

describeContract('nadam', { make: () => nadam({ learningRate: 0.01 }), perLeafState: true });
describeContract('nadamw', { make: () => nadamw({ learningRate: 0.01, weightDecay: 0.1 }), perLeafState: true, readsParams: true });
