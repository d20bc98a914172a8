import { lars, LarsOptions } from './lars';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { masked } from '../combinators/masked';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { scaleByTrustRatio } from '../transforms/scale-by-trust-ratio';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { trace } from '../transforms/trace';
import { clipByGlobalNorm } from '../transforms/clip';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';
import { clipByGlobalNorm64, expectKeyOrderIndependent, expectSolved, optaxProblems, solveOptaxProblem } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(1900);

type Flags = Record<string, boolean>;

/**
 * optax's `lars` (optax/_src/alias.py: add_decayed_weights, masked scale_by_trust_ratio,
 * scale_by_learning_rate, trace; transform.py) in float64: `g + wd p` on the decay mask, times
 * `tc ||p|| / (||g + wd p|| + eps)` on the trust-ratio mask (1 where a norm is 0), times -lr,
 * then heavy-ball momentum `t = u + momentum t` (Nesterov: `u + momentum t`).
 */
function larsReference(params: Record<string, number[]>, gv: Record<string, number[]>[], o: LarsOptions & { decayOn?: Flags; ratioOn?: Flags }) {
  const { learningRate, weightDecay = 0, trustCoefficient = 0.001, eps = 0, momentum = 0.9, nesterov = false, decayOn = {}, ratioOn = {} } = o;
  const lr = learningRate as number;
  const traces: Record<string, number[]> = {};
  const norm = (x: number[]) => Math.sqrt(x.reduce((s, y) => s + y * y, 0));
  return gv.map((tree) =>
    Object.fromEntries(
      Object.entries(tree).map(([path, g]) => {
        const decayed = g.map((x, i) => x + (decayOn[path] ?? true ? weightDecay * params[path][i] : 0));
        const [pn, gn] = [norm(params[path]), norm(decayed)];
        const ratio = !(ratioOn[path] ?? true) || pn === 0 || gn === 0 ? 1 : (trustCoefficient * pn) / (gn + eps);
        const u = decayed.map((x) => -lr * ratio * x);
        traces[path] = u.map((x, i) => x + momentum * (traces[path]?.[i] ?? 0));
        return [path, nesterov ? u.map((x, i) => x + momentum * traces[path][i]) : traces[path].slice()];
      }),
    ),
  );
}

describe('lars', () => {
  it.each<[string, LarsOptions & { decayOn?: Flags; ratioOn?: Flags }]>([
    ['optax\'s defaults', { learningRate: 1 }],
    ['weight decay, eps, Nesterov', { learningRate: 0.5, weightDecay: 0.1, eps: 1e-3, trustCoefficient: 0.01, momentum: 0.8, nesterov: true }],
    [
      'masks as trees',
      {
        learningRate: 1,
        weightDecay: 0.1,
        weightDecayMask: { dense: { kernel: true, bias: false }, gain: true },
        trustRatioMask: { dense: { kernel: true, bias: true }, gain: false },
        decayOn: { 'dense.bias': false },
        ratioOn: { gain: false },
      },
    ],
    [
      'masks as false (nowhere)',
      { learningRate: 0.1, weightDecay: 0.1, weightDecayMask: false, trustRatioMask: false, decayOn: { 'dense.kernel': false, 'dense.bias': false, gain: false }, ratioOn: { 'dense.kernel': false, 'dense.bias': false, gain: false } },
    ],
  ])('matches a float64 reference over 8 steps (tolerance 1e-5): %s', (_, options) => {
    const params = makeTree(1);
    const { decayOn: _d, ratioOn: _r, ...larsOptions } = options;
    expectTreesClose(runTransform(lars(larsOptions), params, grads, 8), larsReference(leafValues(params), gradValues(8), options), 1e-5);
    treeDispose(params);
  });

  it('is chain(addDecayedWeights, masked(scaleByTrustRatio), scaleByLearningRate, trace)', () => {
    const params = makeTree(1);
    const weightDecayMask = { dense: { kernel: true, bias: false }, gain: true };
    const trustRatioMask = { dense: { kernel: true, bias: false }, gain: false };
    expect(runTransform(lars({ learningRate: 0.3, weightDecay: 0.1, weightDecayMask, trustRatioMask, trustCoefficient: 0.02, momentum: 0.5 }), params, grads, 4)).toEqual(
      runTransform(
        chain(
          masked(addDecayedWeights({ weightDecay: 0.1 }), weightDecayMask),
          masked(scaleByTrustRatio({ trustCoefficient: 0.02 }), trustRatioMask),
          scaleByLearningRate(0.3),
          trace({ decay: 0.5 }),
        ),
        params,
        grads,
        4,
      ),
    );
    treeDispose(params);
  });

  it('works inside chain(clipByGlobalNorm(1), ...): the float64 reference on clipped gradients', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByGlobalNorm(1), lars({ learningRate: 1, weightDecay: 0.01 })), params, grads, 5);
    expectTreesClose(out, larsReference(leafValues(params), clipByGlobalNorm64(gradValues(5), 1), { learningRate: 1, weightDecay: 0.01 }), 1e-5);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() =>
      lars({ learningRate: 1, weightDecay: 0.1, weightDecayMask: { dense: { kernel: true, bias: false }, gain: true }, trustRatioMask: { dense: { kernel: true, bias: true }, gain: false } }),
    );
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => lars({ learningRate: 1, momentum: 1 }), /^lars: momentum must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => lars({ learningRate: 1, trustCoefficient: -0.001 }), /^lars: trustCoefficient must be a number >= 0, got -0.001$/);
    expectBasinError(() => lars({ learningRate: 1, eps: NaN }), /^lars: eps must be a finite number, got NaN$/);
    expectBasinError(() => lars({ learningRate: 1, weightDecay: -1 }), /^lars: weightDecay must be a number >= 0, got -1$/);
    expectBasinError(() => lars({ learningRate: 1, nesterov: 'no' as never }), /^lars: nesterov must be true or false, got string no$/);
    expectBasinError(() => lars({ learningRate: Infinity }), /^lars: learningRate must be a finite number, got Infinity$/);
    expectBasinError(() => lars(undefined as never), /^lars: options must be an options record/);
    const params = makeTree(1);
    expectBasinError(() => lars({ learningRate: 1, trustRatioMask: { gain: true } as never }).init(params), /^lars: trustRatioMask does not match the params tree \(no label for 'dense\.bias', 'dense\.kernel'\)$/);
    expectBasinError(() => lars({ learningRate: 1, weightDecayMask: { dense: { kernel: 1, bias: true }, gain: true } as never }).init(params), /^lars: weightDecayMask /);
    treeDispose(params);
  });

  it('gives the same steps wrapped in injectHyperparams (optax alias_test)', () => {
    const params = makeTree(1);
    expect(runTransform(injectHyperparams(lars, { learningRate: 1, weightDecay: 0.1, nesterov: true }), params, grads, 3)).toEqual(runTransform(lars({ learningRate: 1, weightDecay: 0.1, nesterov: true }), params, grads, 3));
    treeDispose(params);
  });

  it.each(optaxProblems)('solves optax\'s $name at optax\'s learning rate 1 in 10000 steps', (problem) => {
    expectSolved(solveOptaxProblem(lars({ learningRate: 1 }), problem), problem);
  });
});

describeContract('lars', { make: () => lars({ learningRate: 1, weightDecay: 0.01 }), perLeafState: true, readsParams: true });
