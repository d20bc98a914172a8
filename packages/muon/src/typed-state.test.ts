// muon's state type says where each branch's momentum is: read through it, checked against the values.
import { tf } from '@basin/testing';
import { treeDispose, type Tree } from '@basin/core';
import { muon, type MuonOptimizerState } from './muon';

describe("muon's typed state", () => {
  it('exposes the Muon momentum of the matrices and AdamW moments of the rest, keyed by path', () => {
    const before = tf.memory().numTensors;
    const params: Tree = { 'dense.kernel': tf.ones([4, 3]), 'dense.bias': tf.zeros([3]) };
    const opt = muon({ learningRate: 0.02 });
    let state: MuonOptimizerState = opt.init(params);
    for (let k = 1; k <= 3; k++) {
      const grads = { 'dense.kernel': tf.randomNormal([4, 3], 0, 1, 'float32', k), 'dense.bias': tf.fill([3], 0.1) };
      const [updates, next] = opt.update(grads, state, params);
      treeDispose([grads, updates, state]);
      state = next;
    }
    const [scaleByMuonState, , muonLearningRate] = state.muon;
    expect(scaleByMuonState.count).toBe(3);
    expect(Object.keys(scaleByMuonState.mu)).toEqual(['dense.kernel']);
    expect((scaleByMuonState.mu as Record<string, tf.Tensor>)['dense.kernel'].shape).toEqual([4, 3]);
    expect(muonLearningRate.count).toBe(3);
    const [adamMoments] = state.adam;
    expect(adamMoments.count).toBe(3);
    expect(Object.keys(adamMoments.mu)).toEqual(['dense.bias']);
    expect((adamMoments.nu as Record<string, tf.Tensor>)['dense.bias'].shape).toEqual([3]);
    // The bias's first moment after three gradients of 0.1 with b1 0.9: 0.1 (1 - 0.9^3).
    expect((adamMoments.mu as Record<string, tf.Tensor>)['dense.bias'].dataSync()[0]).toBeCloseTo(0.1 * (1 - 0.9 ** 3), 6);
    // @ts-expect-error muon's state has two branches, muon and adam
    expect(state.sgd).toBeUndefined();
    // @ts-expect-error scaleByMuon keeps no second moment
    expect(scaleByMuonState.nu).toBeUndefined();
    treeDispose([params, state]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
