import { tf } from '@basin/testing';
import { scaleByOptimisticGradient, ScaleByOptimisticGradientOptions } from './scale-by-optimistic-gradient';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from './clip';
import { Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(2400);

function reversedKeys(tree: Tree): Tree {
  if (tree instanceof tf.Tensor) return tf.clone(tree);
  if (Array.isArray(tree)) return tree.map(reversedKeys);
  const record = tree as Record<string, Tree>;
  return Object.fromEntries(Object.keys(record).reverse().map((k) => [k, reversedKeys(record[k])]));
}

/** A float64 port of optax/_src/transform.py scale_by_optimistic_gradient (previous gradient = current at step 1). */
function optimisticReference(steps: Record<string, number[]>[], alpha: (t: number) => number, beta: (t: number) => number) {
  return steps.map((tree, k) =>
    Object.fromEntries(
      Object.entries(tree).map(([path, g]) => {
        const prev = k === 0 ? g : steps[k - 1][path];
        return [path, g.map((x, i) => (alpha(k) + beta(k)) * x - beta(k) * prev[i])];
      }),
    ),
  );
}

describe('scaleByOptimisticGradient', () => {
  it.each<[string, ScaleByOptimisticGradientOptions, (t: number) => number, (t: number) => number]>([
    ['defaults alpha 1, beta 1', {}, () => 1, () => 1],
    ["optax's test values alpha 0.7, beta 0.1", { alpha: 0.7, beta: 0.1 }, () => 0.7, () => 0.1],
    ['scheduled alpha and beta', { alpha: (t) => 1 / (t + 1), beta: (t) => 0.1 * t }, (t) => 1 / (t + 1), (t) => 0.1 * t],
  ])('matches a float64 reference over 5 steps (tolerance 1e-6): %s', (_, options, alpha, beta) => {
    const params = makeTree(1);
    expectTreesClose(runTransform(scaleByOptimisticGradient(options), params, grads, 5), optimisticReference(gradValues(5), alpha, beta), 1e-6);
    treeDispose(params);
  });

  it('keeps the incoming gradient as previousGradient and counts steps', () => {
    const g = { a: tf.tensor1d([1, -2]) };
    const t = scaleByOptimisticGradient();
    const s0 = t.init(g);
    const [u, s1] = t.update(g, s0);
    expect(leafValues(u).a).toEqual([1, -2]);
    expect(leafValues(s1.previousGradient).a).toEqual([1, -2]);
    expect(s1.count).toBe(1);
    treeDispose([g, s0, u, s1]);
  });

  it('refuses invalid options, naming them', () => {
    expectBasinError(() => scaleByOptimisticGradient({ alpha: -1 }), /^scaleByOptimisticGradient: alpha must be a number >= 0, got -1$/);
    expectBasinError(() => scaleByOptimisticGradient({ beta: NaN }), /^scaleByOptimisticGradient: beta must be a finite number, got NaN$/);
    expectBasinError(() => scaleByOptimisticGradient('x' as never), /^scaleByOptimisticGradient: options must be an options record/);
    const t = scaleByOptimisticGradient({ beta: () => NaN });
    const g = makeTree(3);
    const s = t.init(g);
    expectBasinError(() => t.update(g, s), /^scaleByOptimisticGradient: beta \(schedule at step 0\) must be a finite number, got NaN$/);
    treeDispose([g, s]);
  });

  it('gives identical results for keys inserted in reverse order', () => {
    const params = makeTree(1);
    const flipped = reversedKeys(params);
    const make = () => scaleByOptimisticGradient({ alpha: 0.7, beta: 0.1 });
    expect(runTransform(make(), flipped, (k) => reversedKeys(grads(k)), 3)).toEqual(runTransform(make(), params, grads, 3));
    treeDispose([params, flipped]);
  });

  it('works on the clipped gradient after clipByGlobalNorm(1) (tolerance 1e-6)', () => {
    const params = makeTree(1);
    const clipped = gradValues(3).map((v) => {
      const factor = 1 / Math.max(1, f64.norm(...Object.values(v)));
      return Object.fromEntries(Object.entries(v).map(([path, a]) => [path, f64.scale(a, factor)]));
    });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), scaleByOptimisticGradient()), params, grads, 3), optimisticReference(clipped, () => 1, () => 1), 1e-6);
    treeDispose(params);
  });
});

describeContract('scaleByOptimisticGradient', { make: () => scaleByOptimisticGradient({ alpha: 0.7, beta: 0.1 }), perLeafState: true });
