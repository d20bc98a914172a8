import { tf } from '@basin/testing';
import { fromage } from './fromage';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { clipByGlobalNorm } from '../transforms/clip';
import { applyUpdates } from '../transforms/apply-updates';
import { exponentialDecay } from '../schedules';
import type { Transform } from '../transform';
import { Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(2800);

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
 * A float64 port of optax's fromage (optax/_src/alias.py: scale_by_trust_ratio(min_norm), then
 * scale_by_learning_rate(lr m) and add_decayed_weights(m - 1), m = 1 / sqrt(1 + lr^2)), params held fixed.
 */
function fromageReference(steps: Record<string, number[]>[], params: Record<string, number[]>, lr: (t: number) => number, minNorm = 1e-6) {
  return steps.map((tree, k) => {
    const m = 1 / Math.sqrt(1 + lr(k) ** 2);
    return Object.fromEntries(
      Object.entries(tree).map(([path, g]) => {
        const p = params[path];
        const pn = Math.max(f64.norm(p), minNorm);
        const gn = Math.max(f64.norm(g), minNorm);
        const ratio = pn === 0 || gn === 0 ? 1 : pn / gn;
        return [path, g.map((x, i) => -lr(k) * m * ratio * x + (m - 1) * p[i])];
      }),
    );
  });
}

describe('fromage', () => {
  it('matches a float64 port of optax over 4 steps, constant or scheduled lr (tolerance 1e-6)', () => {
    const params = makeTree(1);
    const p = leafValues(params);
    expectTreesClose(runTransform(fromage({ learningRate: 0.01 }), params, grads, 4), fromageReference(gradValues(4), p, () => 0.01), 1e-6);
    const lr = exponentialDecay({ init: 0.5, transitionSteps: 1, decayRate: 0.5 });
    expectTreesClose(runTransform(fromage({ learningRate: lr, minNorm: 0.1 }), params, grads, 4), fromageReference(gradValues(4), p, lr, 0.1), 1e-6);
    treeDispose(params);
  });

  it('keeps the update at the trust ratio where a norm is 0 (minNorm 0), and floors norms at minNorm', () => {
    const params = { a: tf.zeros([2]), b: tf.tensor1d([3, 4]) };
    const g = { a: tf.tensor1d([1, 0]), b: tf.zeros([2]) };
    const run = (minNorm: number) => runTransform(fromage({ learningRate: 0.5, minNorm }), params, () => ({ a: tf.clone(g.a), b: tf.clone(g.b) }), 1);
    const m = 1 / Math.sqrt(1.25);
    expectTreesClose(run(0), [{ a: [-0.5 * m, 0], b: [3 * (m - 1), 4 * (m - 1)] }], 1e-6);
    expectTreesClose(run(1e-3), [{ a: [-0.5 * m * 1e-3, 0], b: [3 * (m - 1), 4 * (m - 1)] }], 1e-6);
    treeDispose([params, g]);
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => fromage({ learningRate: 0.01, minNorm: -1 }), /^fromage: minNorm must be a number >= 0, got -1$/);
    expectBasinError(() => fromage({ learningRate: NaN }), /^fromage: learningRate must be a finite number, got NaN$/);
    expectBasinError(() => fromage({ learningRate: 0.01, minNorm: Infinity }), /^fromage: minNorm must be a finite number, got Infinity$/);
    expectBasinError(() => fromage(undefined as never), /^fromage: options must be an options record/);
  });

  it('needs the params, and says so naming fromage', () => {
    const g = makeTree(2);
    const t = fromage({ learningRate: 0.01 });
    const s = t.init(g);
    expectBasinError(() => t.update(g, s), /^fromage: update needs params/);
    treeDispose([g, s]);
  });

  it('gives identical results for keys inserted in reverse order', () => {
    const params = makeTree(1);
    const flipped = reversedKeys(params);
    expect(runTransform(fromage({ learningRate: 0.01 }), flipped, (k) => reversedKeys(grads(k)), 3)).toEqual(
      runTransform(fromage({ learningRate: 0.01 }), params, grads, 3),
    );
    treeDispose([params, flipped]);
  });

  it('works after clipByGlobalNorm(1) in a chain (tolerance 1e-6)', () => {
    const params = makeTree(1);
    const clipped = gradValues(3).map((v) => {
      const factor = 1 / Math.max(1, f64.norm(...Object.values(v)));
      return Object.fromEntries(Object.entries(v).map(([path, a]) => [path, f64.scale(a, factor)]));
    });
    expectTreesClose(
      runTransform(chain(clipByGlobalNorm(1), fromage({ learningRate: 0.01 })), params, grads, 3),
      fromageReference(clipped, leafValues(params), () => 0.01),
      1e-6,
    );
    treeDispose(params);
  });

  it.each(['parabola', 'rosenbrock'] as const)("converges on optax's %s at optax's learning rate 5e-3", (problem) => {
    optimize(fromage({ learningRate: 5e-3 }), problem);
  });
});

describe('fromage in injectHyperparams', () => {
  it("gives the same updates as fromage itself (optax's alias_test.py inject_hyperparams check)", () => {
    const p = makeTree(1);
    expect(runTransform(injectHyperparams(fromage, { learningRate: 0.01 }), p, grads, 3)).toEqual(runTransform(fromage({ learningRate: 0.01 }), p, grads, 3));
    treeDispose(p);
  });
});

describeContract('fromage', { make: () => fromage({ learningRate: 0.01 }), readsParams: true });
