import { setToZero } from './set-to-zero';
import { treeDispose, treeFlatten } from '../tree';
import { describeContract, leafValues, makeTree } from '../../test-helpers';

describe('setToZero', () => {
  it('replaces every update by zeros of the same shape', () => {
    const t = setToZero();
    const g = makeTree(1);
    const [u, s] = t.update(g, t.init(g));
    expect(leafValues(u)).toEqual({ 'dense.kernel': [0, 0, 0, 0, 0, 0], 'dense.bias': [0, 0], gain: [0] });
    expect(treeFlatten(u).map((x) => x.shape)).toEqual([[2], [3, 2], []]); // dense.bias, dense.kernel, gain
    expect(s).toEqual({});
    treeDispose([g, u]);
  });
});

describeContract('setToZero', { make: setToZero, withParams: false });
