import { tf } from '@basin/testing';
import { radam } from './radam';
import { scaleByRadam } from '../transforms/scale-by-radam';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from '../transforms/clip';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { applyUpdates } from '../transforms/apply-updates';
import { exponentialDecay } from '../schedules';
import type { Transform } from '../transform';
import { isTensor, Tree, treeDispose, treeMap } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads } = gradientSequence(1600);

const reversed = (t: Tree): Tree =>
  isTensor(t) || Array.isArray(t) ? t : Object.fromEntries(Object.keys(t).reverse().map((k) => [k, reversed((t as Record<string, Tree>)[k])]));

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

describe('radam', () => {
  it('equals chain(scaleByRadam, scaleByLearningRate), with constant or scheduled learning rate', () => {
    const params = makeTree(1);
    const lr = exponentialDecay({ init: 0.1, transitionSteps: 2, decayRate: 0.5 });
    expect(runTransform(radam({ learningRate: 0.01, b1: 0.8, threshold: 4, nesterov: true }), params, grads, 8)).toEqual(
      runTransform(chain(scaleByRadam({ b1: 0.8, threshold: 4, nesterov: true }), scaleByLearningRate(0.01)), params, grads, 8),
    );
    expect(runTransform(radam({ learningRate: lr }), params, grads, 7)).toEqual(runTransform(chain(scaleByRadam(), scaleByLearningRate(lr)), params, grads, 7));
    treeDispose(params);
  });

  it('pairs leaves by key: reversed key order gives identical results', () => {
    const params = makeTree(1);
    const make = () => radam({ learningRate: 0.01 });
    const expected = runTransform(make(), params, grads, 7);
    expect(runTransform(make(), reversed(params), (k) => reversed(grads(k)), 7)).toEqual(expected);
    expect(runTransform(make(), params, (k) => reversed(grads(k)), 7)).toEqual(expected);
    treeDispose(params);
  });

  it('works after clipByGlobalNorm(1) in a chain', () => {
    const params = makeTree(1);
    const big = (k: number) => makeTree(1650 + k, 3);
    const clipped = (k: number) => {
      const g = big(k);
      const factor = Math.min(1, 1 / f64.norm(...Object.values(leafValues(g))));
      const out = treeMap((x) => tf.mul(x, factor), g);
      treeDispose(g);
      return out;
    };
    const make = () => radam({ learningRate: 0.01 });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), make()), params, big, 7), runTransform(make(), params, clipped, 7), 1e-6);
    treeDispose(params);
  });

  it.each(['parabola', 'rosenbrock'] as const)('converges on optax\'s %s at optax\'s learning rate 5e-3', (target) => {
    expect(converge(radam({ learningRate: 5e-3 }), target)).toBeGreaterThan(0);
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => radam(undefined as never), /^radam: options must be an options record such as \{ learningRate: 1e-3 \}/);
    expectBasinError(() => radam({ learningRate: NaN }), /^radam: learningRate must be a finite number, got NaN$/);
    expectBasinError(() => radam({ learningRate: 0.1, b1: 1 }), /^radam: b1 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => radam({ learningRate: 0.1, b2: 1 }), /^radam: b2 must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => radam({ learningRate: 0.1, eps: -1 }), /^radam: eps must be a number >= 0, got -1$/);
    expectBasinError(() => radam({ learningRate: 0.1, threshold: 2 }), /^radam: threshold must be a number >= 4, got 2$/);
  });
});

describeContract('radam', { make: () => radam({ learningRate: 0.01 }), perLeafState: true });
