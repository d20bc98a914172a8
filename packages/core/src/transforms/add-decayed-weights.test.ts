import { tf, expectClose } from '@basin/testing';
import { addDecayedWeights } from './add-decayed-weights';
import { Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, f64, leafValues, makeTree } from '../../test-helpers';

describe('addDecayedWeights', () => {
  it('adds weightDecay * params to every update', () => {
    const params = makeTree(1);
    const g = makeTree(2);
    const t = addDecayedWeights({ weightDecay: 0.1 });
    const [u] = t.update(g, t.init(params), params);
    const [pv, gv, uv] = [leafValues(params), leafValues(g), leafValues(u)];
    for (const path of Object.keys(pv)) expectClose(uv[path], f64.add(gv[path], f64.scale(pv[path], 0.1)), 1e-6);
    treeDispose([params, g, u]);
  });

  it('with a boolean mask tree, decays only the masked leaves', () => {
    const params = makeTree(1);
    const g = makeTree(2);
    const t = addDecayedWeights({ weightDecay: 0.5, mask: { dense: { kernel: true, bias: false }, gain: false } });
    const state = t.init(params);
    const [u] = t.update(g, state, params);
    const [pv, gv, uv] = [leafValues(params), leafValues(g), leafValues(u)];
    expectClose(uv['dense.kernel'], f64.add(gv['dense.kernel'], f64.scale(pv['dense.kernel'], 0.5)), 1e-6);
    expect(uv['dense.bias']).toEqual(gv['dense.bias']);
    expect(uv.gain).toEqual(gv.gain);
    treeDispose([params, g, u]);
  });

  it('with a mask function of the params (matrices only)', () => {
    const params = makeTree(1);
    const g = makeTree(2);
    const mask = (p: Tree) => ({ dense: { kernel: true, bias: false }, gain: (p as { gain: tf.Tensor }).gain.rank > 0 });
    const t = addDecayedWeights({ weightDecay: 0.5, mask });
    const [u] = t.update(g, t.init(params), params);
    const [pv, gv, uv] = [leafValues(params), leafValues(g), leafValues(u)];
    expectClose(uv['dense.kernel'], f64.add(gv['dense.kernel'], f64.scale(pv['dense.kernel'], 0.5)), 1e-6);
    expect(uv.gain).toEqual(gv.gain);
    treeDispose([params, g, u]);
  });

  it('names a mask that does not match the params', () => {
    const params = makeTree(1);
    expectBasinError(
      () => addDecayedWeights({ weightDecay: 0.5, mask: { dense: { kernel: true }, gain: false } }).init(params),
      /^addDecayedWeights: mask does not match the params tree \(no label for 'dense\.bias'\)/,
    );
    treeDispose(params);
  });

  it('rejects a negative or non-finite weightDecay', () => {
    expect(() => addDecayedWeights({ weightDecay: -1e-4 })).toThrow(/addDecayedWeights: weightDecay must be a number >= 0, got -0.0001/);
    expect(() => addDecayedWeights({ weightDecay: NaN })).toThrow(/addDecayedWeights: weightDecay must be a finite number/);
  });
});

describeContract('addDecayedWeights', { make: () => addDecayedWeights({ weightDecay: 0.1 }), readsParams: true });
describeContract('addDecayedWeights (masked)', {
  make: () => addDecayedWeights({ weightDecay: 0.1, mask: { dense: { kernel: true, bias: false }, gain: true } }),
  readsParams: true,
});
