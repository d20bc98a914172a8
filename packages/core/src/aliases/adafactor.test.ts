import { tf } from '@basin/testing';
import { adafactor, AdafactorOptions } from './adafactor';
import { chain } from '../combinators/chain';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { clipByGlobalNorm } from '../transforms/clip';
import { applyUpdates } from '../transforms/apply-updates';
import { exponentialDecay } from '../schedules';
import type { Transform } from '../transform';
import { collectTensors, Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, f64, leafValues, makeTree, runTransform, seeded } from '../../test-helpers';

/** makeTree's leaves plus a [130, 140] matrix, factored at optax's default minDimSizeToFactor 128. */
const SHAPES: Record<string, number[]> = { 'dense.bias': [2], 'dense.kernel': [3, 2], gain: [], big: [130, 140] };
function grads(k: number): Tree {
  return { ...(makeTree(2900 + k) as Record<string, Tree>), big: tf.tensor2d(seeded(3000 + k, 130 * 140), [130, 140]) };
}
const params = (): Tree => ({ ...(makeTree(1) as Record<string, Tree>), big: tf.tensor2d(seeded(3100, 130 * 140, 0.1), [130, 140]) });
function values(tree: Tree | ((k: number) => Tree), n = 1): Record<string, number[]>[] {
  return Array.from({ length: n }, (_, k) => {
    const t = typeof tree === 'function' ? tree(k) : tree;
    const v = leafValues(t);
    if (typeof tree === 'function') treeDispose(t);
    return v;
  });
}

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

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const rms = (a: number[]) => Math.sqrt(mean(a.map((x) => x * x)));

/**
 * A float64 port of optax's adafactor (optax/_src/alias.py over factorized.py
 * scale_by_factored_rms, clip_by_block_rms, scale_by_param_block_rms, ema(debias=False),
 * add_decayed_weights and scale(-1)) for leaves of rank <= 2, params held fixed.
 */
function adafactorReference(
  steps: Record<string, number[]>[],
  p: Record<string, number[]>,
  o: AdafactorOptions & { decayMask?: (path: string) => boolean } = {},
): Record<string, number[]>[] {
  const { minDimSizeToFactor = 128, decayRate = 0.8, decayOffset = 0, multiplyByParameterScale = true, eps = 1e-30, factored = true } = o;
  const clipping = o.clippingThreshold === undefined ? 1 : o.clippingThreshold;
  const lr = o.learningRate ?? null;
  const state: Record<string, { a?: number[]; b?: number[]; v?: number[]; m?: number[] }> = {};
  return steps.map((tree, k) => {
    const beta = 1 - Math.pow(k - decayOffset + 1, -decayRate);
    return Object.fromEntries(
      Object.entries(tree).map(([path, g]) => {
        const shape = SHAPES[path];
        const s = (state[path] ??= {});
        const G = g.map((x) => x * x + eps);
        let u: number[];
        // The two largest axes: d0 the largest (the later one on a tie), d1 the other.
        const [d1, d0] = shape.length === 2 ? (shape[0] > shape[1] ? [1, 0] : [0, 1]) : [-1, -1];
        if (factored && shape.length === 2 && shape[d1] >= minDimSizeToFactor) {
          const at = (i: number) => [Math.floor(i / shape[1]), i % shape[1]];
          // a: mean of G over axis d0, indexed along d1; b: mean over axis d1, indexed along d0.
          const a = new Array<number>(shape[d1]).fill(0);
          const b = new Array<number>(shape[d0]).fill(0);
          G.forEach((x, i) => {
            a[at(i)[d1]] += x / shape[d0];
            b[at(i)[d0]] += x / shape[d1];
          });
          s.a = a.map((x, j) => beta * (s.a?.[j] ?? 0) + (1 - beta) * x);
          s.b = b.map((x, j) => beta * (s.b?.[j] ?? 0) + (1 - beta) * x);
          const aMean = mean(s.a);
          u = g.map((x, i) => (x * Math.sqrt(aMean / s.a![at(i)[d1]])) / Math.sqrt(s.b![at(i)[d0]]));
        } else {
          s.v = G.map((x, i) => beta * (s.v?.[i] ?? 0) + (1 - beta) * x);
          u = g.map((x, i) => x / Math.sqrt(s.v![i]));
        }
        if (clipping !== null) u = f64.scale(u, 1 / Math.max(1, rms(u) / clipping));
        if (lr !== null) u = f64.scale(u, typeof lr === 'number' ? lr : lr(k));
        if (multiplyByParameterScale) u = f64.scale(u, Math.max(rms(p[path]), 1e-3));
        if (o.momentum != null) u = s.m = u.map((x, i) => o.momentum! * (s.m?.[i] ?? 0) + (1 - o.momentum!) * x);
        if (o.weightDecayRate != null && (o.decayMask?.(path) ?? true)) u = u.map((x, i) => x + o.weightDecayRate! * p[path][i]);
        return [path, f64.scale(u, -1)];
      }),
    );
  });
}

const stateSize = (state: unknown) => [...collectTensors(state)].reduce((n, t) => n + t.size, 0);

describe('adafactor', () => {
  const schedule = exponentialDecay({ init: 0.05, transitionSteps: 1, decayRate: 0.7 });
  it.each<[string, AdafactorOptions]>([
    ["optax's test setting, learningRate 5e-3 (only the [130, 140] matrix factored)", { learningRate: 5e-3 }],
    [
      'scheduled lr, kernel factored, momentum, weight decay, clipping 0.5, decayRate 0.6',
      { learningRate: schedule, minDimSizeToFactor: 2, momentum: 0.9, weightDecayRate: 0.1, clippingThreshold: 0.5, decayRate: 0.6 },
    ],
    ['no parameter scale, no clipping, not factored', { learningRate: 0.1, multiplyByParameterScale: false, clippingThreshold: null, factored: false }],
    ["optax's default: no learning rate (the relative step alone), eps 1e-3", { eps: 1e-3 }],
  ])('matches a float64 port of optax over 5 steps (tolerance 1e-5): %s', (_, options) => {
    const p = params();
    expectTreesClose(runTransform(adafactor(options), p, grads, 5), adafactorReference(values(grads, 5), values(p)[0], options), 1e-5);
    treeDispose(p);
  });

  it('decays only the params its weightDecayMask selects', () => {
    const p = params();
    const weightDecayMask = { dense: { kernel: true, bias: false }, gain: false, big: true };
    const options = { learningRate: 0.01, weightDecayRate: 0.5, weightDecayMask };
    const decayMask = (path: string) => path === 'dense.kernel' || path === 'big';
    expectTreesClose(runTransform(adafactor(options), p, grads, 3), adafactorReference(values(grads, 3), values(p)[0], { ...options, decayMask }), 1e-5);
    treeDispose(p);
  });

  it('keeps 256 + 512 numbers of state for a [256, 512] matrix, not 256 * 512 (momentum adds a full copy)', () => {
    const w = { w: tf.zeros([256, 512]) };
    const s0 = adafactor({ learningRate: 0.01 }).init(w);
    expect(stateSize(s0)).toBe(256 + 512);
    const t = adafactor({ learningRate: 0.01 });
    const s = t.init(w);
    const g = { w: tf.randomNormal([256, 512], 0, 1, 'float32', 1) };
    const [u, s1] = t.update(g, s, w);
    expect(stateSize(s1)).toBe(256 + 512);
    expect(stateSize(adafactor({ factored: false }).init(w))).toBe(256 * 512);
    expect(stateSize(adafactor({ momentum: 0.9 }).init(w))).toBe(256 + 512 + 256 * 512);
    treeDispose([w, s0, s, g, u, s1]);
  });

  it('refuses invalid options under its own name, naming the option', () => {
    const cases: [AdafactorOptions, RegExp][] = [
      [{ decayRate: -0.8 }, /^adafactor: decayRate must be a number >= 0, got -0.8$/],
      [{ decayOffset: 2.5 }, /^adafactor: decayOffset must be an integer >= 0, got 2.5$/],
      [{ minDimSizeToFactor: -1 }, /^adafactor: minDimSizeToFactor must be an integer >= 0, got -1$/],
      [{ eps: NaN }, /^adafactor: eps must be a finite number, got NaN$/],
      [{ clippingThreshold: 0 }, /^adafactor: clippingThreshold must be a number > 0, got 0$/],
      [{ momentum: 1 }, /^adafactor: momentum must be a number >= 0 and < 1, got 1$/],
      [{ weightDecayRate: -1e-4 }, /^adafactor: weightDecayRate must be a number >= 0, got -0.0001$/],
      [{ learningRate: Infinity }, /^adafactor: learningRate must be a finite number, got Infinity$/],
      [{ factored: 1 as never }, /^adafactor: factored must be true or false, got number 1$/],
      [{ multiplyByParameterScale: 'yes' as never }, /^adafactor: multiplyByParameterScale must be true or false, got string yes$/],
    ];
    for (const [options, pattern] of cases) expectBasinError(() => adafactor(options), pattern);
    expectBasinError(() => adafactor(7 as never), /^adafactor: options must be an options record/);
  });

  it('names decayOffset when the step count is before it, and needs params for the parameter scale', () => {
    const p = params();
    const g = grads(0);
    const t = adafactor({ decayOffset: 2 });
    const s = t.init(p);
    expectBasinError(() => t.update(g, s, p), /^adafactor: the step count \(0\) is before decayOffset \(2\); decayOffset is for a state restored at that step/);
    const u = adafactor();
    const s2 = u.init(p);
    expectBasinError(() => u.update(g, s2), /^adafactor: update needs params/);
    treeDispose([p, g, s, s2]);
  });

  it('gives identical results for keys inserted in reverse order', () => {
    const p = params();
    const flipped = reversedKeys(p);
    const make = () => adafactor({ learningRate: 0.01, minDimSizeToFactor: 2, momentum: 0.5, weightDecayRate: 0.1 });
    expect(runTransform(make(), flipped, (k) => reversedKeys(grads(k)), 3)).toEqual(runTransform(make(), p, grads, 3));
    treeDispose([p, flipped]);
  });

  it('works after clipByGlobalNorm(1) in a chain (tolerance 1e-5)', () => {
    const p = params();
    const clipped = values(grads, 3).map((v) => {
      const factor = 1 / Math.max(1, f64.norm(...Object.values(v)));
      return Object.fromEntries(Object.entries(v).map(([path, a]) => [path, f64.scale(a, factor)]));
    });
    expectTreesClose(
      runTransform(chain(clipByGlobalNorm(1), adafactor({ learningRate: 0.01 })), p, grads, 3),
      adafactorReference(clipped, values(p)[0], { learningRate: 0.01 }),
      1e-5,
    );
    treeDispose(p);
  });

  it.each(['parabola', 'rosenbrock'] as const)("converges on optax's %s at optax's learning rate 5e-3", (problem) => {
    optimize(adafactor({ learningRate: 5e-3 }), problem);
  });
});

describe('adafactor in injectHyperparams', () => {
  it("gives the same updates as adafactor itself (optax's alias_test.py inject_hyperparams check)", () => {
    const p = params();
    expect(runTransform(injectHyperparams(adafactor, { learningRate: 0.01, minDimSizeToFactor: 2, momentum: 0.9, weightDecayRate: 0.01 }), p, grads, 3)).toEqual(runTransform(adafactor({ learningRate: 0.01, minDimSizeToFactor: 2, momentum: 0.9, weightDecayRate: 0.01 }), p, grads, 3));
    treeDispose(p);
  });
});

describeContract('adafactor', { make: () => adafactor({ learningRate: 0.01 }), perLeafState: true, readsParams: true });
describeContract('adafactor (factored kernel, momentum, weight decay)', {
  make: () => adafactor({ learningRate: 0.01, minDimSizeToFactor: 2, momentum: 0.9, weightDecayRate: 0.01 }),
  perLeafState: true,
  readsParams: true,
});
