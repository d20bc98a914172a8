import { tf } from '@basin/testing';
import { noisySgd } from './noisy-sgd';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { clipByGlobalNorm } from '../transforms/clip';
import { applyUpdates } from '../transforms/apply-updates';
import { addNoise } from '../transforms/add-noise';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { exponentialDecay } from '../schedules';
import type { Transform } from '../transform';
import { Tree, treeDispose } from '../tree';
import { describeContract, elementwiseReference, expectBasinError, expectTreesClose, f64, gradientSequence, makeTree, runTransform } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(2300);

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

const variance = (a: number[]) => a.reduce((s, x) => s + x * x, 0) / a.length;

describe('noisySgd', () => {
  it('is -lr g with eta 0, constant or scheduled lr (float64 reference, tolerance 1e-6)', () => {
    const params = makeTree(1);
    const lr = exponentialDecay({ init: 0.1, transitionSteps: 1, decayRate: 0.5 });
    expectTreesClose(runTransform(noisySgd({ learningRate: 0.1, eta: 0 }), params, grads, 3), elementwiseReference(gradValues(3), () => ({}), (g) => -0.1 * g), 1e-6);
    expectTreesClose(runTransform(noisySgd({ learningRate: lr, eta: 0 }), params, grads, 3), elementwiseReference(gradValues(3), () => ({}), (g, _s, t) => -lr(t - 1) * g), 1e-6);
    treeDispose(params);
  });

  it("is -lr (g + noise) with the noise of addNoise: variance eta / t^gamma (optax's noisy_sgd; 20000 draws, 5% tolerance)", () => {
    const params = makeTree(1);
    expect(runTransform(noisySgd({ learningRate: 0.1, eta: 0.2, gamma: 0.3, seed: 9 }), params, grads, 3)).toEqual(
      runTransform(chain(addNoise({ eta: 0.2, gamma: 0.3, seed: 9 }), scaleByLearningRate(0.1)), params, grads, 3),
    );
    treeDispose(params);
    const zeros = { w: tf.zeros([100, 200]) };
    const out = runTransform(noisySgd({ learningRate: 0.5, eta: 0.3 }), zeros, () => ({ w: tf.zeros([100, 200]) }), 3);
    out.forEach((step, k) => expect(Math.abs(variance(step.w) / (0.25 * 0.3 * Math.pow(k + 1, -0.55)) - 1)).toBeLessThan(0.05));
    treeDispose(zeros);
  });

  it('is reproducible from its seed (default 0)', () => {
    const params = makeTree(1);
    const run = (seed?: number) => runTransform(noisySgd({ learningRate: 0.1, seed }), params, grads, 2);
    expect(run()).toEqual(run(0));
    expect(run(1)).not.toEqual(run(0));
    treeDispose(params);
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => noisySgd({ learningRate: 0.1, eta: -0.01 }), /^noisySgd: eta must be a number >= 0, got -0.01$/);
    expectBasinError(() => noisySgd({ learningRate: 0.1, gamma: Infinity }), /^noisySgd: gamma must be a finite number, got Infinity$/);
    expectBasinError(() => noisySgd({ learningRate: 0.1, seed: 1.5 }), /^noisySgd: seed must be an integer, got 1.5$/);
    expectBasinError(() => noisySgd({ learningRate: NaN }), /^noisySgd: learningRate must be a finite number, got NaN$/);
    expectBasinError(() => noisySgd(undefined as never), /^noisySgd: options must be an options record/);
  });

  it('gives identical results for keys inserted in reverse order', () => {
    const params = makeTree(1);
    const flipped = reversedKeys(params);
    const make = () => noisySgd({ learningRate: 0.1, seed: 4 });
    expect(runTransform(make(), flipped, (k) => reversedKeys(grads(k)), 3)).toEqual(runTransform(make(), params, grads, 3));
    treeDispose([params, flipped]);
  });

  it('works after clipByGlobalNorm(1) in a chain (eta 0: -lr times the clipped gradient, tolerance 1e-6)', () => {
    const params = makeTree(1);
    const clipped = gradValues(3).map((v) => {
      const factor = 1 / Math.max(1, f64.norm(...Object.values(v)));
      return Object.fromEntries(Object.entries(v).map(([path, a]) => [path, f64.scale(a, -0.1 * factor)]));
    });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), noisySgd({ learningRate: 0.1, eta: 0 })), params, grads, 3), clipped, 1e-6);
    treeDispose(params);
  });

  it.each(['parabola', 'rosenbrock'] as const)("converges on optax's %s at optax's learning rate 1e-3 and eta 1e-4", (problem) => {
    optimize(noisySgd({ learningRate: 1e-3, eta: 1e-4 }), problem);
  });
});

describe('noisySgd in injectHyperparams', () => {
  it("gives the same updates as noisySgd itself (optax's alias_test.py inject_hyperparams check)", () => {
    const p = makeTree(1);
    expect(runTransform(injectHyperparams(noisySgd, { learningRate: 0.1, eta: 0.1, seed: 2 }), p, grads, 3)).toEqual(runTransform(noisySgd({ learningRate: 0.1, eta: 0.1, seed: 2 }), p, grads, 3));
    treeDispose(p);
  });
});

describeContract('noisySgd', { make: () => noisySgd({ learningRate: 0.1, eta: 0.1 }) });
