import { lion } from './lion';
import { chain } from '../combinators/chain';
import { masked } from '../combinators/masked';
import { scaleByLion } from '../transforms/scale-by-lion';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, leafValues, makeTree, runTransform } from '../../test-helpers';

const grads = (k: number) => makeTree(1200 + k);

describe('lion', () => {
  it('equals chain(scaleByLion, addDecayedWeights, scaleByLearningRate), masked or not', () => {
    const params = makeTree(1);
    const mask = { dense: { kernel: true, bias: false }, gain: true };
    expect(runTransform(lion({ learningRate: 1e-3, b1: 0.95, b2: 0.98, weightDecay: 0.1 }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByLion({ b1: 0.95, b2: 0.98 }), addDecayedWeights({ weightDecay: 0.1 }), scaleByLearningRate(1e-3)), params, grads, 4),
    );
    expect(runTransform(lion({ learningRate: 1e-3, mask }), params, grads, 3)).toEqual(
      runTransform(chain(scaleByLion(), masked(addDecayedWeights({ weightDecay: 1e-3 }), mask), scaleByLearningRate(1e-3)), params, grads, 3),
    );
    treeDispose(params);
  });

  it('first step is -lr * (sign(g) + wd * p) with optax\'s default wd 1e-3', () => {
    const params = makeTree(1);
    const pv = leafValues(params);
    const g = grads(0);
    const gv = leafValues(g);
    treeDispose(g);
    const ref = Object.fromEntries(Object.entries(gv).map(([p, a]) => [p, a.map((x, i) => -0.01 * (Math.sign(x) + 1e-3 * pv[p][i]))]));
    expectTreesClose(runTransform(lion({ learningRate: 0.01 }), params, grads, 1), [ref], 1e-6);
    treeDispose(params);
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => lion({ learningRate: 0.1, b1: 1 }), /^lion: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => lion({ learningRate: 0.1, b2: 1 }), /^lion: b2 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => lion({ learningRate: 0.1, b1: -0.5 }), /^lion: b1 must be a number >= 0 and < 1, got -0.5$/);
    expectBasinError(() => lion({ learningRate: 0.1, b2: Infinity }), /^lion: b2 must be a finite number, got Infinity$/);
    expectBasinError(() => lion({ learningRate: 0.1, weightDecay: NaN }), /^lion: weightDecay must be a finite number, got NaN$/);
    expectBasinError(() => lion({ learningRate: 0.1, weightDecay: -1 }), /^lion: weightDecay must be a number >= 0, got -1$/);
    expectBasinError(() => lion({ learningRate: NaN }), /^lion: learningRate must be a finite number, got NaN$/);
  });

  it('accepts learningRate 0, negative learning rates and weightDecay 0, as optax', () => {
    const params = makeTree(1);
    const plain = runTransform(lion({ learningRate: 0.01, weightDecay: 0 }), params, grads, 2);
    const negative = runTransform(lion({ learningRate: -0.01, weightDecay: 0 }), params, grads, 2);
    const zero = runTransform(lion({ learningRate: 0 }), params, grads, 1);
    for (let k = 0; k < 2; k++) {
      for (const [path, values] of Object.entries(plain[k])) expect(negative[k][path]).toEqual(values.map((v) => -v));
    }
    for (const values of Object.values(zero[0])) expect(values.every((v) => v === 0)).toBe(true);
    treeDispose(params);
  });
});

describeContract('lion', { make: () => lion({ learningRate: 1e-3 }), perLeafState: true, readsParams: true });
