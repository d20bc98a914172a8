import { tf, expectClose } from '@basin/testing';
import { clipByBlockRms } from './clip-by-block-rms';
import { chain } from '../combinators/chain';
import { scale } from './scale';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';
import { expectKeyOrderIndependent } from '../../test-helpers/optax-checks';

const { grads, gradValues } = gradientSequence(1500);

/** optax's `clip_by_block_rms` (optax/_src/clipping.py) in float64: each leaf over `max(1, rms / threshold)`. */
function clipReference(updates: Record<string, number[]>[], threshold: number) {
  return updates.map((tree) =>
    Object.fromEntries(
      Object.entries(tree).map(([path, u]) => {
        const rms = Math.sqrt(u.reduce((s, x) => s + x * x, 0) / u.length);
        return [path, u.map((x) => x / Math.max(1, rms / threshold))];
      }),
    ),
  );
}

const rms = (values: number[]) => Math.sqrt(values.reduce((s, x) => s + x * x, 0) / values.length);

describe('clipByBlockRms', () => {
  it.each([0.05, 0.3, 10])('matches a float64 reference over 3 steps (tolerance 1e-6), threshold %s', (threshold) => {
    const params = makeTree(1);
    expectTreesClose(runTransform(clipByBlockRms(threshold), params, grads, 3), clipReference(gradValues(3), threshold), 1e-6);
    treeDispose(params);
  });

  it("optax's clipping_test: each leaf's rms becomes the threshold, and clipping again changes nothing", () => {
    // optax/_src/clipping_test.py test_clip_by_block_rms: per_step_updates ([500, 5], [300, 3]), threshold 1 / i.
    for (let i = 1; i <= 5; i++) {
      const t = clipByBlockRms(1 / i);
      const g = { a: tf.tensor1d([500, 5]), b: tf.tensor1d([300, 3]) };
      const [once] = t.update(g, t.init(g));
      expectClose([rms(leafValues(once).a), rms(leafValues(once).b)], [1 / i, 1 / i], 1e-6);
      const [twice] = t.update(once, t.init(g));
      expectTreesClose([leafValues(twice)], [leafValues(once)], 1e-6);
      treeDispose([g, once, twice]);
    }
  });

  it('passes a leaf whose rms is within the threshold unchanged, bit for bit', () => {
    const g = { small: tf.tensor1d([0.1, -0.2, 0.05]), big: tf.tensor1d([3, -4]) };
    const t = clipByBlockRms(1);
    const [u] = t.update(g, t.init(g));
    expect(leafValues(u).small).toEqual(leafValues(g).small);
    expectClose(leafValues(u).big, [3 / rms([3, -4]), -4 / rms([3, -4])], 1e-6);
    treeDispose([g, u]);
  });

  it('composes in a chain (as in adafactor): clip, then scale', () => {
    const params = makeTree(1);
    const out = runTransform(chain(clipByBlockRms(0.1), scale(-2)), params, grads, 2);
    expectTreesClose(out, clipReference(gradValues(2), 0.1).map((tree) => Object.fromEntries(Object.entries(tree).map(([p, u]) => [p, u.map((x) => -2 * x)]))), 1e-6);
    treeDispose(params);
  });

  it('gives identical results for trees built with keys in reversed insertion order', () => {
    expectKeyOrderIndependent(() => clipByBlockRms(0.2));
  });

  it('refuses a threshold that is not a positive finite number, naming it', () => {
    expectBasinError(() => clipByBlockRms(0), /^clipByBlockRms: threshold must be a number > 0, got 0$/);
    expectBasinError(() => clipByBlockRms(-1), /^clipByBlockRms: threshold must be a number > 0, got -1$/);
    expectBasinError(() => clipByBlockRms(NaN), /^clipByBlockRms: threshold must be a finite number, got NaN$/);
    expectBasinError(() => clipByBlockRms(undefined as never), /^clipByBlockRms: threshold must be a finite number, got undefined$/);
  });
});

describeContract('clipByBlockRms', { make: () => clipByBlockRms(0.1) });
