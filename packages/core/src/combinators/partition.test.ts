import { tf, expectClose } from '@basin/testing';
import { partition } from './partition';
import { scaleByAdam } from '../transforms/scale-by-adam';
import { scale } from '../transforms/scale';
import { setToZero } from '../transforms/set-to-zero';
import { trace } from '../transforms/trace';
import { scaleBySchedule } from '../transforms/scale-by-schedule';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, expectIntact, leafValues, makeTree, runTransform, snapshot } from '../../test-helpers';

const grads = (k: number) => makeTree(600 + k);
const labelTree = { dense: { kernel: 'adam', bias: 'sgd' }, gain: 'frozen' };
const make = () => partition({ adam: scaleByAdam(), sgd: scale(-0.1), frozen: setToZero() }, labelTree);

/** Runs a transform on one leaf alone, as a reference for what its branch should do. */
function alone(t: Parameters<typeof runTransform>[0], path: 'kernel' | 'bias', steps: number) {
  const pick = (tree: Tree) => ({ x: (tree as { dense: Record<string, tf.Tensor> }).dense[path] });
  const full = makeTree(1);
  const p = pick(full);
  const out = runTransform(t, p, (k) => {
    const g = grads(k);
    const leaf = tf.clone(pick(g).x);
    treeDispose(g);
    return { x: leaf };
  }, steps);
  treeDispose(full);
  return out.map((o) => o.x);
}

describe('partition', () => {
  it('sends each leaf to its label\'s transform (tree labels), as if run alone', () => {
    const params = makeTree(1);
    const out = runTransform(make(), params, grads, 4);
    const adamAlone = alone(scaleByAdam(), 'kernel', 4);
    out.forEach((step, k) => {
      expect(step['dense.kernel']).toEqual(adamAlone[k]);
      expect(step.gain).toEqual([0]);
      const g = grads(k);
      expectClose(step['dense.bias'], leafValues(g)['dense.bias'].map((x) => -0.1 * x), 1e-6);
      treeDispose(g);
    });
    treeDispose(params);
  });

  it('keeps state only for each branch\'s own leaves', () => {
    const params = makeTree(1);
    const t = partition({ adam: scaleByAdam(), momentum: trace({ decay: 0.9 }) }, { dense: { kernel: 'adam', bias: 'momentum' }, gain: 'momentum' });
    const s = t.init(params) as { adam: { mu: Record<string, tf.Tensor> }; momentum: { trace: Record<string, tf.Tensor> } };
    expect(Object.keys(s)).toEqual(['adam', 'momentum']);
    expect(Object.keys(s.adam.mu)).toEqual(['dense.kernel']);
    expect(s.adam.mu['dense.kernel'].shape).toEqual([3, 2]);
    expect(Object.keys(s.momentum.trace)).toEqual(['dense.bias', 'gain']);
    treeDispose([params, s]);
  });

  it('accepts labels as a function of the params (here: by rank)', () => {
    const params = makeTree(1);
    const byRank = (p: Tree) => ({
      dense: { kernel: 'adam', bias: 'sgd' },
      gain: (p as { gain: tf.Tensor }).gain.rank === 0 ? 'frozen' : 'sgd',
    });
    const withFn = partition({ adam: scaleByAdam(), sgd: scale(-0.1), frozen: setToZero() }, byRank);
    expect(runTransform(withFn, params, grads, 3)).toEqual(runTransform(make(), params, grads, 3));
    treeDispose(params);
  });

  it('gives params to the branches that read them', () => {
    const params = makeTree(1);
    const t = partition({ decay: addDecayedWeights({ weightDecay: 1 }), zero: setToZero() }, { dense: { kernel: 'decay', bias: 'zero' }, gain: 'zero' });
    const [out] = runTransform(t, params, () => ({ dense: { kernel: tf.zeros([3, 2]), bias: tf.zeros([2]) }, gain: tf.scalar(0) }), 1);
    expectClose(out['dense.kernel'], leafValues(params)['dense.kernel'], 1e-7);
    treeDispose(params);
  });

  it('names labels that have no transform, and labels that do not match the params', () => {
    const params = makeTree(1);
    expectBasinError(
      () => partition({ adam: scaleByAdam() }, { dense: { kernel: 'adam', bias: 'sgd' }, gain: 'frozen' }).init(params),
      /partition: labels 'sgd', 'frozen' have no transform \(known: adam\)/,
    );
    expectBasinError(
      () => partition({ adam: scaleByAdam() }, { dense: { kernel: 'adam' }, gain: 'adam', extra: 'adam' }).init(params),
      /partition: labels does not match the params tree \(no label for 'dense\.bias'; labels for leaves the params lack: 'extra'\)/,
    );
    expectBasinError(() => partition({ adam: scaleByAdam() }, { dense: { kernel: 'adam', bias: 3 }, gain: 'adam' } as never).init(params), /partition: labels .*'dense\.bias'/);
    treeDispose(params);
  });

  it('refuses params where two leaves spell the same path (they would share one update)', () => {
    const params = { a: { b: tf.ones([2]) }, 'a.b': tf.ones([2]) };
    expectBasinError(() => partition({ x: scale(2), y: scale(-5) }, { a: { b: 'x' }, 'a.b': 'y' }).init(params), /partition: two leaves have the path 'a\.b'/);
    treeDispose(params);
  });

  it('if a branch throws, disposes the other branches\' outputs and states; state intact', () => {
    const params = makeTree(1);
    const t = partition({ adam: scaleByAdam(), bad: scaleBySchedule(() => NaN) }, { dense: { kernel: 'adam', bias: 'bad' }, gain: 'adam' });
    const state = t.init(params);
    const g = grads(0);
    const snap = snapshot([state, params, g]);
    expectBasinError(() => t.update(g, state, params), /scaleBySchedule/);
    expectIntact(snap);
    treeDispose([params, state, g]);
  });
});

describeContract('partition', { make, perLeafState: true });
describeContract('partition (reads params)', {
  make: () => partition({ decay: addDecayedWeights({ weightDecay: 0.1 }), sgd: scale(-0.1) }, { dense: { kernel: 'decay', bias: 'sgd' }, gain: 'sgd' }),
  readsParams: true,
});
