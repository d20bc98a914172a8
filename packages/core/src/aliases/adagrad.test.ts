import { tf, relativeError } from '@basin/testing';
import { adagrad } from './adagrad';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from '../transforms/clip';
import { scaleByRss } from '../transforms/scale-by-rss';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { applyUpdates } from '../transforms/apply-updates';
import { exponentialDecay } from '../schedules';
import type { Transform } from '../transform';
import { isTensor, Tree, treeDispose, treeLeaves, treeMap } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads } = gradientSequence(1300);

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
  const tag = `adagrad-parity-${parityRuns++}`;
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

describe('adagrad', () => {
  it('equals chain(scaleByRss, scaleByLearningRate), with constant or scheduled learning rate', () => {
    const params = makeTree(1);
    const lr = exponentialDecay({ init: 0.1, transitionSteps: 2, decayRate: 0.5 });
    expect(runTransform(adagrad({ learningRate: 0.1, initialAccumulatorValue: 0, eps: 1e-10, epsInSqrt: false }), params, grads, 4)).toEqual(
      runTransform(chain(scaleByRss({ initialAccumulatorValue: 0, eps: 1e-10, epsInSqrt: false }), scaleByLearningRate(0.1)), params, grads, 4),
    );
    expect(runTransform(adagrad({ learningRate: lr }), params, grads, 4)).toEqual(runTransform(chain(scaleByRss(), scaleByLearningRate(lr)), params, grads, 4));
    treeDispose(params);
  });

  it('reproduces tf.train.adagrad step for step over 10 steps (relative error <= 1e-5)', () => {
    const eps = tf.backend().epsilon();
    expect(eps).toBe(1e-7); // float32 backend: the defaults are tf.train's
    expect(versusTfTrain(tf.train.adagrad(0.1), adagrad({ learningRate: 0.1 }))).toBeLessThanOrEqual(1e-5);
    expect(versusTfTrain(tf.train.adagrad(0.05, 0.5), adagrad({ learningRate: 0.05, initialAccumulatorValue: 0.5, eps }))).toBeLessThanOrEqual(1e-5);
  });

  it('pairs leaves by key: reversed key order gives identical results', () => {
    const params = makeTree(1);
    const make = () => adagrad({ learningRate: 0.1 });
    const expected = runTransform(make(), params, grads, 4);
    expect(runTransform(make(), reversed(params), (k) => reversed(grads(k)), 4)).toEqual(expected);
    expect(runTransform(make(), params, (k) => reversed(grads(k)), 4)).toEqual(expected);
    treeDispose(params);
  });

  it('works after clipByGlobalNorm(1) in a chain', () => {
    const params = makeTree(1);
    const big = (k: number) => makeTree(1350 + k, 3);
    const clipped = (k: number) => {
      const g = big(k);
      const factor = Math.min(1, 1 / f64.norm(...Object.values(leafValues(g))));
      const out = treeMap((x) => tf.mul(x, factor), g);
      treeDispose(g);
      return out;
    };
    const make = () => adagrad({ learningRate: 0.1 });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), make()), params, big, 4), runTransform(make(), params, clipped, 4), 1e-6);
    treeDispose(params);
  });

  it.each(['parabola', 'rosenbrock'] as const)('converges on optax\'s %s at optax\'s learning rate 1.0', (target) => {
    expect(converge(adagrad({ learningRate: 1 }), target)).toBeGreaterThan(0);
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => adagrad(undefined as never), /^adagrad: options must be an options record such as \{ learningRate: 0.01 \}/);
    expectBasinError(() => adagrad({ learningRate: NaN }), /^adagrad: learningRate must be a finite number, got NaN$/);
    expectBasinError(() => adagrad({ learningRate: 0.1, initialAccumulatorValue: -0.1 }), /^adagrad: initialAccumulatorValue must be a number >= 0, got -0.1$/);
    expectBasinError(() => adagrad({ learningRate: 0.1, eps: -1 }), /^adagrad: eps must be a number >= 0, got -1$/);
  });
});

describeContract('adagrad', { make: () => adagrad({ learningRate: 0.1 }), perLeafState: true });
