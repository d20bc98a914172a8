import { tf, relativeError } from '@basin/testing';
import { adamax, adamaxw } from './adamax';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { masked } from '../combinators/masked';
import { scaleByAdamax } from '../transforms/scale-by-adamax';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from '../transforms/clip';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { applyUpdates } from '../transforms/apply-updates';
import { warmupCosineDecay } from '../schedules';
import type { Transform } from '../transform';
import { isTensor, Tree, treeDispose, treeLeaves, treeMap } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads } = gradientSequence(1500);

const reversed = (t: Tree): Tree =>
  isTensor(t) || Array.isArray(t) ? t : Object.fromEntries(Object.keys(t).reverse().map((k) => [k, reversed((t as Record<string, Tree>)[k])]));

let parityRuns = 0;

/**
 * Runs a tf.train optimizer on variables and a Basin transform on a params tree, both from
 * makeTree(1) and fed the same gradients, and returns the largest relative error
 * (||ours - tf.train||_2 / ||tf.train||_2 per leaf) of the params over all steps.
 */
function versusTfTrain(optimizer: tf.Optimizer, transform: Transform<any>, steps = 10): number {
  let params = makeTree(1);
  const leaves = treeLeaves(params);
  const tag = `adamax-parity-${parityRuns++}`;
  const variables = leaves.map((e) => tf.variable(tf.clone(e.leaf), true, `${tag}/${e.path}`));
  let state = transform.init(params);
  let worst = 0;
  for (let k = 0; k < steps; k++) {
    const g = grads(k);
    optimizer.applyGradients(Object.fromEntries(treeLeaves(g).map((e, i) => [variables[i].name, e.leaf])));
    const [u, s] = transform.update(g, state, params);
    const next = applyUpdates(params, u);
    treeDispose([g, u, state, params]);
    [state, params] = [s, next];
    const ours = leafValues(params);
    leaves.forEach((e, i) => (worst = Math.max(worst, relativeError(ours[e.path], variables[i].dataSync()))));
  }
  optimizer.dispose();
  variables.forEach((v) => v.dispose());
  treeDispose([params, state]);
  return worst;
}

/** optax's alias_test.py targets, from its starting points. */
const targets = {
  parabola: { init: [-1, 10, 1], optimum: [1, -1, 1], grad: (p: number[]) => p.map((x, i) => 2 * (x - [1, -1, 1][i])) },
  rosenbrock: { init: [0, 0], optimum: [1, 1], grad: ([x, y]: number[]) => [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)] },
};

/**
 * optax's convergence check: within rtol = atol = 3e-2 of the optimum within 10000 steps. Stops
 * 200 steps after first getting there (and checks it stayed); returns the step it got there.
 */
function converge(transform: Transform<any>, target: keyof typeof targets): number {
  const { init, optimum, grad } = targets[target];
  const near = (p: number[]) => p.every((v, j) => Math.abs(v - optimum[j]) <= 3e-2 + 3e-2 * Math.abs(optimum[j]));
  let params: Tree = { x: tf.tensor1d(init) };
  let state = transform.init(params);
  let reached = -1;
  let p = init;
  for (let k = 0; k < 10000 && (reached < 0 || k < reached + 200); k++) {
    if (reached < 0 && near(p)) reached = k;
    const g = { x: tf.tensor1d(grad(p)) };
    const [u, s] = transform.update(g, state, params);
    const next = applyUpdates(params, u);
    treeDispose([g, u, state, params]);
    [state, params] = [s, next];
    p = Array.from((params as { x: tf.Tensor }).x.dataSync());
  }
  treeDispose([params, state]);
  expect(near(p)).toBe(true);
  return reached;
}

describe('adamax', () => {
  it('equals chain(scaleByAdamax, scaleByLearningRate), with constant or scheduled learning rate', () => {
    const params = makeTree(1);
    const lr = warmupCosineDecay({ init: 0, peak: 0.1, warmupSteps: 2, decaySteps: 5 });
    expect(runTransform(adamax({ learningRate: 0.01, b1: 0.8, b2: 0.95, eps: 1e-6 }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByAdamax({ b1: 0.8, b2: 0.95, eps: 1e-6 }), scaleByLearningRate(0.01)), params, grads, 4),
    );
    expect(runTransform(adamax({ learningRate: lr, epsInMax: false }), params, grads, 6)).toEqual(
      runTransform(chain(scaleByAdamax({ epsInMax: false }), scaleByLearningRate(lr)), params, grads, 6),
    );
    treeDispose(params);
  });

  it('decay divides the learning rate of step t (from 0) by 1 + decay * t, also for a schedule', () => {
    const params = makeTree(1);
    const lr = (t: number) => 0.01 * (t + 1);
    expect(runTransform(adamax({ learningRate: lr, decay: 0.5 }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByAdamax(), scaleByLearningRate((t) => lr(t) / (1 + 0.5 * t))), params, grads, 4),
    );
    treeDispose(params);
  });

  it('reproduces tf.train.adamax step for step over 10 steps with epsInMax false (relative error <= 1e-5)', () => {
    const eps = tf.backend().epsilon();
    expect(versusTfTrain(tf.train.adamax(0.002, 0.9, 0.999), adamax({ learningRate: 0.002, eps, epsInMax: false }))).toBeLessThanOrEqual(1e-5);
    expect(versusTfTrain(tf.train.adamax(0.05, 0.8, 0.9, 1e-3, 0.3), adamax({ learningRate: 0.05, b1: 0.8, b2: 0.9, eps: 1e-3, decay: 0.3, epsInMax: false }))).toBeLessThanOrEqual(1e-5);
  });

  it('pairs leaves by key: reversed key order gives identical results', () => {
    const params = makeTree(1);
    const make = () => adamax({ learningRate: 0.01 });
    const expected = runTransform(make(), params, grads, 4);
    expect(runTransform(make(), reversed(params), (k) => reversed(grads(k)), 4)).toEqual(expected);
    expect(runTransform(make(), params, (k) => reversed(grads(k)), 4)).toEqual(expected);
    treeDispose(params);
  });

  it('works after clipByGlobalNorm(1) in a chain', () => {
    const params = makeTree(1);
    const big = (k: number) => makeTree(1550 + k, 3);
    const clipped = (k: number) => {
      const g = big(k);
      const factor = Math.min(1, 1 / f64.norm(...Object.values(leafValues(g))));
      const out = treeMap((x) => tf.mul(x, factor), g);
      treeDispose(g);
      return out;
    };
    const make = () => adamax({ learningRate: 0.01 });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), make()), params, big, 4), runTransform(make(), params, clipped, 4), 1e-6);
    treeDispose(params);
  });

  it.each(['parabola', 'rosenbrock'] as const)('converges on optax\'s %s at optax\'s learning rate 0.1', (target) => {
    expect(converge(adamax({ learningRate: 0.1 }), target)).toBeGreaterThan(0);
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => adamax(undefined as never), /^adamax: options must be an options record such as \{ learningRate: 0.002 \}/);
    expectBasinError(() => adamax({ learningRate: NaN }), /^adamax: learningRate must be a finite number, got NaN$/);
    expectBasinError(() => adamax({ learningRate: 0.1, b1: 1 }), /^adamax: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => adamax({ learningRate: 0.1, b2: -1 }), /^adamax: b2 must be a number >= 0 and < 1, got -1$/);
    expectBasinError(() => adamax({ learningRate: 0.1, eps: -1 }), /^adamax: eps must be a number >= 0, got -1$/);
    expectBasinError(() => adamax({ learningRate: 0.1, decay: -0.1 }), /^adamax: decay must be a number >= 0, got -0.1$/);
  });
});

describe('adamaxw', () => {
  it('equals chain(scaleByAdamax, addDecayedWeights, scaleByLearningRate), masked or not; weight decay 1e-4 by default', () => {
    const params = makeTree(1);
    const mask = { dense: { kernel: true, bias: false }, gain: false };
    expect(runTransform(adamaxw({ learningRate: 0.01 }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByAdamax(), addDecayedWeights({ weightDecay: 1e-4 }), scaleByLearningRate(0.01)), params, grads, 4),
    );
    expect(runTransform(adamaxw({ learningRate: 0.01, weightDecay: 0.1, mask, b1: 0.5 }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByAdamax({ b1: 0.5 }), masked(addDecayedWeights({ weightDecay: 0.1 }), mask), scaleByLearningRate(0.01)), params, grads, 4),
    );
    treeDispose(params);
  });

  it('pairs leaves by key: reversed key order gives identical results', () => {
    const params = makeTree(1);
    const make = () => adamaxw({ learningRate: 0.01, weightDecay: 0.1 });
    const expected = runTransform(make(), params, grads, 4);
    expect(runTransform(make(), reversed(params), (k) => reversed(grads(k)), 4)).toEqual(expected);
    expect(runTransform(make(), params, (k) => reversed(grads(k)), 4)).toEqual(expected);
    treeDispose(params);
  });

  it('works after clipByGlobalNorm(1) in a chain', () => {
    const params = makeTree(1);
    const big = (k: number) => makeTree(1560 + k, 3);
    const clipped = (k: number) => {
      const g = big(k);
      const factor = Math.min(1, 1 / f64.norm(...Object.values(leafValues(g))));
      const out = treeMap((x) => tf.mul(x, factor), g);
      treeDispose(g);
      return out;
    };
    const make = () => adamaxw({ learningRate: 0.01, weightDecay: 0.1 });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), make()), params, big, 4), runTransform(make(), params, clipped, 4), 1e-6);
    treeDispose(params);
  });

  it.each(['parabola', 'rosenbrock'] as const)('converges on optax\'s %s at optax\'s learning rate 0.1', (target) => {
    expect(converge(adamaxw({ learningRate: 0.1 }), target)).toBeGreaterThan(0);
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => adamaxw({ learningRate: 0.1, weightDecay: -1 }), /^adamaxw: weightDecay must be a number >= 0, got -1$/);
    expectBasinError(() => adamaxw({ learningRate: 0.1, b2: 1 }), /^adamaxw: b2 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => adamaxw({ learningRate: 'fast' as never }), /^adamaxw: learningRate must be a finite number, got "fast"$/);
  });
});

describeContract('adamax', { make: () => adamax({ learningRate: 0.01, decay: 0.1 }), perLeafState: true });
describeContract('adamaxw', { make: () => adamaxw({ learningRate: 0.01, weightDecay: 0.1 }), perLeafState: true, readsParams: true });
