import { tf } from '@basin/testing';
import { addNoise, noiseSeed } from './add-noise';
import { chain } from '../combinators/chain';
import { clipByGlobalNorm } from './clip';
import { Tree, treeDispose } from '../tree';
import { describeContract, expectBasinError, expectTreesClose, f64, gradientSequence, leafValues, makeTree, runTransform } from '../../test-helpers';

const { grads, gradValues } = gradientSequence(2200);

function reversedKeys(tree: Tree): Tree {
  if (tree instanceof tf.Tensor) return tf.clone(tree);
  if (Array.isArray(tree)) return tree.map(reversedKeys);
  const record = tree as Record<string, Tree>;
  return Object.fromEntries(Object.keys(record).reverse().map((k) => [k, reversedKeys(record[k])]));
}

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const variance = (a: number[]) => {
  const m = mean(a);
  return a.reduce((s, x) => s + (x - m) ** 2, 0) / (a.length - 1);
};

describe('addNoise', () => {
  it('passes the updates through exactly when eta is 0 (float64 reference: g)', () => {
    const params = makeTree(1);
    expectTreesClose(runTransform(addNoise({ eta: 0 }), params, grads, 3), gradValues(3), 0);
    treeDispose(params);
  });

  it("adds noise of mean 0 and variance eta / t^gamma at step t, as optax's add_noise (20000 draws, 5% tolerance on the variance)", () => {
    const zeros = { w: tf.zeros([100, 200]) };
    const eta = 0.5;
    const gamma = 0.55;
    const out = runTransform(addNoise({ eta, gamma, seed: 7 }), zeros, () => ({ w: tf.zeros([100, 200]) }), 4);
    out.forEach((step, k) => {
      const expected = eta / Math.pow(k + 1, gamma);
      // The sample variance of 20000 normal draws has a relative standard error of 1%.
      expect(Math.abs(variance(step.w) / expected - 1)).toBeLessThan(0.05);
      expect(Math.abs(mean(step.w))).toBeLessThan(5 * Math.sqrt(expected / step.w.length));
    });
    treeDispose(zeros);
  });

  it('is reproducible: the same seed gives the same noise, another seed or another step other noise', () => {
    const params = makeTree(1);
    const a = runTransform(addNoise({ seed: 3 }), params, grads, 3);
    expect(runTransform(addNoise({ seed: 3 }), params, grads, 3)).toEqual(a);
    const b = runTransform(addNoise({ seed: 4 }), params, grads, 3);
    expect(b[0]['dense.kernel']).not.toEqual(a[0]['dense.kernel']);
    const noise = (run: Record<string, number[]>[], k: number) => f64.add(run[k]['dense.kernel'], f64.scale(gradValues(3)[k]['dense.kernel'], -1));
    expect(noise(a, 1)).not.toEqual(noise(a, 0));
    treeDispose(params);
  });

  it("draws each leaf's noise from its path: adding a leaf leaves the others' noise unchanged", () => {
    const small = { a: tf.zeros([4]) };
    const large = { a: tf.zeros([4]), b: tf.zeros([3]) };
    const t = addNoise({ seed: 1 });
    const [u1, s1] = t.update(small, t.init(small));
    const [u2, s2] = t.update(large, t.init(large));
    expect(leafValues(u2).a).toEqual(leafValues(u1).a);
    expect(noiseSeed(1, 0, 'a')).not.toBe(noiseSeed(1, 0, 'b'));
    treeDispose([small, large, u1, s1, u2, s2]);
  });

  it('refuses invalid options, naming them', () => {
    expectBasinError(() => addNoise({ eta: -1 }), /^addNoise: eta must be a number >= 0, got -1$/);
    expectBasinError(() => addNoise({ gamma: NaN }), /^addNoise: gamma must be a finite number, got NaN$/);
    expectBasinError(() => addNoise({ seed: 0.5 }), /^addNoise: seed must be an integer, got 0.5$/);
    expectBasinError(() => addNoise(3 as never), /^addNoise: options must be an options record/);
  });

  it('gives identical results for keys inserted in reverse order', () => {
    const params = makeTree(1);
    const flipped = reversedKeys(params);
    expect(runTransform(addNoise({ seed: 2 }), flipped, (k) => reversedKeys(grads(k)), 3)).toEqual(runTransform(addNoise({ seed: 2 }), params, grads, 3));
    treeDispose([params, flipped]);
  });

  it('adds the same noise to the clipped gradient after clipByGlobalNorm(1) (tolerance 1e-6)', () => {
    const params = makeTree(1);
    const values = gradValues(3);
    const factors = values.map((v) => 1 / Math.max(1, f64.norm(...Object.values(v))));
    const clippedTensors = (k: number): Tree => {
      const g = grads(k) as { dense: { kernel: tf.Tensor; bias: tf.Tensor }; gain: tf.Tensor };
      const c = { dense: { kernel: tf.mul(g.dense.kernel, factors[k]), bias: tf.mul(g.dense.bias, factors[k]) }, gain: tf.mul(g.gain, factors[k]) };
      treeDispose(g);
      return c;
    };
    expectTreesClose(
      runTransform(chain(clipByGlobalNorm(1), addNoise({ seed: 5 })), params, grads, 3),
      runTransform(addNoise({ seed: 5 }), params, clippedTensors, 3),
      1e-6,
    );
    treeDispose(params);
  });
});

describeContract('addNoise', { make: () => addNoise({ eta: 0.1, seed: 1 }) });
