// SAM-family state types carry the base optimizer's: `state.base` reads as adam's typed state.
import { tf } from '@basin/testing';
import { adam, sgd, step, treeDispose, type AdamOptimizerState, type SgdOptimizerState, type StateOf, type StepResult, type Tree } from '@basin/core';
import { sam, type SamState } from '@basin/sam';
import { mSam, type MSamState } from './m-sam';

/** Compile-time equality of two types. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(value: T): T => value;

type Batch = { X: tf.Tensor; y: tf.Tensor };
const loss = (params: Tree, batch: Batch): tf.Scalar =>
  tf.tidy(() => tf.mean(tf.square(tf.sub(tf.sum(tf.mul(batch.X, (params as { w: tf.Tensor }).w), 1), batch.y))) as tf.Scalar);

describe('typed base state (m-SAM, SAM)', () => {
  it("mSam(adam(...)) and sam(adam(...)) keep adam's state, typed, under state.base", () => {
    const before = tf.memory().numTensors;
    const batch = { X: tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]]), y: tf.tensor1d([1, 0, 1, 0]) };
    const opt = mSam(adam({ learningRate: 0.01 }), { rho: 0.05, microbatches: 2 });
    expectType<Equal<StateOf<typeof opt>, MSamState<AdamOptimizerState>>>(true);
    const samOpt = sam(adam({ learningRate: 0.01 }), { rho: 0.05 });
    expectType<Equal<StateOf<typeof samOpt>, SamState<AdamOptimizerState>>>(true);
    let params: Tree = { w: tf.tensor1d([0.1, -0.1]) };
    let state = opt.init(params);
    for (let k = 0; k < 2; k++) {
      const r: StepResult<MSamState<AdamOptimizerState>> = step(opt, loss, params, state, batch);
      treeDispose([params, state, r.loss]);
      params = r.params;
      state = r.state;
    }
    expect(state.count).toBe(2);
    const [moments, learningRate] = state.base;
    expect(moments.count).toBe(2);
    expect((moments.mu as { w: tf.Tensor }).w.shape).toEqual([2]);
    expect(learningRate.count).toBe(2);
    // @ts-expect-error adam's chain has two pieces
    expect(state.base[2]).toBeUndefined();
    const samState = samOpt.init(params);
    expect(samState.base[0].count).toBe(0);
    treeDispose([params, state, samState, batch]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('mSam takes a union of optimizers (chosen at run time), with the union of their states', () => {
    const choose = (useAdam: boolean) => (useAdam ? adam({ learningRate: 0.01 }) : sgd({ learningRate: 0.1 }));
    const opt = mSam(choose(false), { rho: 0.05, microbatches: 1 });
    expectType<Equal<StateOf<typeof opt>['base'], AdamOptimizerState | SgdOptimizerState>>(true);
    expect(opt.name).toBe('mSam');
  });
});
