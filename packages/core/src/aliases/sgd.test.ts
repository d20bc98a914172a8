import { tf, expectClose } from '@basin/testing';
import { sgd } from './sgd';
import { chain } from '../combinators/chain';
import { identity } from '../transforms/identity';
import { trace } from '../transforms/trace';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { applyUpdates } from '../transforms/apply-updates';
import { exponentialDecay } from '../schedules';
import { treeDispose } from '../tree';
import { describeContract, elementwiseReference, expectTreesClose, leafValues, makeTree, runTransform, gradientSequence } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(900);

describe('sgd', () => {
  it('steps against the gradient', () => {
    const opt = sgd({ learningRate: 0.1 });
    const params = { w: tf.tensor1d([1, 2]) };
    const g = { w: tf.tensor1d([1, -1]) };
    const state = opt.init(params);
    const [u, s] = opt.update(g, state, params);
    expectClose(leafValues(u).w, [-0.1, 0.1], 1e-7);
    const p = applyUpdates(params, u);
    expectClose(leafValues(p).w, [0.9, 2.1], 1e-7);
    treeDispose([params, g, state, u, s, p]);
  });

  it('equals its explicit chains: plain, momentum, nesterov, scheduled', () => {
    const params = makeTree(1);
    const lr = exponentialDecay({ init: 0.1, transitionSteps: 2, decayRate: 0.5 });
    const cases: [ReturnType<typeof sgd>, ReturnType<typeof chain>][] = [
      [sgd({ learningRate: 0.1 }), chain(identity(), scaleByLearningRate(0.1))],
      [sgd({ learningRate: 0.1, momentum: 0.9 }), chain(trace({ decay: 0.9 }), scaleByLearningRate(0.1))],
      [sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }), chain(trace({ decay: 0.9, nesterov: true }), scaleByLearningRate(0.1))],
      [sgd({ learningRate: lr, momentum: 0.5 }), chain(trace({ decay: 0.5 }), scaleByLearningRate(lr))],
    ];
    for (const [alias, explicit] of cases) expect(runTransform(alias, params, grads, 4)).toEqual(runTransform(explicit, params, grads, 4));
    treeDispose(params);
  });

  it('nesterov momentum matches a hand-computed float64 reference', () => {
    const params = makeTree(1);
    const out = runTransform(sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }), params, grads, 5);
    const ref = elementwiseReference(gradValues(5), () => ({ t: 0 }), (g, s) => {
      s.t = g + 0.9 * s.t;
      return -0.05 * (g + 0.9 * s.t);
    });
    expectTreesClose(out, ref, 1e-5);
    treeDispose(params);
  });

  it('rejects invalid options, naming them', () => {
    expect(() => sgd({ learningRate: NaN })).toThrow(/^sgd: learningRate must be a finite number, got NaN$/);
    expect(() => sgd({ learningRate: 0.1, momentum: 1.5 })).toThrow(/^sgd: momentum must be a number >= 0 and < 1, got 1.5$/);
  });
});

describeContract('sgd', { make: () => sgd({ learningRate: 0.1, momentum: 0.9 }), perLeafState: true });
