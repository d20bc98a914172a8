import { tf } from '@basin/testing';
import { doubleBackpropHvp } from '../objective';
import { fdHvp, randn, relativeError, separated, withoutKernelLeakCheck } from '../../test-helpers/reference';
import {
  installSecondOrderGradients,
  secondOrderGradientsInstalled,
  secondOrderKernelNames,
  uninstallSecondOrderGradients,
  withSecondOrderGradients,
} from './registry';

const img = (t: tf.Tensor) => t as tf.Tensor4D;

// First-order gradients through every replaced or added definition.
const firstOrder: [string, (xs: tf.Tensor[]) => tf.Scalar, () => tf.Tensor[]][] = [
  ['activations', ([x]) => tf.sum(tf.mul(tf.add(tf.add(tf.tanh(x), tf.sigmoid(x)), tf.add(tf.exp(x), tf.elu(x))), tf.add(tf.selu(x), tf.softmax(x)))) as tf.Scalar, () => [randn([3, 4], 1)]],
  ['pow', ([x, y]) => tf.sum(tf.pow(tf.add(tf.abs(x), 0.5), y)) as tf.Scalar, () => [randn([3, 4], 1), randn([3, 4], 2)]],
  ['logSoftmax and softmaxCrossEntropy', ([x]) => tf.add(tf.sum(tf.square(tf.logSoftmax(x))), tf.losses.softmaxCrossEntropy(tf.softmax(randn([3, 4], 5)), x)) as tf.Scalar, () => [randn([3, 4], 1)]],
  ['conv, pooling', ([x, f]) => tf.sum(tf.square(tf.maxPool(tf.avgPool(tf.conv2d(img(x), img(f), 1, 'same'), 2, 1, 'valid'), 2, 1, 'valid'))) as tf.Scalar, () => [randn([2, 5, 5, 2], 1), randn([3, 3, 2, 3], 2)]],
  ['clip, relu6', ([x]) => tf.sum(tf.square(tf.add(tf.clipByValue(x, -0.5, 0.5), tf.relu6(x)))) as tf.Scalar, () => [separated([3, 4], 3)]],
];

describe('second-order gradient registry', () => {
  afterEach(() => {
    while (secondOrderGradientsInstalled()) uninstallSecondOrderGradients();
  });

  it.each(firstOrder)('leaves first-order gradients bit-for-bit unchanged: %s', (_name, f, make) => withoutKernelLeakCheck(() => {
    const xs = make();
    const grads = () => tf.tidy(() => tf.grads((...a: tf.Tensor[]) => f(a))(xs).map((g) => Array.from(g.dataSync())));
    const stock = grads();
    const safe = withSecondOrderGradients(grads);
    expect(safe).toEqual(stock);
    tf.dispose(xs);
  }));

  it('installs into the registry that @tensorflow/tfjs uses, nests, and restores the stock gradients', () => {
    const stockTanh = tf.getGradient('Tanh');
    expect(stockTanh).toBeDefined();
    expect(tf.getGradient('Greater')).toBeUndefined();
    installSecondOrderGradients();
    installSecondOrderGradients();
    expect(secondOrderGradientsInstalled()).toBe(true);
    expect(tf.getGradient('Tanh')).not.toBe(stockTanh);
    expect(tf.getGradient('Greater')).toBeDefined();
    uninstallSecondOrderGradients();
    expect(secondOrderGradientsInstalled()).toBe(true);
    uninstallSecondOrderGradients();
    expect(secondOrderGradientsInstalled()).toBe(false);
    expect(tf.getGradient('Tanh')).toBe(stockTanh);
    expect(tf.getGradient('Greater')).toBeUndefined();
    expect(secondOrderKernelNames()).toEqual(expect.arrayContaining(['Tanh', 'Conv2DBackpropFilter', 'MaxPoolGrad', 'softmaxCrossEntropy__op']));
  });

  it('withSecondOrderGradients restores the registry when the function throws', () => {
    const stock = tf.getGradient('Exp');
    expect(() => withSecondOrderGradients(() => { throw new Error('boom'); })).toThrow('boom');
    expect(tf.getGradient('Exp')).toBe(stock);
  });

  it('is what makes double backprop right: stock TF.js drops terms on a tanh MLP', () => {
    const x = randn([6, 3], 1);
    const w1 = randn([3, 4], 2);
    const w2 = randn([4, 2], 3);
    const f = ([a, b]: tf.Tensor[]) => tf.sum(tf.logSumExp(tf.matMul(tf.tanh(tf.matMul(x as tf.Tensor2D, a as tf.Tensor2D)), b as tf.Tensor2D), -1)) as tf.Scalar;
    const vs = [randn([3, 4], 4), randn([4, 2], 5)];
    const reference = fdHvp(f, [w1, w2], vs, 2e-3);
    const hv = (): number[] => { const out = doubleBackpropHvp(f, [w1, w2], vs); const flat = out.flatMap((t) => Array.from(t.dataSync())); tf.dispose(out); return flat; };
    let stockError = Infinity;
    try {
      stockError = relativeError(hv(), reference);
    } catch {
      // Stock TF.js may also throw here (no gradient for Equal inside logSumExp's Max).
    }
    const safeError = relativeError(withSecondOrderGradients(hv), reference);
    expect(stockError).toBeGreaterThan(1e-2);
    expect(safeError).toBeLessThan(1e-3);
    tf.dispose([x, w1, w2, ...vs]);
  });
});
