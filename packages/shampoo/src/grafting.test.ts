import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { graftingStep, graftNorm, initGraftingLeaf, GraftingType } from './grafting';

const o = (type: GraftingType) => ({ type, beta1: 0.9, beta2: 0.99, epsilon: 1e-8 });

describe('grafting', () => {
  const g1 = [0.5, -2, 1];
  const g2 = [1, 1, -1];

  it('sgd passes the gradient through', () => {
    const g = tf.tensor1d(g1);
    const { update } = graftingStep(g, initGraftingLeaf(g, 'sgd'), 1, o('sgd'));
    expectClose(update.dataSync(), g1, 1e-7);
    tf.dispose([g, update]);
  });

  it('adagrad divides by the root of the summed squares', () => {
    const a = tf.tensor1d(g1);
    const b = tf.tensor1d(g2);
    const s1 = graftingStep(a, initGraftingLeaf(a, 'adagrad'), 1, o('adagrad'));
    const s2 = graftingStep(b, s1.state, 2, o('adagrad'));
    expectClose(s2.update.dataSync(), g2.map((x, i) => x / (Math.sqrt(g1[i] ** 2 + x ** 2) + 1e-8)), 1e-6);
    tf.dispose([a, b, s1.update, s1.state.nu!, s2.update, s2.state.nu!]);
  });

  it('rmsprop uses a bias-corrected moving average of squares', () => {
    const a = tf.tensor1d(g1);
    const b = tf.tensor1d(g2);
    const s1 = graftingStep(a, initGraftingLeaf(a, 'rmsprop'), 1, o('rmsprop'));
    // First step: v_hat = g^2, so the update is sign(g).
    expectClose(s1.update.dataSync(), g1.map(Math.sign), 1e-6);
    const s2 = graftingStep(b, s1.state, 2, o('rmsprop'));
    const v = g1.map((x, i) => 0.99 * 0.01 * x * x + 0.01 * g2[i] ** 2);
    expectClose(s2.update.dataSync(), g2.map((x, i) => x / (Math.sqrt(v[i] / (1 - 0.99 ** 2)) + 1e-8)), 1e-5);
    tf.dispose([a, b, s1.update, s1.state.nu!, s2.update, s2.state.nu!]);
  });

  it('adam uses both bias-corrected moments', () => {
    const a = tf.tensor1d(g1);
    const b = tf.tensor1d(g2);
    const s1 = graftingStep(a, initGraftingLeaf(a, 'adam'), 1, o('adam'));
    const s2 = graftingStep(b, s1.state, 2, o('adam'));
    const m = g1.map((x, i) => (0.9 * 0.1 * x + 0.1 * g2[i]) / (1 - 0.81));
    const v = g1.map((x, i) => (0.99 * 0.01 * x * x + 0.01 * g2[i] ** 2) / (1 - 0.99 ** 2));
    expectClose(s2.update.dataSync(), m.map((x, i) => x / (Math.sqrt(v[i]) + 1e-8)), 1e-5);
    tf.dispose([a, b, s1.update, s2.update, s1.state.mu!, s1.state.nu!, s2.state.mu!, s2.state.nu!]);
  });

  it('graftNorm keeps the direction and takes the graft norm; zero stays zero', () => {
    const s = tf.tensor1d([3, 4]);
    const g = tf.tensor1d([0, 10]);
    expectClose(graftNorm(s, g).dataSync(), [6, 8], 1e-6);
    const z = tf.zeros([2]);
    expectClose(graftNorm(z, g).dataSync(), [0, 0], 0);
    tf.dispose([s, g, z]);
  });

  it('leaks no tensors', () => {
    const g = tf.tensor1d(g1);
    const state = initGraftingLeaf(g, 'adam');
    expectNoLeak(() => {
      const r = graftingStep(g, state, 3, o('adam'));
      tf.dispose([r.update, r.state.mu!, r.state.nu!]);
    });
    tf.dispose([g, state.mu!, state.nu!]);
  });
});
