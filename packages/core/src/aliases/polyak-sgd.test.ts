import { tf } from '@basin/testing';
import { polyakSgd } from './polyak-sgd';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { clipByGlobalNorm } from '../transforms/clip';
import { applyUpdates } from '../transforms/apply-updates';
import { scaleByPolyak } from '../transforms/scale-by-polyak';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { step, StepResult } from '../training/step';
import { Trainer } from '../training/trainer';
import type { Extras, Transform } from '../transform';
import { Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, expectIntact, expectTreesClose, f64, gradientSequence, leastSquares, makeTree, runTransform, snapshot } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(2700);

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
 * A float64 port of optax's polyak_sgd (optax/_src/alias.py: chain(sgd(scaling), scale_by_polyak)):
 * with v = -scaling g, u = v * min((f - fMin) / (||v||^2 + eps), maxLearningRate).
 */
function polyakSgdReference(steps: Record<string, number[]>[], loss: number, { scaling = 1, fMin = 0, maxLearningRate = 1, eps = 0 } = {}) {
  return steps.map((tree) => {
    const v = Object.fromEntries(Object.entries(tree).map(([path, g]) => [path, f64.scale(g, -scaling)]));
    const denominator = f64.norm(...Object.values(v)) ** 2 + eps;
    const s = denominator <= 2.220446049250313e-16 ? 0 : Math.min((loss - fMin) / denominator, maxLearningRate);
    return Object.fromEntries(Object.entries(v).map(([path, u]) => [path, f64.scale(u, s)]));
  });
}

const LOSS = tf.scalar(0.7);
function withLoss<S>(t: Transform<S>): Transform<S> {
  return { init: (p) => t.init(p), update: (u, s, p, e?: Extras) => t.update(u, s, p, e ?? { loss: LOSS }) };
}

describe('polyakSgd', () => {
  it.each<[string, number, Parameters<typeof polyakSgd>[0]]>([
    ['defaults', 0.7, {}],
    ['capped by maxLearningRate 0.1', 30, { maxLearningRate: 0.1 }],
    ['fMin 0.2, eps 0.1, scaling 0.5 (applied first, as optax)', 0.9, { fMin: 0.2, eps: 0.1, scaling: 0.5 }],
  ])('matches a float64 port of optax over 3 steps (tolerance 1e-6): %s', (_, loss, options) => {
    const params = makeTree(1);
    const f = tf.scalar(loss);
    expectTreesClose(runTransform(polyakSgd(options), params, grads, 3, { extras: { loss: f } }), polyakSgdReference(gradValues(3), loss, options as object), 1e-6);
    treeDispose([params, f]);
  });

  it('equals chain(scaleByLearningRate(scaling), scaleByPolyak)', () => {
    const params = makeTree(1);
    const extras = { extras: { loss: LOSS } };
    expect(runTransform(polyakSgd({ scaling: 0.3, fMin: -1 }), params, grads, 3, extras)).toEqual(
      runTransform(chain(scaleByLearningRate(0.3), scaleByPolyak({ fMin: -1 })), params, grads, 3, extras),
    );
    treeDispose(params);
  });

  it('refuses an update without extras.loss with a BasinError naming polyakSgd; nothing leaks, state intact', () => {
    const params = makeTree(1);
    const g = makeTree(2);
    const t = polyakSgd();
    const state = t.init(params);
    const snap = snapshot([params, g, state]);
    expectBasinError(() => t.update(g, state, params), /^polyakSgd: needs the loss value: pass the loss at the current params as extras\.loss, a scalar tensor \(core's step and Trainer do; by hand: update\(updates, state, params, \{ loss \}\)\); got no extras$/);
    // Inside a chain the user built, the error still names polyakSgd.
    const clipped = chain(clipByGlobalNorm(1), polyakSgd());
    const chainState = clipped.init(params);
    expectBasinError(() => clipped.update(g, chainState, params, {}), /^polyakSgd: needs the loss value: .*got extras\.loss undefined$/);
    expectIntact(snap);
    treeDispose([params, g, state, chainState]);
  });

  it("gets the loss from core's step and from Trainer, and drives least squares' loss down", () => {
    const problem = leastSquares(16);
    const batch = problem.batch();
    let params: Tree = problem.params();
    const t = polyakSgd({ maxLearningRate: 0.5 });
    let state: unknown[] = t.init(params);
    const losses: number[] = [];
    for (let k = 0; k < 30; k++) {
      const result: StepResult<unknown[]> = step(t, problem.lossFn, params, state, batch);
      losses.push(result.loss.dataSync()[0]);
      treeDispose([params, state, result.loss]);
      [params, state] = [result.params, result.state];
    }
    expect(losses[29]).toBeLessThan(0.5 * losses[0]);
    const trainer = new Trainer({ transform: polyakSgd({ maxLearningRate: 0.5 }), loss: problem.lossFn, params: problem.params() });
    const first = trainer.step(batch);
    for (let k = 0; k < 28; k++) trainer.step(batch);
    expect(trainer.step(batch)).toBeCloseTo(losses[29], 4);
    expect(first).toBeCloseTo(losses[0], 5);
    trainer.dispose();
    treeDispose([params, state, batch]);
  });

  it('refuses invalid options under its own name, naming the option', () => {
    expectBasinError(() => polyakSgd({ maxLearningRate: -1 }), /^polyakSgd: maxLearningRate must be a number >= 0, got -1$/);
    expectBasinError(() => polyakSgd({ fMin: Infinity }), /^polyakSgd: fMin must be a finite number, got Infinity$/);
    expectBasinError(() => polyakSgd({ eps: -1 }), /^polyakSgd: eps must be a number >= 0, got -1$/);
    expectBasinError(() => polyakSgd({ scaling: NaN }), /^polyakSgd: scaling must be a finite number, got NaN$/);
    expectBasinError(() => polyakSgd('fast' as never), /^polyakSgd: options must be an options record/);
  });

  it('gives identical results for keys inserted in reverse order', () => {
    const params = makeTree(1);
    const flipped = reversedKeys(params);
    const extras = { extras: { loss: LOSS } };
    expect(runTransform(polyakSgd(), flipped, (k) => reversedKeys(grads(k)), 3, extras)).toEqual(runTransform(polyakSgd(), params, grads, 3, extras));
    treeDispose([params, flipped]);
  });

  it('works after clipByGlobalNorm(1) in a chain, the loss passed down the chain (tolerance 1e-6)', () => {
    const params = makeTree(1);
    const clipped = gradValues(3).map((v) => {
      const factor = 1 / Math.max(1, f64.norm(...Object.values(v)));
      return Object.fromEntries(Object.entries(v).map(([path, a]) => [path, f64.scale(a, factor)]));
    });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), polyakSgd()), params, grads, 3, { extras: { loss: LOSS } }), polyakSgdReference(clipped, 0.7), 1e-6);
    treeDispose(params);
  });

  it.each(['parabola', 'rosenbrock'] as const)("converges on optax's %s at optax's maxLearningRate 1.0", (problem) => {
    optimize(polyakSgd({ maxLearningRate: 1 }), problem);
  });
});

describe('polyakSgd in injectHyperparams', () => {
  it("gives the same updates as polyakSgd itself (optax's alias_test.py inject_hyperparams check)", () => {
    const p = makeTree(1);
    expect(runTransform(injectHyperparams(polyakSgd, { maxLearningRate: 0.5, fMin: 0.1 }), p, grads, 3, { extras: { loss: LOSS } })).toEqual(runTransform(polyakSgd({ maxLearningRate: 0.5, fMin: 0.1 }), p, grads, 3, { extras: { loss: LOSS } }));
    treeDispose(p);
  });
});

describeContract('polyakSgd', { make: () => withLoss(polyakSgd()) });
