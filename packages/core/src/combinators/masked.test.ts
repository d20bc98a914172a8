import { tf, expectClose } from '@basin/testing';
import { masked } from './masked';
import { trace } from '../transforms/trace';
import { scale } from '../transforms/scale';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, leafValues, makeTree, runTransform } from '../../test-helpers';

const grads = (k: number) => makeTree(700 + k);
const mask = { dense: { kernel: true, bias: false }, gain: true };

describe('masked', () => {
  it('applies the inner transform to masked leaves only; the others pass through unchanged', () => {
    const params = makeTree(1);
    const out = runTransform(masked(scale(10), mask), params, grads, 2);
    out.forEach((step, k) => {
      const g = leafValues(grads(k));
      expectClose(step['dense.kernel'], g['dense.kernel'].map((x) => 10 * x), 1e-6);
      expectClose(step.gain, g.gain.map((x) => 10 * x), 1e-6);
      expect(step['dense.bias']).toEqual(g['dense.bias']);
    });
    treeDispose(params);
  });

  it('keeps inner state for the masked leaves only, and it evolves as the inner transform alone', () => {
    const params = makeTree(1);
    const t = masked(trace({ decay: 0.5 }), mask);
    const s = t.init(params) as { inner: { trace: Record<string, tf.Tensor> } };
    expect(Object.keys(s.inner.trace)).toEqual(['dense.kernel', 'gain']);
    const out = runTransform(t, params, grads, 3);
    const ref = runTransform(trace({ decay: 0.5 }), params, grads, 3);
    out.forEach((step, k) => {
      expect(step['dense.kernel']).toEqual(ref[k]['dense.kernel']);
      expect(step.gain).toEqual(ref[k].gain);
    });
    treeDispose([params, s]);
  });

  it('accepts the mask as a function of the params', () => {
    const params = makeTree(1);
    const byRank = (p: Tree) => ({ dense: { kernel: true, bias: false }, gain: (p as { gain: tf.Tensor }).gain.rank === 0 });
    expect(runTransform(masked(trace({ decay: 0.5 }), byRank), params, grads, 3)).toEqual(
      runTransform(masked(trace({ decay: 0.5 }), mask), params, grads, 3),
    );
    treeDispose(params);
  });

  it('names a mask that does not match the params, or is not boolean', () => {
    const params = makeTree(1);
    expectBasinError(() => masked(scale(1), { dense: { kernel: true, bias: true } }).init(params), /masked: mask does not match the params tree \(no label for 'gain'\)/);
    expectBasinError(() => masked(scale(1), { dense: { kernel: true, bias: 'yes' }, gain: true } as never).init(params), /masked: mask .*'dense\.bias'/);
    treeDispose(params);
  });
});

describeContract('masked', { make: () => masked(trace({ decay: 0.9 }), mask), perLeafState: true });
describeContract('masked (reads params)', { make: () => masked(addDecayedWeights({ weightDecay: 0.1 }), mask), readsParams: true });
