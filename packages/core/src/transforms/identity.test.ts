import { identity } from './identity';
import { collectTensors, treeDispose } from '../tree';
import { describeContract, leafValues, makeTree } from '../../test-helpers';

describe('identity', () => {
  it('passes updates through unchanged, as new tensors, with empty state', () => {
    const t = identity();
    const g = makeTree(1);
    const state = t.init(g);
    expect(state).toEqual({});
    const [u, s] = t.update(g, state);
    expect(leafValues(u)).toEqual(leafValues(g));
    for (const x of collectTensors(u)) expect(collectTensors(g).has(x)).toBe(false);
    expect(s).toEqual({});
    treeDispose([g, u]);
  });
});

describeContract('identity', { make: identity, withParams: false });
