import { tf } from '@basin/testing';
import { scaleByPolyak, ScaleByPolyakOptions } from './scale-by-polyak';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from './clip';
import type { Extras, Transform } from '../transform';
import { Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, expectIntact, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform, snapshot } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(2600);

function reversedKeys(tree: Tree): Tree {
  if (tree instanceof tf.Tensor) return tf.clone(tree);
  if (Array.isArray(tree)) return tree.map(reversedKeys);
  const record = tree as Record<string, Tree>;
  return Object.fromEntries(Object.keys(record).reverse().map((k) => [k, reversedKeys(record[k])]));
}

/** A float64 port of optax/_src/transform.py scale_by_polyak: u * min((f - fMin) / (||u||^2 + eps), maxLr), 0 below float64 eps. */
function polyakReference(steps: Record<string, number[]>[], loss: number, { fMin = 0, maxLearningRate = 1, eps = 0 }: ScaleByPolyakOptions = {}) {
  return steps.map((tree) => {
    const denominator = f64.norm(...Object.values(tree)) ** 2 + eps;
    const step = denominator <= 2.220446049250313e-16 ? 0 : Math.min((loss - fMin) / denominator, maxLearningRate);
    return Object.fromEntries(Object.entries(tree).map(([path, u]) => [path, f64.scale(u, step)]));
  });
}

/** Gives `extras.loss` when the caller passes no extras (the contract tests call update without). */
const LOSS = tf.scalar(0.7);
function withLoss<S>(t: Transform<S>): Transform<S> {
  return { init: (p) => t.init(p), update: (u, s, p, e?: Extras) => t.update(u, s, p, e ?? { loss: LOSS }) };
}

describe('scaleByPolyak', () => {
  it.each<[string, number, ScaleByPolyakOptions]>([
    ['defaults, step below the cap', 0.3, {}],
    ['defaults, capped at maxLearningRate 1', 50, {}],
    ['fMin 0.1, maxLearningRate 0.05, eps 0.5', 2.5, { fMin: 0.1, maxLearningRate: 0.05, eps: 0.5 }],
    ['loss below fMin: a negative step, as in optax', 0.1, { fMin: 0.5 }],
  ])('matches a float64 port of optax over 3 steps (tolerance 1e-6): %s', (_, loss, options) => {
    const params = makeTree(1);
    const f = tf.scalar(loss);
    expectTreesClose(runTransform(scaleByPolyak(options), params, grads, 3, { extras: { loss: f } }), polyakReference(gradValues(3), loss, options), 1e-6);
    treeDispose([params, f]);
  });

  it('takes a loss of shape [1] as well, and gives 0 (not NaN) for a zero gradient', () => {
    const g = { a: tf.tensor1d([3, 4]), s: tf.scalar(0) };
    const zero = { a: tf.zeros([2]), s: tf.scalar(0) };
    const loss = tf.tensor1d([5]) as unknown as tf.Scalar;
    const t = scaleByPolyak({ maxLearningRate: 10 });
    const [u, s] = t.update(g, t.init(g), undefined, { loss });
    expect(leafValues(u)).toEqual({ a: [0.6000000238418579, 0.800000011920929], s: [0] });
    expect((u as { s: tf.Tensor }).s.shape).toEqual([]);
    const [z, s2] = t.update(zero, s, undefined, { loss });
    expect(leafValues(z)).toEqual({ a: [0, 0], s: [0] });
    treeDispose([g, zero, loss, u, s, z, s2]);
  });

  it('needs extras.loss, and says so naming itself; nothing leaks and the inputs stay intact', () => {
    const g = makeTree(2);
    const t = scaleByPolyak();
    const state = t.init(g);
    const snap = snapshot(g);
    expectBasinError(() => t.update(g, state), /^scaleByPolyak: needs the loss value: pass the loss at the current params as extras\.loss, a scalar tensor .*; got no extras$/);
    expectBasinError(() => t.update(g, state, undefined, {}), /^scaleByPolyak: needs the loss value: .*got extras\.loss undefined$/);
    const pair = tf.tensor1d([1, 2]);
    expectBasinError(() => t.update(g, state, undefined, { loss: pair as unknown as tf.Scalar }), /^scaleByPolyak: extras\.loss must be a scalar tensor, got shape \[2\]$/);
    const disposed = tf.scalar(1);
    disposed.dispose();
    expectBasinError(() => t.update(g, state, undefined, { loss: disposed }), /^scaleByPolyak: extras\.loss is a disposed tensor/);
    expectIntact(snap);
    treeDispose([g, pair]);
  });

  it('refuses invalid options, naming them', () => {
    expectBasinError(() => scaleByPolyak({ maxLearningRate: -1 }), /^scaleByPolyak: maxLearningRate must be a number >= 0, got -1$/);
    expectBasinError(() => scaleByPolyak({ fMin: NaN }), /^scaleByPolyak: fMin must be a finite number, got NaN$/);
    expectBasinError(() => scaleByPolyak({ eps: -1e-3 }), /^scaleByPolyak: eps must be a number >= 0, got -0.001$/);
    expectBasinError(() => scaleByPolyak(0 as never), /^scaleByPolyak: options must be an options record/);
  });

  it('gives identical results for keys inserted in reverse order', () => {
    const params = makeTree(1);
    const flipped = reversedKeys(params);
    const extras = { extras: { loss: LOSS } };
    expect(runTransform(scaleByPolyak(), flipped, (k) => reversedKeys(grads(k)), 3, extras)).toEqual(runTransform(scaleByPolyak(), params, grads, 3, extras));
    treeDispose([params, flipped]);
  });

  it('takes the step for the clipped gradient after clipByGlobalNorm(1) (tolerance 1e-6)', () => {
    const params = makeTree(1);
    const clipped = gradValues(3).map((v) => {
      const factor = 1 / Math.max(1, f64.norm(...Object.values(v)));
      return Object.fromEntries(Object.entries(v).map(([path, a]) => [path, f64.scale(a, factor)]));
    });
    expectTreesClose(runTransform(chain(clipByGlobalNorm(1), scaleByPolyak()), params, grads, 3, { extras: { loss: LOSS } }), polyakReference(clipped, 0.7), 1e-6);
    treeDispose(params);
  });
});

describeContract('scaleByPolyak', { make: () => withLoss(scaleByPolyak()) });
