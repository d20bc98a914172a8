import { tf } from '@basin/testing';
import { optimisticGradientDescent } from './optimistic-gradient-descent';
import { sgd } from './sgd';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { clipByGlobalNorm } from '../transforms/clip';
import { applyUpdates } from '../transforms/apply-updates';
import { scaleByOptimisticGradient } from '../transforms/scale-by-optimistic-gradient';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { exponentialDecay } from '../schedules';
import type { Transform } from '../transform';
import { Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, f64, gradientSequence, makeTree, runTransform } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(2500);

function reversedKeys(tree: Tree): Tree {
  if (tree instanceof tf.Tensor) return tf.clone(tree);
  if (Array.isArray(tree)) return tree.map(reversedKeys);
  const record = tree as Record<string, Tree>;
  return Object.fromEntries(Object.keys(record).reverse().map((k) => [k, reversedKeys(record[k])]));
}

/**
 * optax/_src/alias_test.py's problems: the parabola sum((x - [1, -1, 1])^2) from [-1, 10, 1] and
 * Rosenbrock (a = 1, b = 100) from [0, 0], 10000 steps, final params within 3e-2 (rtol and atol).
 */
function optimize(t: Transform<any>, problem: 'parabola' | 'rosenbrock', steps = 10000): void {
  const parabola = problem === 'parabola';
  const target = parabola ? [1, -1, 1] : [1, 1];
  const value = (x: number[]) => (parabola ? x.reduce((s, xi, i) => s + (xi - target[i]) ** 2, 0) : (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2);
  const gradient = (x: number[]) =>
    parabola ? x.map((xi, i) => 2 * (xi - target[i])) : [-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)];
  let params: Tree = { x: tf.tensor1d(parabola ? [-1, 10, 1] : [0, 0]) };
  let state = t.init(params);
  for (let k = 0; k < steps; k++) {
    const x = Array.from((params as { x: tf.Tensor }).x.dataSync());
    const g = { x: tf.tensor1d(gradient(x)) };
    const loss = tf.scalar(value(x));
    const [u, s] = t.update(g, state, params, { loss });
    const next = applyUpdates(params, u);
    treeDispose([g, loss, u, state, params]);
    [params, state] = [next, s];
  }
  const out = Array.from((params as { x: tf.Tensor }).x.dataSync());
  treeDispose([params, state]);
  out.forEach((xi, i) => expect(Math.abs(xi - target[i])).toBeLessThanOrEqual(3e-2 + 3e-2 * Math.abs(target[i])));
}

/** A float64 port of optax's optimistic_gradient_descent: -lr ((alpha + beta) g_t - beta g_{t-1}), g_0 = g_1. */
function ogdReference(steps: Record<string, number[]>[], lr: (t: number) => number, alpha = 1, beta = 1) {
  return steps.map((tree, k) =>
    Object.fromEntries(
      Object.entries(tree).map(([path, g]) => {
        const prev = k === 0 ? g : steps[k - 1][path];
        return [path, g.map((x, i) => -lr(k) * ((alpha + beta) * x - beta * prev[i]))];
      }),
    ),
  );
}

/** Simultaneous descent on x and ascent on y for min_x max_y x y, from (1, 1); returns the final distance to (0, 0). */
function bilinearGame(t: Transform<any>, steps: number): number {
  let params: Tree = { x: tf.scalar(1), y: tf.scalar(1) };
  let state = t.init(params);
  for (let k = 0; k < steps; k++) {
    const { x, y } = params as { x: tf.Tensor; y: tf.Tensor };
    const g = { x: tf.clone(y), y: tf.neg(x) };
    const [u, s] = t.update(g, state, params);
    const next = applyUpdates(params, u);
    treeDispose([g, u, state, params]);
    [params, state] = [next, s];
  }
  const { x, y } = params as { x: tf.Tensor; y: tf.Tensor };
  const distance = Math.hypot(x.dataSync()[0], y.dataSync()[0]);
  treeDispose([params, state]);
  return distance;
}

describe('optimisticGradientDescent', () => {
  it('matches a float64 port of optax over 5 steps, constant or scheduled lr (tolerance 1e-6)', () => {
    const params = makeTree(1);
    expectTreesClose(runTransform(optimisticGradientDescent({ learningRate: 0.1 }), params, grads, 5), ogdReference(gradValues(5), () => 0.1), 1e-6);
    const lr = exponentialDecay({ init: 0.2, transitionSteps: 1, decayRate: 0.5 });
    expectTreesClose(
      runTransform(optimisticGradientDescent({ learningRate: lr, alpha: 0.7, beta: 0.1 }), params, grads, 5),
      ogdReference(gradValues(5), lr, 0.7, 0.1),
      1e-6,
    );
    expect(runTransform(optimisticGradientDescent({ learningRate: 0.1, alpha: 0.5 }), params, grads, 3)).toEqual(
      runTransform(chain(scaleByOptimisticGradient({ alpha: 0.5 }), scaleByLearningRate(0.1)), params, grads, 3),
    );
    treeDispose(params);
  });

  it('converges in the bilinear game min_x max_y xy, where gradient descent spirals out', () => {
    // From distance sqrt(2): optimistic steps contract by about 1 - lr^2 / 2 per step, plain ones grow by sqrt(1 + lr^2).
    expect(bilinearGame(optimisticGradientDescent({ learningRate: 0.2 }), 300)).toBeLessThan(2e-2);
    expect(bilinearGame(sgd({ learningRate: 0.2 }), 300)).toBeGreaterThan(10);
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => optimisticGradientDescent({ learningRate: 0.1, alpha: -0.7 }), /^optimisticGradientDescent: alpha must be a number >= 0, got -0.7$/);
    expectBasinError(() => optimisticGradientDescent({ learningRate: 0.1, beta: '1' as never }), /^optimisticGradientDescent: beta must be a finite number, got "1"$/);
    expectBasinError(() => optimisticGradientDescent({ learningRate: -Infinity }), /^optimisticGradientDescent: learningRate must be a finite number, got -Infinity$/);
    expectBasinError(() => optimisticGradientDescent(null as never), /^optimisticGradientDescent: options must be an options record/);
  });

  it('gives identical results for keys inserted in reverse order', () => {
    const params = makeTree(1);
    const flipped = reversedKeys(params);
    const make = () => optimisticGradientDescent({ learningRate: 0.1, alpha: 0.7, beta: 0.1 });
    expect(runTransform(make(), flipped, (k) => reversedKeys(grads(k)), 3)).toEqual(runTransform(make(), params, grads, 3));
    treeDispose([params, flipped]);
  });

  it('works after clipByGlobalNorm(1) in a chain (tolerance 1e-6)', () => {
    const params = makeTree(1);
    const clipped = gradValues(3).map((v) => {
      const factor = 1 / Math.max(1, f64.norm(...Object.values(v)));
      return Object.fromEntries(Object.entries(v).map(([path, a]) => [path, f64.scale(a, factor)]));
    });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), optimisticGradientDescent({ learningRate: 0.1 })), params, grads, 3), ogdReference(clipped, () => 0.1), 1e-6);
    treeDispose(params);
  });

  it.each(['parabola', 'rosenbrock'] as const)("converges on optax's %s at optax's learning rate 2e-3, alpha 0.7, beta 0.1", (problem) => {
    optimize(optimisticGradientDescent({ learningRate: 2e-3, alpha: 0.7, beta: 0.1 }), problem);
  });
});

describe('optimisticGradientDescent in injectHyperparams', () => {
  it("gives the same updates as optimisticGradientDescent itself (optax's alias_test.py inject_hyperparams check)", () => {
    const p = makeTree(1);
    expect(runTransform(injectHyperparams(optimisticGradientDescent, { learningRate: 0.1, alpha: 0.7, beta: 0.1 }), p, grads, 3)).toEqual(runTransform(optimisticGradientDescent({ learningRate: 0.1, alpha: 0.7, beta: 0.1 }), p, grads, 3));
    treeDispose(p);
  });
});

describeContract('optimisticGradientDescent', { make: () => optimisticGradientDescent({ learningRate: 0.1 }), perLeafState: true });
