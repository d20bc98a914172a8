import { tf, expectClose } from '@basin/testing';
import { reduceOnPlateau, ReduceOnPlateauState } from './reduce-on-plateau';
import { sgd } from '../aliases/sgd';
import { adam } from '../aliases/adam';
import { chain } from '../combinators/chain';
import type { Transform } from '../transform';
import { Trainer } from '../training/trainer';
import { treeDispose, treeFlatten } from '../tree';
import { decodeTree, encodeTree } from '../checkpoint';
import { describeContract, expectBasinError, expectIntact, leafValues, leastSquares, makeTree, snapshot } from '../../test-helpers';
import { reversedKeys, samLike, stateValues, trainSteps } from '../../test-helpers/wrappers';

/**
 * Float64 port of optax's reduce_on_plateau update (optax/contrib/_reduce_on_plateau.py), for
 * patience >= 1 (where its `plateau_count == patience` test and Basin's agree).
 */
function reference(values: number[], o: { factor: number; patience: number; rtol: number; atol: number; cooldown: number; accumulationSize: number; minScale: number }) {
  let s = { scale: 1, bestValue: Infinity, plateauCount: 0, cooldownCount: 0, count: 0, avgValue: 0 };
  return values.map((value) => {
    const count = s.count + 1;
    s = { ...s, count, avgValue: (s.count * s.avgValue + value) / count };
    if (count === o.accumulationSize) {
      const improved = s.avgValue < (1 - o.rtol) * s.bestValue - o.atol;
      const bestValue = improved ? s.avgValue : s.bestValue;
      const curr = improved ? 0 : s.plateauCount + 1;
      if (s.cooldownCount > 0) {
        s = { scale: s.scale, bestValue, plateauCount: 0, cooldownCount: s.cooldownCount - 1, count: 0, avgValue: 0 };
      } else {
        const hit = curr === o.patience;
        s = { scale: Math.max(hit ? s.scale * o.factor : s.scale, o.minScale), bestValue, plateauCount: hit ? 0 : curr, cooldownCount: hit ? o.cooldown : 0, count: 0, avgValue: 0 };
      }
    }
    return { ...s };
  });
}

/** Runs the transform on ones with the given losses; returns the states and the update values. */
function drive(t: Transform<ReduceOnPlateauState>, values: number[]) {
  const params = { w: tf.ones([2]) };
  let state = t.init(params);
  const states: ReduceOnPlateauState[] = [];
  const updates: number[] = [];
  for (const value of values) {
    const g = { w: tf.ones([2]) };
    const loss = tf.scalar(value);
    const [u, s] = t.update(g, state, params, { loss });
    updates.push(leafValues(u).w[0]);
    treeDispose([g, loss, u]);
    state = s;
    states.push({ ...s });
  }
  treeDispose(params);
  return { states, updates };
}

describe('reduceOnPlateau', () => {
  it('matches a float64 port of optax reduce_on_plateau: patience, cooldown, tolerances, accumulation, minScale', () => {
    const o = { factor: 0.5, patience: 2, rtol: 1e-3, atol: 0.01, cooldown: 1, accumulationSize: 2, minScale: 0.2 };
    const values = [5, 5, 4, 4, 4, 4.001, 4, 4, 4, 3.9999, 3.99, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3];
    const { states, updates } = drive(reduceOnPlateau(o), values);
    // The loss reaches the transform as a float32 scalar.
    const expected = reference(values.map(Math.fround), o);
    expect(states).toEqual(expected);
    expectClose(updates, expected.map((s) => s.scale), 1e-7);
    // The run reached the floor: 1 -> 0.5 -> 0.25 -> 0.2.
    expect(states[states.length - 1].scale).toBe(0.2);
  });

  it('with patience 0 reduces at every evaluation that does not improve, never at one that does (optax zero-patience test)', () => {
    const cases: [number[], number[]][] = [
      [[5, 4, 3], [1, 1, 1]],
      [[3, 3, 3], [1, 0.5, 0.25]],
      [[3, 4, 5], [1, 0.5, 0.25]],
      [[5, 6, 4, 5, 3], [1, 0.5, 0.5, 0.25, 0.25]],
    ];
    for (const [values, scales] of cases) {
      const { states, updates } = drive(reduceOnPlateau({ patience: 0, factor: 0.5 }), values);
      expect(updates).toEqual(scales);
      expect(states.map((s) => s.plateauCount)).toEqual(values.map(() => 0));
    }
    const { states } = drive(reduceOnPlateau({ patience: 0, factor: 0.5, cooldown: 2 }), [3, 3, 3, 3, 3]);
    expect(states.map((s) => [s.scale, s.cooldownCount])).toEqual([[1, 0], [0.5, 2], [0.5, 1], [0.5, 0], [0.25, 2]]);
    expect(drive(reduceOnPlateau({ patience: 0, factor: 0.5, accumulationSize: 2 }), [3, 3, 3, 3, 2, 2]).updates).toEqual([1, 1, 1, 0.5, 0.5, 0.5]);
    expect(drive(reduceOnPlateau({ patience: 0, factor: 0.5, minScale: 0.2 }), [3, 3, 3, 3, 3]).states.map((s) => s.scale)).toEqual([1, 0.5, 0.25, 0.2, 0.2]);
  });

  it('needs extras.loss: a clear BasinError naming reduceOnPlateau, state intact', () => {
    const t = reduceOnPlateau();
    const params = makeTree(1);
    const state = t.init(params);
    const g = makeTree(2);
    const snap = snapshot([params, state, g]);
    expectBasinError(() => t.update(g, state, params), /^reduceOnPlateau: needs the loss of each step as extras\.loss \(a scalar\), got no extras\.loss/);
    const vector = tf.ones([3]);
    expectBasinError(() => t.update(g, state, params, { loss: vector as tf.Scalar }), /^reduceOnPlateau: needs the loss .* got a tensor of shape \[3\]/);
    expectIntact(snap);
    expect(state).toEqual({ scale: 1, bestValue: Infinity, plateauCount: 0, cooldownCount: 0, count: 0, avgValue: 0 });
    treeDispose([params, state, g, vector]);
  });

  it('refuses bad options, naming reduceOnPlateau and the option', () => {
    expectBasinError(() => reduceOnPlateau(null as never), /^reduceOnPlateau: options must be an options record/);
    expectBasinError(() => reduceOnPlateau({ factor: 1 }), /^reduceOnPlateau: factor must be a number > 0 and < 1, got 1/);
    expectBasinError(() => reduceOnPlateau({ factor: 0 }), /^reduceOnPlateau: factor must be a number > 0 and < 1, got 0/);
    expectBasinError(() => reduceOnPlateau({ patience: -1 }), /^reduceOnPlateau: patience must be an integer >= 0, got -1/);
    expectBasinError(() => reduceOnPlateau({ patience: 1.5 }), /^reduceOnPlateau: patience must be an integer >= 0, got 1.5/);
    expectBasinError(() => reduceOnPlateau({ rtol: 2 }), /^reduceOnPlateau: rtol must be a number >= 0 and <= 1, got 2/);
    expectBasinError(() => reduceOnPlateau({ atol: -1 }), /^reduceOnPlateau: atol must be a number >= 0, got -1/);
    expectBasinError(() => reduceOnPlateau({ rtol: 0, atol: 0 }), /^reduceOnPlateau: rtol and atol are both 0/);
    expectBasinError(() => reduceOnPlateau({ cooldown: -2 }), /^reduceOnPlateau: cooldown must be an integer >= 0, got -2/);
    expectBasinError(() => reduceOnPlateau({ accumulationSize: 0 }), /^reduceOnPlateau: accumulationSize must be an integer >= 1, got 0/);
    expectBasinError(() => reduceOnPlateau({ minScale: -0.1 }), /^reduceOnPlateau: minScale must be a number >= 0, got -0.1/);
  });

  it('gives identical results for trees whose record keys were inserted in reverse order', () => {
    const params = makeTree(4);
    const reversedParams = reversedKeys(params);
    const run = (p: typeof params, reverse: boolean) => {
      const t = reduceOnPlateau({ patience: 0, factor: 0.5 });
      let state = t.init(p);
      const out: Record<string, number[]>[] = [];
      for (let k = 0; k < 3; k++) {
        const g0 = makeTree(100 + k);
        const g = reverse ? reversedKeys(g0) : g0;
        const loss = tf.scalar(3);
        const [u, s] = t.update(g, state, p, { loss });
        out.push(leafValues(u));
        treeDispose([g0, g, u, loss]);
        state = s;
      }
      return out;
    };
    expect(run(reversedParams, true)).toEqual(run(params, false));
    treeDispose([params, reversedParams]);
  });

  it('reads the loss that step passes, in a chain after a SAM-like optimizer; its state survives a Trainer checkpoint', () => {
    const problem = leastSquares(16);
    const batch = problem.batch();
    const params = problem.params();
    const run = trainSteps(chain(samLike(0.05), sgd({ learningRate: 0.1 }), reduceOnPlateau({ patience: 1 })), problem.lossFn, params, Array(3).fill(batch));
    // The loss before step 3 is the loss at the params after step 2: the best so far.
    const p2 = { w: tf.tensor2d(run.trajectory[1].w, [3, 2]), b: tf.tensor1d(run.trajectory[1].b) };
    const loss2 = problem.lossFn(p2, batch);
    expectClose([((run.state as unknown[])[2] as ReduceOnPlateauState).bestValue], loss2.dataSync(), 1e-6);
    treeDispose([p2, loss2, run.params, run.state]);

    const make = () => new Trainer({ transform: chain(adam({ learningRate: 0.3 }), reduceOnPlateau({ patience: 1, factor: 0.5, rtol: 0.5 })), loss: problem.lossFn, params: problem.params() });
    const a = make();
    for (let i = 0; i < 4; i++) a.step(batch);
    const saved = JSON.parse(JSON.stringify(a.save()));
    for (let i = 0; i < 4; i++) a.step(batch);
    const b = make();
    b.restore(saved);
    for (let i = 0; i < 4; i++) b.step(batch);
    expect(leafValues(b.params)).toEqual(leafValues(a.params));
    expect(stateValues(b.state)).toEqual(stateValues(a.state));
    expect(((a.state as unknown[])[1] as ReduceOnPlateauState).scale).toBeLessThan(1);
    a.dispose();
    b.dispose();
    // The initial best value, Infinity, survives a JSON round trip.
    expect(decodeTree(JSON.parse(JSON.stringify(encodeTree(reduceOnPlateau().init(params)))))).toEqual(reduceOnPlateau().init(params));
    treeDispose([batch, params]);
  });
});

// The contract suite calls update without extras: give it a loss made from the updates.
function withLoss(t: Transform<ReduceOnPlateauState>): Transform<ReduceOnPlateauState> {
  return {
    init: (p) => t.init(p),
    update: (u, s, p, e) => {
      const loss = tf.tidy(() => tf.sum(tf.abs(treeFlatten(u)[0])));
      try {
        return t.update(u, s, p, { ...e, loss: loss as tf.Scalar });
      } finally {
        loss.dispose();
      }
    },
  };
}
describeContract('reduceOnPlateau', { make: () => withLoss(reduceOnPlateau({ patience: 1, factor: 0.5 })) });
