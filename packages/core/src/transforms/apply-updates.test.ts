import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { applyUpdates } from './apply-updates';
import { collectTensors, treeDispose } from '../tree';
import { expectBasinError, expectIntact, f64, leafValues, makeTree, snapshot } from '../../test-helpers';

describe('applyUpdates', () => {
  it('adds updates to params leaf by leaf as new tensors, leaving the inputs alone', () => {
    const p = makeTree(1);
    const u = makeTree(2);
    const snap = snapshot([p, u]);
    const next = applyUpdates(p, u);
    const [pv, uv, nv] = [leafValues(p), leafValues(u), leafValues(next)];
    for (const path of Object.keys(pv)) expectClose(nv[path], f64.add(pv[path], uv[path]), 1e-6);
    for (const x of collectTensors(next)) expect(collectTensors([p, u]).has(x)).toBe(false);
    expectIntact(snap);
    treeDispose([p, u, next]);
  });

  it('keeps the params dtype', () => {
    const p = { step: tf.tensor1d([1, 2], 'int32') };
    const u = { step: tf.tensor1d([1, 1], 'float32') };
    const next = applyUpdates(p, u) as { step: tf.Tensor };
    expect(next.step.dtype).toBe('int32');
    expect(leafValues(next)).toEqual({ step: [2, 3] });
    treeDispose([p, u, next]);
  });

  it('throws a BasinError naming the mismatched path; params unchanged', () => {
    const p = makeTree(3);
    const wrongShape = { dense: { kernel: tf.zeros([3, 2]), bias: tf.zeros([3]) }, gain: tf.scalar(0) };
    const missing = { dense: { kernel: tf.zeros([3, 2]), bias: tf.zeros([2]) } };
    const snap = snapshot(p);
    expectBasinError(() => applyUpdates(p, wrongShape), /^applyUpdates: updates does not match params at 'dense\.bias': expected shape \[2\], got \[3\]$/);
    expectBasinError(() => applyUpdates(p, missing), /applyUpdates: .*missing \{gain\}/);
    expectIntact(snap);
    treeDispose([p, wrongShape, missing]);
  });

  it('does not leak', () => {
    const p = makeTree(4);
    const u = makeTree(5);
    expectNoLeak(() => treeDispose(applyUpdates(p, u)));
    treeDispose([p, u]);
  });
});
