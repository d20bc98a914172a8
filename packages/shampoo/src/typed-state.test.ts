// shampoo's state type says what its chain keeps: read through it, checked against the values.
import { tf } from '@basin/testing';
import { treeDispose, type Tree } from '@basin/core';
import { shampoo, type ShampooOptimizerState } from './shampoo';

describe("shampoo's typed state", () => {
  it('exposes the statistics, roots, grafting moments and root failures per parameter path, then momentum and the learning rate', () => {
    const before = tf.memory().numTensors;
    const params: Tree = { w: tf.ones([5, 3]), b: tf.zeros([3]) };
    const opt = shampoo({ learningRate: 0.01, momentum: 0.9, grafting: 'adam' });
    let state: ShampooOptimizerState = opt.init(params);
    for (let k = 1; k <= 2; k++) {
      const grads = { w: tf.randomNormal([5, 3], 0, 1, 'float32', k), b: tf.fill([3], 0.1 * k) };
      const [updates, next] = opt.update(grads, state, params);
      treeDispose([grads, updates, state]);
      state = next;
    }
    const [preconditioner, momentum, weightDecay, learningRate] = state;
    expect(preconditioner.count).toBe(2);
    expect(preconditioner.rootFailures).toBe(0);
    expect(Object.keys(preconditioner.leaves).sort()).toEqual(['b', 'w']);
    const { w, b } = preconditioner.leaves;
    // A [5, 3] matrix: one block, a full statistic and root per dimension.
    expect(w.stats[0].map((s) => s.shape)).toEqual([[5, 5], [3, 3]]);
    expect(w.roots[0].map((r) => r.shape)).toEqual([[5, 5], [3, 3]]);
    // A vector: one diagonal statistic.
    expect(b.stats[0].map((s) => s.shape)).toEqual([[3]]);
    expect(w.grafting.mu?.shape).toEqual([5, 3]);
    expect(w.grafting.nu?.shape).toEqual([5, 3]);
    if (!('trace' in momentum)) throw new Error('shampoo with momentum keeps a trace');
    expect((momentum.trace as Record<string, tf.Tensor>).w.shape).toEqual([5, 3]);
    expect(weightDecay).toEqual({});
    expect(learningRate.count).toBe(2);
    // @ts-expect-error the failures are counted in rootFailures
    expect(preconditioner.failures).toBeUndefined();
    // @ts-expect-error shampoo's chain has four pieces
    expect(state[4]).toBeUndefined();
    treeDispose([params, state]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
