import { ema } from './ema';
import { chain } from '../combinators/chain';
import { scale } from '../transforms/scale';
import { treeDispose } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, gradientSequence, leastSquares, makeTree, runTransform } from '../../test-helpers';
import { reversedKeys, samLike, trainSteps } from '../../test-helpers/wrappers';

const { grads, gradValues } = gradientSequence(700);

// Float64 port of optax's ema (optax/transforms/_accumulation.py): update_moment with order 1,
// then bias_correction by 1 - decay^t when debiasing.
const reference = (n: number, decay: number, debias: boolean) =>
  elementwiseReference(gradValues(n), () => ({ m: 0 }), (g, s, t) => {
    s.m = (1 - decay) * g + decay * s.m;
    return debias ? s.m / (1 - Math.pow(decay, t)) : s.m;
  });

describe('ema', () => {
  it('matches a float64 port of optax ema, debiased or not (1e-6)', () => {
    const params = makeTree(1);
    expectTreesClose(runTransform(ema({ decay: 0.9 }), params, grads, 6), reference(6, 0.9, true), 1e-6);
    expectTreesClose(runTransform(ema({ decay: 0.5, debias: false }), params, grads, 6), reference(6, 0.5, false), 1e-6);
    treeDispose(params);
  });

  it('refuses bad arguments, naming ema and the argument', () => {
    expectBasinError(() => ema(undefined as never), /^ema: options must be an options record/);
    expectBasinError(() => ema({} as never), /^ema: decay must be a finite number, got undefined/);
    expectBasinError(() => ema({ decay: 1 }), /^ema: decay must be a number >= 0 and < 1, got 1/);
    expectBasinError(() => ema({ decay: -0.1 }), /^ema: decay must be a number >= 0 and < 1, got -0.1/);
    expectBasinError(() => ema({ decay: 0.9, debias: 'no' as never }), /^ema: debias must be true or false, got string no$/);
  });

  it('gives identical results for trees whose record keys were inserted in reverse order', () => {
    const params = makeTree(4);
    const reversedParams = reversedKeys(params);
    const a = runTransform(ema({ decay: 0.9 }), params, grads, 4);
    const b = runTransform(ema({ decay: 0.9 }), reversedParams, (k) => {
      const g = grads(k);
      const r = reversedKeys(g);
      treeDispose(g);
      return r;
    }, 4);
    expect(b).toEqual(a);
    treeDispose([params, reversedParams]);
  });

  it('composes in a chain after a SAM-like transform (decay 0 passes updates through exactly)', () => {
    const problem = leastSquares(16);
    const batch = problem.batch();
    const params = problem.params();
    const a = trainSteps(chain(samLike(0.05), ema({ decay: 0 }), scale(-0.1)), problem.lossFn, params, Array(3).fill(batch));
    const b = trainSteps(chain(samLike(0.05), scale(-0.1)), problem.lossFn, params, Array(3).fill(batch));
    expect(a.trajectory).toEqual(b.trajectory);
    treeDispose([batch, params, a.params, a.state, b.params, b.state]);
  });
});

describeContract('ema', { make: () => ema({ decay: 0.9 }), perLeafState: true });
describeContract('ema (no params)', { make: () => ema({ decay: 0.9, debias: false }), withParams: false });
