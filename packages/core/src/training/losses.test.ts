import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { outputLosses, resolveOutputLoss } from './losses';
import { vals } from '../../test-helpers';

// Keras clips probabilities to [1e-7, 1 - 1e-7]; in float32 the upper bound is 1 - 2^-23.
const clip = (p: number) => Math.min(Math.max(p, Math.fround(1e-7)), Math.fround(1 - 1e-7));

describe('outputLosses', () => {
  it('meanSquaredError is the mean over all entries', () => {
    const y = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const p = tf.tensor2d([1.5, 2, 2, 6], [2, 2]);
    expectClose(vals(outputLosses.meanSquaredError(y, p)), [(0.25 + 0 + 1 + 4) / 4], 1e-6);
    tf.dispose([y, p]);
  });

  it('categoricalCrossentropy and sparseCategoricalCrossentropy on probabilities (clipped as Keras)', () => {
    const probs = [0.7, 0.2, 0.1, 0, 0.5, 0.5];
    const p = tf.tensor2d(probs, [2, 3]);
    const oneHot = tf.tensor2d([1, 0, 0, 1, 0, 0], [2, 3]);
    const labels = tf.tensor1d([0, 0]);
    const expected = -(Math.log(0.7) + Math.log(clip(0))) / 2;
    expectClose(vals(outputLosses.categoricalCrossentropy(oneHot, p)), [expected], 1e-5);
    expectClose(vals(outputLosses.sparseCategoricalCrossentropy(labels, p)), [expected], 1e-5);
    tf.dispose([p, oneHot, labels]);
  });

  it('softmaxCrossEntropy on logits is logsumexp(z) - z[label]', () => {
    const z = [1, 2, 0.5, -1, 0, 3];
    const logits = tf.tensor2d(z, [2, 3]);
    const y = tf.tensor2d([0, 1, 0, 0, 0, 1], [2, 3]);
    const lse = (a: number[]) => Math.log(a.reduce((s, x) => s + Math.exp(x), 0));
    const expected = (lse(z.slice(0, 3)) - 2 + lse(z.slice(3)) - 3) / 2;
    expectClose(vals(outputLosses.softmaxCrossEntropy(y, logits)), [expected], 1e-5);
    tf.dispose([logits, y]);
  });

  it('binaryCrossentropy on probabilities', () => {
    const p = tf.tensor1d([0.9, 0.2, 1]);
    const y = tf.tensor1d([1, 0, 0]);
    const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(1 - clip(1))) / 3;
    expectClose(vals(outputLosses.binaryCrossentropy(y, p)), [expected], 1e-4);
    tf.dispose([p, y]);
  });

  it('every loss returns a scalar and leaks nothing', () => {
    const p = tf.tensor2d([0.7, 0.2, 0.1, 0.3, 0.3, 0.4], [2, 3]);
    const y = tf.tensor2d([1, 0, 0, 0, 0, 1], [2, 3]);
    const sparse = tf.tensor1d([0, 2]);
    for (const [name, fn] of Object.entries(outputLosses)) {
      const target = name === 'sparseCategoricalCrossentropy' ? sparse : y;
      expectNoLeak(() => {
        const l = fn(target, p);
        expect(l.rank).toBe(0);
        l.dispose();
      });
    }
    tf.dispose([p, y, sparse]);
  });
});

describe('resolveOutputLoss', () => {
  it('accepts a name or a function and names the known losses otherwise', () => {
    expect(resolveOutputLoss('meanSquaredError')).toBe(outputLosses.meanSquaredError);
    const custom = (y: tf.Tensor, p: tf.Tensor) => tf.mean(tf.abs(tf.sub(y, p))) as tf.Scalar;
    expect(resolveOutputLoss(custom)).toBe(custom);
    expect(() => resolveOutputLoss('mse' as never)).toThrow(
      /loss must be a function or one of meanSquaredError, categoricalCrossentropy, sparseCategoricalCrossentropy, softmaxCrossEntropy, binaryCrossentropy, got 'mse'/,
    );
  });
});
