import { tf } from '@basin/testing';
import { sm3 } from './sm3';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { clipByGlobalNorm } from '../transforms/clip';
import { applyUpdates } from '../transforms/apply-updates';
import { scaleBySm3 } from '../transforms/scale-by-sm3';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { exponentialDecay } from '../schedules';
import type { Transform } from '../transform';
import { Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, f64, gradientSequence, makeTree, runTransform } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(2100);

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

/**
 * A float64 port of optax's sm3 (optax/_src/alias.py over transform.py scale_by_sm3) for
 * makeTree's leaves (rank <= 2): the [3, 2] kernel keeps a row and a column accumulator.
 */
function sm3Reference(steps: Record<string, number[]>[], lr: (t: number) => number, momentum = 0.9) {
  const mu: Record<string, number[][]> = {};
  const nu: Record<string, number[]> = {};
  return steps.map((tree, k) =>
    Object.fromEntries(
      Object.entries(tree).map(([path, g]) => {
        const matrix = path === 'dense.kernel';
        mu[path] ??= matrix ? [[0, 0, 0], [0, 0]] : [g.map(() => 0)];
        nu[path] ??= g.map(() => 0);
        const at = (i: number) => [Math.floor(i / 2), i % 2];
        const accum = g.map((x, i) => x * x + (matrix ? Math.min(mu[path][0][at(i)[0]], mu[path][1][at(i)[1]]) : mu[path][0][i]));
        nu[path] = nu[path].map((n, i) => momentum * n + (1 - momentum) * (accum[i] > 0 ? g[i] / Math.sqrt(accum[i] + 1e-8) : 0));
        mu[path] = matrix ? [0, 1].map((axis) => (axis === 0 ? [0, 1, 2] : [0, 1]).map((j) => Math.max(...accum.filter((_, i) => at(i)[axis] === j)))) : [accum];
        return [path, nu[path].map((n) => -lr(k) * n)];
      }),
    ),
  );
}

describe('sm3', () => {
  it('matches a float64 port of optax over 6 steps, constant or scheduled lr (tolerance 1e-5)', () => {
    const params = makeTree(1);
    expectTreesClose(runTransform(sm3({ learningRate: 0.5 }), params, grads, 6), sm3Reference(gradValues(6), () => 0.5), 1e-5);
    const lr = exponentialDecay({ init: 0.3, transitionSteps: 1, decayRate: 0.5 });
    expectTreesClose(runTransform(sm3({ learningRate: lr, momentum: 0 }), params, grads, 6), sm3Reference(gradValues(6), lr, 0), 1e-5);
    treeDispose(params);
  });

  it('equals chain(scaleBySm3({ b1: momentum }), scaleByLearningRate)', () => {
    const params = makeTree(1);
    expect(runTransform(sm3({ learningRate: 0.5, momentum: 0.7 }), params, grads, 3)).toEqual(
      runTransform(chain(scaleBySm3({ b1: 0.7 }), scaleByLearningRate(0.5)), params, grads, 3),
    );
    treeDispose(params);
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => sm3({ learningRate: 1, momentum: 1 }), /^sm3: momentum must be a number >= 0 and < 1, got 1$/);
    expectBasinError(() => sm3({ learningRate: 1, momentum: -0.1 }), /^sm3: momentum must be a number >= 0 and < 1, got -0.1$/);
    expectBasinError(() => sm3({ learningRate: Infinity }), /^sm3: learningRate must be a finite number, got Infinity$/);
    expectBasinError(() => sm3({} as never), /^sm3: learningRate must be a finite number, got undefined$/);
  });

  it('gives identical results for keys inserted in reverse order', () => {
    const params = makeTree(1);
    const flipped = reversedKeys(params);
    expect(runTransform(sm3({ learningRate: 1 }), flipped, (k) => reversedKeys(grads(k)), 3)).toEqual(runTransform(sm3({ learningRate: 1 }), params, grads, 3));
    treeDispose([params, flipped]);
  });

  it('works after clipByGlobalNorm(1) in a chain (tolerance 1e-5)', () => {
    const params = makeTree(1);
    const clipped = gradValues(3).map((v) => {
      const factor = 1 / Math.max(1, f64.norm(...Object.values(v)));
      return Object.fromEntries(Object.entries(v).map(([path, a]) => [path, f64.scale(a, factor)]));
    });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), sm3({ learningRate: 1 })), params, grads, 3), sm3Reference(clipped, () => 1), 1e-5);
    treeDispose(params);
  });

  it.each(['parabola', 'rosenbrock'] as const)("converges on optax's %s at optax's learning rate 1.0", (problem) => {
    optimize(sm3({ learningRate: 1 }), problem);
  });
});

describe('sm3 in injectHyperparams', () => {
  it("gives the same updates as sm3 itself (optax's alias_test.py inject_hyperparams check)", () => {
    const p = makeTree(1);
    expect(runTransform(injectHyperparams(sm3, { learningRate: 0.5, momentum: 0.8 }), p, grads, 3)).toEqual(runTransform(sm3({ learningRate: 0.5, momentum: 0.8 }), p, grads, 3));
    treeDispose(p);
  });
});

describeContract('sm3', { make: () => sm3({ learningRate: 1 }), perLeafState: true });
