// sam, gsam and lookSam carry their base optimizer's state type, and take an optimizer chosen at
// run time (a union of transforms), typed as the union of the states.
import { tf } from '@basin/testing';
import { adam, sgd, treeDispose, type AdamOptimizerState, type SgdOptimizerState, type StateOf, type Tree } from '@basin/core';
import { sam } from './sam';
import { gsam } from './gsam';
import { lookSam } from './look-sam';

/** Compile-time equality of two types. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(value: T): T => value;

describe('typed base state of the SAM family', () => {
  const choose = (useAdam: boolean) => (useAdam ? adam({ learningRate: 0.01 }) : sgd({ learningRate: 0.1 }));

  it('takes a union of base optimizers and types state.base as the union of their states', () => {
    const before = tf.memory().numTensors;
    const opts = [sam(choose(true), { rho: 0.05 }), gsam(choose(true), { rho: 0.05, alpha: 0.1 }), lookSam(choose(true), { rho: 0.05, k: 2, alpha: 0.5 })];
    expectType<Equal<StateOf<(typeof opts)[0]>['base'], AdamOptimizerState | SgdOptimizerState>>(true);
    expectType<Equal<StateOf<(typeof opts)[1]>['base'], AdamOptimizerState | SgdOptimizerState>>(true);
    expectType<Equal<StateOf<(typeof opts)[2]>['base'], AdamOptimizerState | SgdOptimizerState>>(true);
    const params = { w: tf.tensor1d([0.1, -0.1]) };
    for (const opt of opts) {
      const state = opt.init(params);
      // adam's state at runtime, readable through the union: [moments, learning-rate count].
      expect((state.base[0] as AdamOptimizerState[0]).count).toBe(0);
      treeDispose(state as unknown as Tree);
    }
    tf.dispose(params.w);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("sam(adam(...)) reads adam's moments under state.base without casts", () => {
    const opt = sam(adam({ learningRate: 0.01 }), { rho: 0.05 });
    expectType<Equal<StateOf<typeof opt>['base'], AdamOptimizerState>>(true);
    const params = { w: tf.zeros([3]) };
    const before = tf.memory().numTensors;
    const state = opt.init(params);
    expect((state.base[0].mu as { w: tf.Tensor }).w.shape).toEqual([3]);
    // @ts-expect-error adam's chain has two pieces
    expect(state.base[2]).toBeUndefined();
    treeDispose(state as unknown as Tree);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(params.w);
  });
});
