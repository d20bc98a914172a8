import { adam, adamw } from './adam';
import { chain } from '../combinators/chain';
import { masked } from '../combinators/masked';
import { scaleByAdam } from '../transforms/scale-by-adam';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { warmupCosineDecay } from '../schedules';
import { treeDispose } from '../tree';
import { describeContract, elementwiseReference, expectTreesClose, leafValues, makeTree, runTransform } from '../../test-helpers';

const grads = (k: number) => makeTree(1000 + k);

describe('adam', () => {
  it('equals chain(scaleByAdam, scaleByLearningRate), with constant or scheduled learning rate', () => {
    const params = makeTree(1);
    const lr = warmupCosineDecay({ init: 0, peak: 0.1, warmupSteps: 2, decaySteps: 5 });
    expect(runTransform(adam({ learningRate: 0.01, b1: 0.8, b2: 0.95, eps: 1e-6 }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByAdam({ b1: 0.8, b2: 0.95, eps: 1e-6 }), scaleByLearningRate(0.01)), params, grads, 4),
    );
    expect(runTransform(adam({ learningRate: lr, nesterov: true }), params, grads, 6)).toEqual(
      runTransform(chain(scaleByAdam({ nesterov: true }), scaleByLearningRate(lr)), params, grads, 6),
    );
    treeDispose(params);
  });

  it('rejects invalid options, naming them', () => {
    expect(() => adam({ learningRate: 0.1, b2: 1 })).toThrow(/^adam: b2 must be a number >= 0 and < 1, got 1$/);
    expect(() => adam({ learningRate: Infinity })).toThrow(/^adam: learningRate must be a finite number/);
  });
});

describe('adamw', () => {
  it('equals chain(scaleByAdam, addDecayedWeights, scaleByLearningRate), masked or not', () => {
    const params = makeTree(1);
    const mask = { dense: { kernel: true, bias: false }, gain: false };
    expect(runTransform(adamw({ learningRate: 0.01, weightDecay: 0.1 }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByAdam(), addDecayedWeights({ weightDecay: 0.1 }), scaleByLearningRate(0.01)), params, grads, 4),
    );
    expect(runTransform(adamw({ learningRate: 0.01, weightDecay: 0.1, mask }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByAdam(), masked(addDecayedWeights({ weightDecay: 0.1 }), mask), scaleByLearningRate(0.01)), params, grads, 4),
    );
    treeDispose(params);
  });

  it('decays with optax\'s default 1e-4 (float64 reference for one leaf type)', () => {
    const params = makeTree(1);
    const pv = leafValues(params);
    const gv = Array.from({ length: 3 }, (_, k) => {
      const g = grads(k);
      const v = leafValues(g);
      treeDispose(g);
      return v;
    });
    // Params are held fixed (the transform is run on its own), so the decay term is lr * wd * p.
    const adamRef = elementwiseReference(gv, () => ({ m: 0, v: 0 }), (g, s, t) => {
      s.m = 0.9 * s.m + 0.1 * g;
      s.v = 0.999 * s.v + 0.001 * g * g;
      return s.m / (1 - 0.9 ** t) / (Math.sqrt(s.v / (1 - 0.999 ** t)) + 1e-8);
    });
    const ref = adamRef.map((step) => Object.fromEntries(Object.entries(step).map(([p, a]) => [p, a.map((x, i) => -0.01 * (x + 1e-4 * pv[p][i]))])));
    expectTreesClose(runTransform(adamw({ learningRate: 0.01 }), params, grads, 3), ref, 1e-5);
    treeDispose(params);
  });

  it('rejects a negative weight decay', () => {
    expect(() => adamw({ learningRate: 0.1, weightDecay: -1 })).toThrow(/^adamw: weightDecay must be a number >= 0/);
  });
});

describeContract('adam', { make: () => adam({ learningRate: 0.01 }), perLeafState: true });
describeContract('adamw', { make: () => adamw({ learningRate: 0.01, weightDecay: 0.1 }), perLeafState: true, readsParams: true });
