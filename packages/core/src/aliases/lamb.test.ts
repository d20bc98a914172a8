import { lamb } from './lamb';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { masked } from '../combinators/masked';
import { scaleByAdam } from '../transforms/scale-by-adam';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { scaleByTrustRatio } from '../transforms/scale-by-trust-ratio';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { clipByGlobalNorm } from '../transforms/clip';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';
import { clipByGlobalNorm64, expectKeyOrderIndependent, expectSolved, optaxProblems, solveOptaxProblem } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(1800);

/**
 * optax's `lamb` (optax/_src/alias.py: scale_by_adam, add_decayed_weights, scale_by_trust_ratio,
 * scale_by_learning_rate; transform.py) in float64 with its defaults (b1 0.9, b2 0.999, eps 1e-6):
 * each leaf's Adam step plus `decay(path) * p`, times `||p|| / ||step||` (1 where a norm is 0), times -lr.
 */
function lambReference(params: Record<string, number[]>, gv: Record<string, number[]>[], lr: number, decay: (path: string) => number = () => 0) {
  const [b1, b2, eps] = [0.9, 0.999, 1e-6];
  const m: Record<string, number[]> = {};
  const v: Record<string, number[]> = {};
  const norm = (x: number[]) => Math.sqrt(x.reduce((s, y) => s + y * y, 0));
  return gv.map((tree, k) => {
    const t = k + 1;
    return Object.fromEntries(
      Object.entries(tree).map(([path, g]) => {
        m[path] = g.map((x, i) => b1 * (m[path]?.[i] ?? 0) + (1 - b1) * x);
        v[path] = g.map((x, i) => b2 * (v[path]?.[i] ?? 0) + (1 - b2) * x * x);
        const step = g.map((_, i) => m[path][i] / (1 - b1 ** t) / (Math.sqrt(v[path][i] / (1 - b2 ** t)) + eps) + decay(path) * params[path][i]);
        const [pn, sn] = [norm(params[path]), norm(step)];
        const ratio = pn === 0 || sn === 0 ? 1 : pn / sn;
        return [path, step.map((x) => -lr * ratio * x)];
      }),
    );
  });
}

describe('lamb', () => {
  it('matches a float64 reference with optax\'s defaults over 8 steps, with masked weight decay (tolerance 1e-5)', () => {
    const params = makeTree(1);
    const pv = leafValues(params);
    expectTreesClose(runTransform(lamb({ learningRate: 0.01 }), params, grads, 8), lambReference(pv, gradValues(8), 0.01), 1e-5);
    const mask = { dense: { kernel: true, bias: false }, gain: true };
    expectTreesClose(
      runTransform(lamb({ learningRate: 0.01, weightDecay: 0.1, mask }), params, grads, 8),
      lambReference(pv, gradValues(8), 0.01, (p) => (p === 'dense.bias' ? 0 : 0.1)),
      1e-5,
    );
    treeDispose(params);
  });

  it('is chain(scaleByAdam, addDecayedWeights, scaleByTrustRatio, scaleByLearningRate)', () => {
    const params = makeTree(1);
    const mask = { dense: { kernel: true, bias: false }, gain: true };
    expect(runTransform(lamb({ learningRate: 0.01, b1: 0.8, b2: 0.95, eps: 1e-8, epsRoot: 1e-4, weightDecay: 0.1, mask }), params, grads, 4)).toEqual(
      runTransform(
        chain(scaleByAdam({ b1: 0.8, b2: 0.95, eps: 1e-8, epsRoot: 1e-4 }), masked(addDecayedWeights({ weightDecay: 0.1 }), mask), scaleByTrustRatio(), scaleByLearningRate(0.01)),
        params,
        grads,
        4,
      ),
    );
    treeDispose(params);
  });

  it('works inside chain(clipByGlobalNorm(1), ...): the float64 reference on clipped gradients', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByGlobalNorm(1), lamb({ learningRate: 0.01, weightDecay: 0.01 })), params, grads, 5);
    expectTreesClose(out, lambReference(leafValues(params), clipByGlobalNorm64(gradValues(5), 1), 0.01, () => 0.01), 1e-5);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => lamb({ learningRate: 0.01, weightDecay: 0.1, mask: { dense: { kernel: true, bias: false }, gain: true } }));
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => lamb({ learningRate: 0.1, b1: 1 }), /^lamb: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => lamb({ learningRate: 0.1, b2: 1 }), /^lamb: b2 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => lamb({ learningRate: 0.1, eps: -1 }), /^lamb: eps must be a number >= 0, got -1$/);
    expectBasinError(() => lamb({ learningRate: 0.1, weightDecay: -1 }), /^lamb: weightDecay must be a number >= 0, got -1$/);
    expectBasinError(() => lamb({ learningRate: NaN }), /^lamb: learningRate must be a finite number, got NaN$/);
    const params = makeTree(1);
    expectBasinError(() => lamb({ learningRate: 0.1, mask: { gain: true } as never }).init(params), /^lamb: mask does not match the params tree/);
    treeDispose(params);
  });

  it('gives the same steps wrapped in injectHyperparams (optax alias_test)', () => {
    const params = makeTree(1);
    expect(runTransform(injectHyperparams(lamb, { learningRate: 0.01, weightDecay: 0.1 }), params, grads, 3)).toEqual(runTransform(lamb({ learningRate: 0.01, weightDecay: 0.1 }), params, grads, 3));
    treeDispose(params);
  });

  it.each(optaxProblems)('solves optax\'s $name at optax\'s learning rate 1e-3 in 10000 steps', (problem) => {
    expectSolved(solveOptaxProblem(lamb({ learningRate: 1e-3 }), problem), problem);
  });
});

describeContract('lamb', { make: () => lamb({ learningRate: 0.01, weightDecay: 0.01 }), perLeafState: true, readsParams: true });
