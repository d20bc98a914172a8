import { tf, expectClose } from '@basin/testing';
import { multiSteps, MultiStepsState } from './multi-steps';
import { sgd } from '../aliases/sgd';
import { adam } from '../aliases/adam';
import { chain } from '../combinators/chain';
import { scale } from '../transforms/scale';
import { Trainer } from '../training/trainer';
import type { Transform } from '../transform';
import { Tree, treeDispose } from '../tree';
import {
  describeContract,
  elementwiseReference,
  expectBasinError,
  expectIntact,
  expectTreesClose,
  gradientSequence,
  leafValues,
  leastSquares,
  makeTree,
  runTransform,
  snapshot,
} from '../../test-helpers';
import { microbatches, reversedKeys, samLike, stateValues, trainSteps } from '../../test-helpers/wrappers';

const problem = leastSquares(16);
const { grads, gradValues } = gradientSequence(300);

describe('multiSteps', () => {
  it('4 steps of multiSteps(sgd, k=4) on quarter batches equal 1 sgd step on the full batch (1e-6)', () => {
    const batch = problem.batch();
    const quarters = microbatches(batch, 4);
    const params = problem.params();
    const accumulated = trainSteps(multiSteps(sgd({ learningRate: 0.1 }), { everyKSteps: 4 }), problem.lossFn, params, quarters);
    const full = trainSteps(sgd({ learningRate: 0.1 }), problem.lossFn, params, [batch]);
    // The first three microbatches change nothing; the fourth takes the full-batch step.
    const start = leafValues(params);
    for (let i = 0; i < 3; i++) expect(accumulated.trajectory[i]).toEqual(start);
    for (const path of ['w', 'b']) expectClose(accumulated.trajectory[3][path], full.trajectory[0][path], 1e-6);
    treeDispose([batch, quarters, params, accumulated.params, accumulated.state, full.params, full.state]);
  });

  it('three rounds with momentum: 12 quarter batches follow 3 full-batch steps (1e-6)', () => {
    const batch = problem.batch();
    const quarters = microbatches(batch, 4);
    const params = problem.params();
    const make = () => sgd({ learningRate: 0.1, momentum: 0.9 });
    const accumulated = trainSteps(multiSteps(make(), { everyKSteps: 4 }), problem.lossFn, params, [...quarters, ...quarters, ...quarters]);
    const full = trainSteps(make(), problem.lossFn, params, [batch, batch, batch]);
    for (let r = 0; r < 3; r++) for (const path of ['w', 'b']) expectClose(accumulated.trajectory[4 * r + 3][path], full.trajectory[r][path], 1e-6);
    expect((accumulated.state as MultiStepsState).gradientStep).toBe(3);
    expect((accumulated.state as MultiStepsState).miniStep).toBe(0);
    treeDispose([batch, quarters, params, accumulated.params, accumulated.state, full.params, full.state]);
  });

  // Float64 port of optax's MultiSteps.update (optax/transforms/_accumulation.py) around
  // sgd(0.1, momentum 0.9): Welford mean (or sum), inner step on the k-th call, zeros otherwise.
  const reference = (n: number, every: (gradientStep: number) => number, mean: boolean) =>
    elementwiseReference(gradValues(n), () => ({ acc: 0, mini: 0, step: 0, trace: 0 }), (g, s) => {
      const k = every(s.step);
      s.acc = mean ? s.acc + (g - s.acc) / (s.mini + 1) : s.acc + g;
      if (s.mini < k - 1) {
        s.mini += 1;
        return 0;
      }
      s.trace = s.acc + 0.9 * s.trace;
      s.acc = 0;
      s.mini = 0;
      s.step += 1;
      return -0.1 * s.trace;
    });

  it('matches a float64 port of optax MultiSteps: mean, sum, and a schedule of k (1e-6)', () => {
    const params = makeTree(1);
    const inner = () => sgd({ learningRate: 0.1, momentum: 0.9 });
    expectTreesClose(runTransform(multiSteps(inner(), { everyKSteps: 3 }), params, grads, 9), reference(9, () => 3, true), 1e-6);
    expectTreesClose(runTransform(multiSteps(inner(), { everyKSteps: 2, useGradMean: false }), params, grads, 6), reference(6, () => 2, false), 1e-6);
    const every = (step: number) => (step === 0 ? 1 : step === 1 ? 2 : 3);
    expectTreesClose(runTransform(multiSteps(inner(), { everyKSteps: every }), params, grads, 9), reference(9, every, true), 1e-6);
    treeDispose(params);
  });

  it('keeps the inner state as it was between optimizer steps', () => {
    const params = makeTree(2);
    const t = multiSteps(adam({ learningRate: 0.1 }), { everyKSteps: 3 });
    const s0 = t.init(params);
    const g = makeTree(3);
    const [u1, s1] = t.update(g, s0, params);
    expect(stateValues(s1.innerOptState)).toEqual(stateValues(s0.innerOptState));
    expect(s1.miniStep).toBe(1);
    expect(Object.values(leafValues(u1)).flat().every((x) => x === 0)).toBe(true);
    treeDispose([params, s0, g, u1, s1]);
  });

  it('refuses bad arguments, naming multiSteps and the argument', () => {
    const inner = sgd({ learningRate: 0.1 });
    expectBasinError(() => multiSteps(undefined as never, { everyKSteps: 2 }), /^multiSteps: inner must be a Basin transform/);
    expectBasinError(() => multiSteps(sgd as never, { everyKSteps: 2 }), /^multiSteps: inner must be a Basin transform.*call it/);
    expectBasinError(() => multiSteps(inner, undefined as never), /^multiSteps: options must be an options record/);
    expectBasinError(() => multiSteps(inner, {} as never), /^multiSteps: everyKSteps must be a finite number, got undefined/);
    expectBasinError(() => multiSteps(inner, { everyKSteps: 0 }), /^multiSteps: everyKSteps must be an integer >= 1, got 0/);
    expectBasinError(() => multiSteps(inner, { everyKSteps: 2.5 }), /^multiSteps: everyKSteps must be an integer >= 1, got 2.5/);
    expectBasinError(() => multiSteps(inner, { everyKSteps: 2, useGradMean: 'yes' as never }), /^multiSteps: useGradMean must be true or false, got string yes$/);
    const ownGradients: Transform<null> = { init: () => null, update: (u, s) => [u, s], computesOwnGradients: true };
    expectBasinError(() => multiSteps(ownGradients, { everyKSteps: 2 }), /^multiSteps: inner computes its own gradients/);
    // A schedule is checked when it is called: the state and params are left as they were.
    const t = multiSteps(inner, { everyKSteps: () => 0 });
    const params = makeTree(1);
    const state = t.init(params);
    const g = makeTree(2);
    const snap = snapshot([params, state, g]);
    expectBasinError(() => t.update(g, state, params), /^multiSteps: everyKSteps \(schedule at step 0\) must be an integer >= 1, got 0/);
    expectIntact(snap);
    treeDispose([params, state, g]);
  });

  it('gives identical results for trees whose record keys were inserted in reverse order', () => {
    const params = makeTree(4);
    const reversedParams = reversedKeys(params);
    const make = () => multiSteps(adam({ learningRate: 0.1 }), { everyKSteps: 2 });
    const a = runTransform(make(), params, grads, 5);
    const b = runTransform(make(), reversedParams, (k) => {
      const g = grads(k);
      const r = reversedKeys(g);
      treeDispose(g);
      return r;
    }, 5);
    expect(b).toEqual(a);
    treeDispose([params, reversedParams]);
  });

  it('works inside chain and around a SAM-like inner, which gets extras on the k-th call', () => {
    const batch = problem.batch();
    const halves = microbatches(batch, 2);
    const params = problem.params();
    const opt = chain(scale(1), multiSteps(chain(samLike(0.05), sgd({ learningRate: 0.1 })), { everyKSteps: 2 }));
    const run = trainSteps(opt, problem.lossFn, params, halves);
    // Reference: mean gradient of both halves, then the gradient on the second half at the
    // point SAM perturbs to, then an sgd step.
    const g = tf.tidy(() => {
      const both = halves.map((h) => tf.grads((w: tf.Tensor, b: tf.Tensor) => problem.lossFn({ w, b } as Tree, h))([(params as { w: tf.Tensor }).w, (params as { b: tf.Tensor }).b]));
      const mean = [0, 1].map((i) => tf.div(tf.add(both[0][i], both[1][i]), 2));
      const norm = tf.sqrt(tf.add(tf.sum(tf.square(mean[0])), tf.sum(tf.square(mean[1]))));
      const w = tf.add((params as { w: tf.Tensor }).w, tf.mul(tf.div(mean[0], norm), 0.05));
      const b = tf.add((params as { b: tf.Tensor }).b, tf.mul(tf.div(mean[1], norm), 0.05));
      const [gw, gb] = tf.grads((w2: tf.Tensor, b2: tf.Tensor) => problem.lossFn({ w: w2, b: b2 } as Tree, halves[1]))([w, b]);
      return { w: tf.sub((params as { w: tf.Tensor }).w, tf.mul(gw, 0.1)), b: tf.sub((params as { b: tf.Tensor }).b, tf.mul(gb, 0.1)) };
    });
    expectClose(run.trajectory[1].w, Array.from(g.w.dataSync()), 1e-6);
    expectClose(run.trajectory[1].b, Array.from(g.b.dataSync()), 1e-6);
    const inner = ((run.state as unknown[])[1] as MultiStepsState).innerOptState as unknown[];
    expect(inner[0]).toEqual({ calls: 1 });
    treeDispose([batch, halves, params, run.params, run.state, g]);
  });

  it('resumes mid-accumulation from a Trainer checkpoint on exactly the same trajectory', () => {
    const batch = problem.batch();
    const quarters = microbatches(batch, 4);
    const make = () => new Trainer({ transform: multiSteps(adam({ learningRate: 0.05 }), { everyKSteps: 4 }), loss: problem.lossFn, params: problem.params() });
    const a = make();
    for (let i = 0; i < 6; i++) a.step(quarters[i % 4]);
    expect((a.state as MultiStepsState).miniStep).toBe(2);
    const saved = JSON.parse(JSON.stringify(a.save()));
    for (let i = 6; i < 12; i++) a.step(quarters[i % 4]);
    const b = make();
    b.restore(saved);
    for (let i = 6; i < 12; i++) b.step(quarters[i % 4]);
    expect(leafValues(b.params)).toEqual(leafValues(a.params));
    expect(stateValues(b.state)).toEqual(stateValues(a.state));
    a.dispose();
    b.dispose();
    treeDispose([batch, quarters]);
  });
});

describeContract('multiSteps', { make: () => multiSteps(adam({ learningRate: 0.1 }), { everyKSteps: 2 }), perLeafState: true });
describeContract('multiSteps (k = 1)', { make: () => multiSteps(sgd({ learningRate: 0.1, momentum: 0.9 }), { everyKSteps: 1 }), perLeafState: true });
