import { expectClose } from '@basin/testing';
import { scale } from './scale';
import { treeDispose } from '../tree';
import { describeContract, leafValues, makeTree } from '../../test-helpers';

describe('scale', () => {
  it('multiplies every update by the factor', () => {
    const t = scale(-0.25);
    const g = makeTree(1);
    const [u] = t.update(g, t.init(g));
    const gv = leafValues(g);
    const uv = leafValues(u);
    for (const path of Object.keys(gv)) expectClose(uv[path], gv[path].map((x) => -0.25 * x), 1e-6);
    treeDispose([g, u]);
  });

  it('rejects a non-finite factor, naming it', () => {
    expect(() => scale(NaN)).toThrow(/scale: factor must be a finite number, got NaN/);
    expect(() => scale('2' as unknown as number)).toThrow(/scale: factor/);
  });
});

describeContract('scale', { make: () => scale(3), withParams: false });
