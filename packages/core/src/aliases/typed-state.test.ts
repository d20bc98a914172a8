// The aliases' state types say what their state holds: these tests read the documented fields
// through the types, check the runtime values against them, and prove (with @ts-expect-error,
// checked by `npm run typecheck`) that wrong reads do not typecheck.
import { tf } from '@basin/testing';
import type { StateOf, Transform } from '../transform';
import { treeDispose, type Tree } from '../tree';
import { chain, type ChainState } from '../combinators/chain';
import { partition } from '../combinators/partition';
import { masked, type MaskedState } from '../combinators/masked';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { multiSteps } from '../wrappers/multi-steps';
import { lookahead } from '../wrappers/lookahead';
import { scaleByAdam, type AdamState } from '../transforms/scale-by-adam';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { trace, type TraceState } from '../transforms/trace';
import { clipByGlobalNorm } from '../transforms/clip';
import type { EmptyState } from '../transforms/identity';
import { adam, adamw, type AdamOptimizerState, type AdamWOptimizerState } from './adam';
import { sgd, type SgdOptimizerState } from './sgd';
import { lion, type LionOptimizerState } from './lion';
import { rmsprop } from './rmsprop';
import { adafactor, type AdafactorOptimizerState } from './adafactor';
import { lars } from './lars';

/** Compile-time equality of two types: `expectType<Equal<A, B>>(true)` fails to typecheck unless A and B are the same. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(value: T): T => value;

const params = (): Record<string, tf.Tensor> => ({ w: tf.ones([3, 2]), b: tf.zeros([2]) });
const gradsFor = (p: Tree, k: number): Tree => Object.fromEntries(Object.entries(p as Record<string, tf.Tensor>).map(([name, x]) => [name, tf.fill(x.shape, 0.1 * k)]));

/** Runs `steps` updates and returns the last state; disposes everything else. */
function stepsOf<S>(opt: Transform<S>, p: Tree, steps: number): S {
  let state = opt.init(p);
  for (let k = 1; k <= steps; k++) {
    const g = gradsFor(p, k);
    const [out, next] = opt.update(g, state, p);
    treeDispose([g, out, state]);
    state = next;
  }
  return state;
}

const shapeOf = (tree: Tree, key: string): number[] => (tree as Record<string, tf.Tensor>)[key].shape;

describe('typed state', () => {
  let before = 0;
  beforeEach(() => {
    before = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(before);
  });

  it('chain(a, b) is a tuple of their states; an array spread into chain falls back to an array of the union', () => {
    const pair = chain(scaleByAdam(), scaleByLearningRate(0.1));
    expectType<Equal<StateOf<typeof pair>, [AdamState, CountState]>>(true);
    const pieces = [trace({ decay: 0.9 }), scaleByLearningRate(0.1)];
    const spread = chain(...pieces);
    expectType<Equal<StateOf<typeof spread>[number], TraceState | CountState>>(true);
    expect(spread.name).toBe('chain');
    // @ts-expect-error an array, not a tuple: its length is not known
    expectType<Equal<StateOf<typeof spread>['length'], 2>>(true);
    const one: [TraceState] = [] as unknown as ChainState<[Transform<TraceState>]>;
    expect(one).toEqual([]);
    // A chain's tuple state still fits where any array state is expected.
    const wide: Transform<unknown[]> = pair;
    const p = params();
    const state = stepsOf(pair, p, 3);
    expect(state[0].count).toBe(3);
    expect(state[1].count).toBe(3);
    expect(shapeOf(state[0].mu, 'w')).toEqual([3, 2]);
    // @ts-expect-error a two-piece chain has no third state
    expect(state[2]).toBeUndefined();
    expect(wide.name).toBe('chain');
    treeDispose([p, state]);
  });

  it("adam's state: [adam: { count, mu, nu }, learningRate: { count }]", () => {
    const opt = adam({ learningRate: 0.1 });
    expectType<Equal<StateOf<typeof opt>, AdamOptimizerState>>(true);
    const p = params();
    const state: AdamOptimizerState = stepsOf(opt, p, 2);
    const [moments, learningRate] = state;
    expect(moments.count).toBe(2);
    expect(learningRate.count).toBe(2);
    expect(shapeOf(moments.mu, 'w')).toEqual([3, 2]);
    expect(shapeOf(moments.nu, 'b')).toEqual([2]);
    // mu after two steps of constant-per-step gradients 0.1, 0.2 with b1 0.9: 0.9 * 0.01 + 0.02.
    expect((moments.mu as Record<string, tf.Tensor>).b.dataSync()[0]).toBeCloseTo(0.029, 6);
    // @ts-expect-error the learning rate keeps a count, not moments
    expect(state[1].mu).toBeUndefined();
    // @ts-expect-error adam keeps no momentum trace
    expect(state[0].trace).toBeUndefined();
    treeDispose([p, state]);
  });

  it("adamw's and lion's state name the weight decay's entry (empty without a mask, masked's with one)", () => {
    const p = params();
    const plain = stepsOf(adamw({ learningRate: 0.1 }), p, 1);
    expectType<Equal<typeof plain, AdamWOptimizerState>>(true);
    expect(plain[1]).toEqual({});
    const withMask = stepsOf(adamw({ learningRate: 0.1, mask: { w: true, b: false } }), p, 1);
    expect(withMask[1]).toEqual({ inner: {} });
    const l: LionOptimizerState = stepsOf(lion({ learningRate: 0.1 }), p, 2);
    expect(shapeOf(l[0].mu, 'w')).toEqual([3, 2]);
    expect(l[2].count).toBe(2);
    // @ts-expect-error Lion keeps no second moment
    expect(l[0].nu).toBeUndefined();
    treeDispose([p, plain, withMask, l]);
  });

  it("sgd's momentum entry is a trace with momentum and empty without; narrowing tells them apart", () => {
    const p = params();
    const withMomentum: SgdOptimizerState = stepsOf(sgd({ learningRate: 0.1, momentum: 0.9 }), p, 2);
    const momentum = withMomentum[0];
    if (!('trace' in momentum)) throw new Error('sgd with momentum keeps a trace');
    expect(shapeOf(momentum.trace, 'w')).toEqual([3, 2]);
    const without = stepsOf(sgd({ learningRate: 0.1 }), p, 2);
    expect(without[0]).toEqual({});
    expect(without[1].count).toBe(2);
    const r = stepsOf(rmsprop({ learningRate: 0.1, centered: true }), p, 1);
    expect(r[0].count).toBe(1);
    expect(r[0].mu).toBeDefined();
    expect(r[2]).toEqual({});
    treeDispose([p, withMomentum, without, r]);
  });

  it("adafactor's state: factored moments first, the sign flip's {} last, enabled pieces between", () => {
    const p = { w: tf.ones([4, 3]) };
    const state: AdafactorOptimizerState = stepsOf(adafactor({ learningRate: 0.01, minDimSizeToFactor: 2, momentum: 0.9 }), p, 2);
    const [rms] = state;
    expect(rms.count).toBe(2);
    // A [4, 3] leaf keeps 4 + 3 numbers: rows without the largest dimension, columns without the other.
    expect(shapeOf(rms.vRow, 'w')).toEqual([3]);
    expect(shapeOf(rms.vCol, 'w')).toEqual([4]);
    // rms, clip, learning rate, parameter scale, momentum, sign flip.
    expect(state).toHaveLength(6);
    expect(state[state.length - 1]).toEqual({});
    treeDispose([p, state]);
  });

  it('wrappers and combinators carry the inner state type: multiSteps, lookahead, masked, partition, injectHyperparams, lars', () => {
    const p = params();
    const ms = stepsOf(multiSteps(adam({ learningRate: 0.1 }), { everyKSteps: 2 }), p, 2);
    expect(ms.innerOptState[0].count).toBe(1);
    const la = stepsOf(lookahead(sgd({ learningRate: 0.1, momentum: 0.9 }), { syncPeriod: 2, slowStepSize: 0.5 }), p, 1);
    expectType<Equal<typeof la.fastState, SgdOptimizerState>>(true);
    const m = masked(scaleByAdam(), { w: true, b: false });
    expectType<Equal<StateOf<typeof m>, MaskedState<AdamState>>>(true);
    expect(m.name).toBe('masked');
    const parts = partition({ fast: adam({ learningRate: 0.1 }), slow: sgd({ learningRate: 0.01 }) }, { w: 'fast', b: 'slow' });
    const ps = stepsOf(parts, p, 1);
    expect(ps.fast[0].count).toBe(1);
    expect(ps.slow[1].count).toBe(1);
    // @ts-expect-error partition's state has only the labels it was given
    expect(ps.medium).toBeUndefined();
    const injected = stepsOf(injectHyperparams(adam, { learningRate: 0.1 }), p, 1);
    expect(injected.inner[0].count).toBe(1);
    const l = stepsOf(lars({ learningRate: 0.1, trustRatioMask: { w: true, b: false } }), p, 1);
    expect(l[0]).toEqual({});
    expect(l[1]).toEqual({ inner: {} });
    expect(shapeOf(l[3].trace, 'b')).toEqual([2]);
    treeDispose([p, ms, la, ps, injected, l]);
  });

  it('a union of optimizers fits a generic wrapper, and one declared as Transform<unknown[]> holds any alias', () => {
    const pick = (useAdam: boolean) => (useAdam ? adam({ learningRate: 0.1 }) : sgd({ learningRate: 0.1 }));
    const wrapped = multiSteps(pick(true), { everyKSteps: 1 });
    expectType<Equal<StateOf<typeof wrapped>['innerOptState'], AdamOptimizerState | SgdOptimizerState>>(true);
    expect(wrapped.name).toBe('multiSteps');
    let any: Transform<unknown[]> = adam({ learningRate: 0.1 });
    any = lion({ learningRate: 0.1 });
    const p = params();
    const s = stepsOf(any, p, 1);
    expect(s).toHaveLength(3);
    treeDispose([p, s]);
  });

  it("refuses another optimizer's state at compile time (the guard refuses it at run time too)", () => {
    const p = params();
    const g = gradsFor(p, 1);
    const adamState = adam({ learningRate: 0.1 }).init(p);
    // @ts-expect-error sgd's update takes sgd's state, not adam's
    expect(() => sgd({ learningRate: 0.1, momentum: 0.9 }).update(g, adamState, p)).toThrow(/^sgd: the state was made by adam/);
    const chained = chain(clipByGlobalNorm(1), trace({ decay: 0.9 }));
    expectType<Equal<StateOf<typeof chained>, [EmptyState, TraceState]>>(true);
    expect(chained.name).toBe('chain');
    treeDispose([p, g, adamState]);
  });
});
