import { tf } from '@basin/testing';
import { rprop } from './rprop';
import { scaleByRprop } from '../transforms/scale-by-rprop';
import { scale } from '../transforms/scale';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from '../transforms/clip';
import { applyUpdates } from '../transforms/apply-updates';
import type { Transform } from '../transform';
import { isTensor, Tree, treeDispose, treeMap } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads } = gradientSequence(1700);

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

describe('rprop', () => {
  it('equals chain(scaleByRprop, scale(-1))', () => {
    const params = makeTree(1);
    const options = { learningRate: 0.01, etaMinus: 0.4, etaPlus: 1.3, minStepSize: 1e-3, maxStepSize: 0.02 };
    expect(runTransform(rprop(options), params, grads, 6)).toEqual(runTransform(chain(scaleByRprop(options), scale(-1)), params, grads, 6));
    treeDispose(params);
  });

  it('steps against the gradient by the step size', () => {
    const params = { w: tf.tensor1d([1, 2]) };
    const out = runTransform(rprop({ learningRate: 0.1 }), params, () => ({ w: tf.tensor1d([3, -0.001]) }), 2);
    expect(out[0].w.map((x) => Math.round(x * 1e6) / 1e6)).toEqual([-0.1, 0.1]);
    expect(out[1].w.map((x) => Math.round(x * 1e6) / 1e6)).toEqual([-0.12, 0.12]);
    treeDispose(params);
  });

  it('pairs leaves by key: reversed key order gives identical results', () => {
    const params = makeTree(1);
    const make = () => rprop({ learningRate: 0.01 });
    const expected = runTransform(make(), params, grads, 5);
    expect(runTransform(make(), reversed(params), (k) => reversed(grads(k)), 5)).toEqual(expected);
    expect(runTransform(make(), params, (k) => reversed(grads(k)), 5)).toEqual(expected);
    treeDispose(params);
  });

  it('works after clipByGlobalNorm(1) in a chain', () => {
    const params = makeTree(1);
    const big = (k: number) => makeTree(1750 + k, 3);
    const clipped = (k: number) => {
      const g = big(k);
      const factor = Math.min(1, 1 / f64.norm(...Object.values(leafValues(g))));
      const out = treeMap((x) => tf.mul(x, factor), g);
      treeDispose(g);
      return out;
    };
    const make = () => rprop({ learningRate: 0.01 });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), make()), params, big, 5), runTransform(make(), params, clipped, 5), 1e-7);
    treeDispose(params);
  });

  it.each(['parabola', 'rosenbrock'] as const)('converges on optax\'s %s at optax\'s learning rate 0.1', (target) => {
    expect(converge(rprop({ learningRate: 0.1 }), target)).toBeGreaterThan(0);
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => rprop(undefined as never), /^rprop: options must be an options record such as \{ learningRate: 0.01 \}/);
    expectBasinError(() => rprop({ learningRate: -0.1 }), /^rprop: learningRate must be a number > 0, got -0.1$/);
    expectBasinError(() => rprop({ learningRate: (t: number) => 0.1 / (t + 1) } as never), /^rprop: learningRate must be a finite number, got a function$/);
    expectBasinError(() => rprop({ learningRate: 0.1, etaMinus: 0 }), /^rprop: etaMinus must be a number > 0 and < 1, got 0$/);
    expectBasinError(() => rprop({ learningRate: 0.1, etaPlus: 0.9 }), /^rprop: etaPlus must be a number > 1, got 0.9$/);
    expectBasinError(() => rprop({ learningRate: 0.1, maxStepSize: -1 }), /^rprop: maxStepSize must be a number >= 0, got -1$/);
    expectBasinError(() => rprop({ learningRate: 0.1, minStepSize: 0.5, maxStepSize: 0.1 }), /^rprop: maxStepSize must be a number >= minStepSize \(0.5\), got 0.1$/);
  });
});

describeContract('rprop', { make: () => rprop({ learningRate: 0.01 }), perLeafState: true });
