// The op table: for every op that tf.layers models and losses use, the exact HVP (double
// backprop with the second-order-safe gradients) against fourth-order finite differences of the
// gradient, within 1e-3 relative error.
import { expectNoLeak, tf } from '@basin/testing';
import { exactHvp, F, fdHvp, randn, relativeError, separated, withoutKernelLeakCheck } from '../../test-helpers/reference';

const W = (shape: number[]) => randn(shape, 99);
/** Weighted sum, so dy is not all ones. */
const wsum = (y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(y, W(y.shape))) as tf.Scalar;
const sqsum = (y: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.square(y), W(y.shape))) as tf.Scalar;
const img = (t: tf.Tensor) => t as tf.Tensor4D;

const cases: [string, F, () => tf.Tensor[]][] = [
  ['exp', ([x]) => wsum(tf.exp(x)), () => [randn([3, 4], 1, 0.5)]],
  ['tanh', ([x]) => wsum(tf.tanh(x)), () => [randn([3, 4], 1)]],
  ['sigmoid', ([x]) => wsum(tf.sigmoid(x)), () => [randn([3, 4], 1)]],
  ['softplus', ([x]) => wsum(tf.softplus(x)), () => [randn([3, 4], 1)]],
  ['softmax', ([x]) => wsum(tf.softmax(x)), () => [randn([3, 4], 1)]],
  ['logSoftmax (custom op)', ([x]) => wsum(tf.logSoftmax(x)), () => [randn([3, 4], 1)]],
  ['logSumExp', ([x]) => wsum(tf.logSumExp(x, -1)), () => [randn([3, 4], 1)]],
  ['elu', ([x]) => wsum(tf.elu(x)), () => [randn([3, 4], 1)]],
  ['selu', ([x]) => wsum(tf.selu(x)), () => [randn([3, 4], 1)]],
  ['relu', ([x]) => sqsum(tf.relu(x)), () => [separated([3, 4], 1)]],
  ['relu6', ([x]) => sqsum(tf.relu6(x)), () => [separated([3, 4], 2, 1.1)]],
  ['leakyRelu', ([x]) => sqsum(tf.leakyRelu(x, 0.2)), () => [separated([3, 4], 3)]],
  ['prelu', ([x, a]) => sqsum(tf.prelu(x, a)), () => [separated([3, 4], 4), randn([4], 2)]],
  ['erf', ([x]) => wsum(tf.erf(x)), () => [randn([3, 4], 1)]],
  ['pow', ([x, y]) => wsum(tf.pow(tf.add(tf.abs(x), 0.5), y)), () => [randn([3, 4], 1), randn([3, 4], 2, 0.5)]],
  ['sqrt', ([x]) => wsum(tf.sqrt(tf.add(tf.square(x), 0.5))), () => [randn([3, 4], 1)]],
  ['rsqrt', ([x]) => wsum(tf.rsqrt(tf.add(tf.square(x), 0.5))), () => [randn([3, 4], 1)]],
  ['log / log1p', ([x]) => wsum(tf.add(tf.log(tf.add(tf.square(x), 0.5)), tf.log1p(tf.square(x)))), () => [randn([3, 4], 1)]],
  ['div', ([x, y]) => wsum(tf.div(x, tf.add(tf.square(y), 0.5))), () => [randn([3, 4], 1), randn([3, 4], 2)]],
  ['abs', ([x]) => sqsum(tf.abs(x)), () => [separated([3, 4], 5)]],
  ['max / min', ([x]) => tf.add(sqsum(tf.max(x, -1)), sqsum(tf.min(x, 0))) as tf.Scalar, () => [separated([3, 4], 6)]],
  ['maximum / minimum', ([x, y]) => tf.add(sqsum(tf.maximum(x, y)), sqsum(tf.minimum(x, y))) as tf.Scalar, () => [separated([3, 4], 7), separated([3, 4], 8, 0.13)]],
  ['clipByValue', ([x]) => sqsum(tf.clipByValue(x, -0.5, 0.55)), () => [separated([3, 4], 9, 0.12)]],
  ['mean / sum / square', ([x]) => tf.sum(tf.square(tf.mean(tf.square(x), 0))) as tf.Scalar, () => [randn([3, 4], 1)]],
  ['matMul', ([x, y]) => sqsum(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D)), () => [randn([3, 4], 1), randn([4, 2], 2)]],
  ['fused matMul + bias', ([x, y, b]) => sqsum(tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, bias: b })), () => [randn([3, 4], 1), randn([4, 2], 2), randn([2], 3)]],
  ['conv2d same', ([x, f]) => sqsum(tf.conv2d(img(x), img(f), 1, 'same')), () => [randn([2, 5, 5, 2], 1), randn([3, 3, 2, 3], 2)]],
  ['conv2d stride 2 valid', ([x, f]) => sqsum(tf.conv2d(img(x), img(f), 2, 'valid')), () => [randn([2, 6, 6, 2], 1), randn([3, 3, 2, 3], 2)]],
  ['fused conv2d + bias', ([x, f, b]) => sqsum(tf.fused.conv2d({ x: img(x), filter: img(f), strides: 1, pad: 'same', bias: b })), () => [randn([2, 5, 5, 2], 1), randn([3, 3, 2, 3], 2), randn([3], 3)]],
  ['depthwiseConv2d', ([x, f]) => sqsum(tf.depthwiseConv2d(img(x), img(f), 1, 'same')), () => [randn([2, 5, 5, 2], 1), randn([3, 3, 2, 2], 2)]],
  ['depthwiseConv2d stride 2', ([x, f]) => sqsum(tf.depthwiseConv2d(img(x), img(f), 2, 'same')), () => [randn([2, 6, 6, 2], 1), randn([3, 3, 2, 2], 2)]],
  ['maxPool 2x2', ([x]) => sqsum(tf.maxPool(img(x), 2, 2, 'valid')), () => [separated([2, 4, 4, 2], 10)]],
  ['maxPool 3x3 stride 2 same', ([x]) => sqsum(tf.maxPool(img(x), 3, 2, 'same')), () => [separated([2, 5, 5, 2], 11)]],
  ['avgPool', ([x]) => sqsum(tf.avgPool(img(x), 2, 2, 'valid')), () => [randn([2, 4, 4, 2], 1)]],
  ['avgPool same', ([x]) => sqsum(tf.avgPool(img(x), 3, 2, 'same')), () => [randn([2, 5, 5, 2], 1)]],
  ['batchNorm', ([x, m, v, o, s]) => sqsum(tf.batchNorm(x, m, tf.add(tf.square(v), 0.5), o, s, 1e-3)), () => [randn([3, 4], 1), randn([4], 2), randn([4], 3), randn([4], 4), randn([4], 5)]],
  ['moments (layer norm)', ([x]) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return sqsum(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-3))));
  }, () => [randn([3, 5], 1)]],
  ['resizeNearestNeighbor', ([x]) => sqsum(tf.image.resizeNearestNeighbor(img(x), [6, 6])), () => [randn([2, 3, 3, 2], 1)]],
  ['resizeBilinear', ([x]) => sqsum(tf.image.resizeBilinear(img(x), [6, 6])), () => [randn([2, 3, 3, 2], 1)]],
  ['softmaxCrossEntropy (tf.losses)', ([x]) => tf.losses.softmaxCrossEntropy(tf.softmax(W([3, 4])), x) as tf.Scalar, () => [randn([3, 4], 1)]],
  ['sigmoidCrossEntropy (tf.losses)', ([x]) => tf.losses.sigmoidCrossEntropy(tf.sigmoid(W([3, 4])), x) as tf.Scalar, () => [randn([3, 4], 1)]],
  ['logSigmoid', ([x]) => wsum(tf.logSigmoid(x)), () => [randn([3, 4], 1)]],
  ['huberLoss', ([x]) => tf.losses.huberLoss(tf.zeros([3, 4]), x, undefined, 0.7) as tf.Scalar, () => [separated([3, 4], 12, 0.37)]],
  ['concat / slice / gather / pad', ([x]) => sqsum(tf.pad(tf.gather(tf.slice(tf.concat([x, tf.exp(x)], 1), [0, 1], [3, 5]), [2, 0], 0), [[1, 0], [0, 2]])), () => [randn([3, 4], 1, 0.5)]],
];

describe('exact HVP of each op against finite differences', () => {
  it.each(cases)('%s', (_name, f, make) => withoutKernelLeakCheck(() => {
    const xs = make();
    const vs = xs.map((x, i) => randn(x.shape, 50 + i));
    const exact = exactHvp(f, xs, vs);
    const reference = fdHvp(f, xs, vs, 2e-3);
    tf.dispose([...xs, ...vs]);
    expect(relativeError(exact, reference)).toBeLessThan(1e-3);
  }));

  it('leaks no tensors through custom-gradient ops', () =>
    withoutKernelLeakCheck(() => {
      const x = randn([3, 4], 1);
      const v = randn([3, 4], 2);
      const labels = tf.softmax(randn([3, 4], 3));
      expectNoLeak(() => {
        exactHvp(([a]) => tf.add(tf.losses.softmaxCrossEntropy(labels, a), tf.sum(tf.logSoftmax(a))) as tf.Scalar, [x], [v]);
      });
      tf.dispose([x, v, labels]);
    }));
});
