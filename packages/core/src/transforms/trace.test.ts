import { trace } from './trace';
import { describeContract, elementwiseReference, expectTreesClose, makeTree, runTransform, gradientSequence } from '../../test-helpers';
import { treeDispose } from '../tree';

const { grads, gradValues } = gradientSequence(100);

describe('trace', () => {
  it('heavy ball: t = g + decay t, update t (float64 reference, 5 steps)', () => {
    const params = makeTree(1);
    const out = runTransform(trace({ decay: 0.9 }), params, grads, 5);
    const ref = elementwiseReference(gradValues(5), () => ({ t: 0 }), (g, s) => (s.t = g + 0.9 * s.t));
    expectTreesClose(out, ref, 1e-5);
    treeDispose(params);
  });

  it('nesterov: update g + decay t with the new trace (float64 reference, 5 steps)', () => {
    const params = makeTree(1);
    const out = runTransform(trace({ decay: 0.8, nesterov: true }), params, grads, 5);
    const ref = elementwiseReference(gradValues(5), () => ({ t: 0 }), (g, s) => {
      s.t = g + 0.8 * s.t;
      return g + 0.8 * s.t;
    });
    expectTreesClose(out, ref, 1e-5);
    treeDispose(params);
  });

  it('decay 0 passes gradients through', () => {
    const params = makeTree(1);
    const out = runTransform(trace({ decay: 0 }), params, grads, 2);
    expectTreesClose(out, gradValues(2), 1e-7);
    treeDispose(params);
  });

  it('rejects a decay outside [0, 1)', () => {
    expect(() => trace({ decay: 1 })).toThrow(/trace: decay must be a number >= 0 and < 1, got 1/);
    expect(() => trace({ decay: -0.1 })).toThrow(/trace: decay/);
    expect(() => trace({} as { decay: number })).toThrow(/trace: decay must be a finite number/);
  });
});

describeContract('trace', { make: () => trace({ decay: 0.9 }), perLeafState: true });
describeContract('trace (nesterov)', { make: () => trace({ decay: 0.9, nesterov: true }), perLeafState: true });
