// The layer table: for each tf.layers layer type, activation and loss, the exact HVP of a small
// model's loss (through modelObjective, inference mode) against fourth-order finite differences of
// its gradient, within 1e-3. Seeds and inputs are fixed; piecewise-linear cases use inputs whose
// pre-activations stay clear of kinks for the finite-difference step.
import { tf } from '@basin/testing';
import { treeDispose, treeFlatten, treeUnflatten, type OutputLoss, type OutputLossName } from '@basin/core';
import { hessian } from '../hessian';
import { modelObjective } from '../objective';
import { randn, relativeError, separated, withoutKernelLeakCheck } from '../../test-helpers/reference';

type Build = () => tf.Sequential;
type Loss = OutputLoss | OutputLossName;

const ROWS = 6;
const vectorInput = (): tf.Tensor => randn([ROWS, 5], 11);
const imageInput = (): tf.Tensor => randn([ROWS, 6, 6, 2], 12);
const seq = (layers: tf.layers.Layer[]): tf.Sequential => {
  const m = tf.sequential();
  layers.forEach((l) => m.add(l));
  return m;
};
const init = (seed: number) => ({ kernelInitializer: tf.initializers.glorotNormal({ seed }), biasInitializer: tf.initializers.randomNormal({ seed: seed + 1, stddev: 0.3 }) });

/** Dense model with an activation; output 3 units. */
const denseWith = (activation: string): Build => () =>
  seq([tf.layers.dense({ inputShape: [5], units: 6, activation: activation as never, ...init(1) }), tf.layers.dense({ units: 3, ...init(3) })]);

/** Conv model head: flatten + dense(3). */
const convWith = (layers: () => tf.layers.Layer[]): Build => () => seq([...layers(), tf.layers.flatten(), tf.layers.dense({ units: 3, ...init(7) })]);
const conv = (extra: object = {}) => tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', ...init(5), ...extra });

/**
 * For max pooling: a 1x1 linear convolution of an image whose two channels are equal and whose
 * pixels are well separated, so each window has a clear winner that finite-difference steps do
 * not swap (at a swap the gradient jumps and finite differences mean nothing).
 */
const pointwise = () => tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 1, kernelInitializer: tf.initializers.constant({ value: 0.6 }), biasInitializer: tf.initializers.randomNormal({ seed: 6, stddev: 0.3 }) });
const separatedImage = (): tf.Tensor => tf.tidy(() => {
  const s = separated([ROWS, 6, 6, 1], 31, 0.1);
  return tf.concat([s, s], 3);
});

interface Row {
  name: string;
  build: Build;
  input: () => tf.Tensor;
  target: (rows: number) => tf.Tensor;
  loss: Loss;
}

const regression = (rows: number) => randn([rows, 3], 21);
const onehot = (rows: number) => tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: rows }, (_, i) => i % 3), 'int32'), 3));
const sparse = (rows: number) => tf.tensor2d(Array.from({ length: rows }, (_, i) => [i % 3]));
const binary = (rows: number) => tf.tidy(() => tf.cast(tf.greater(randn([rows, 3], 22), 0), 'float32'));
const probs = (m: Build): Build => () => {
  const model = m();
  model.add(tf.layers.activation({ activation: 'softmax' }));
  return model;
};
const sigm = (m: Build): Build => () => {
  const model = m();
  model.add(tf.layers.activation({ activation: 'sigmoid' }));
  return model;
};

const activations = ['elu', 'hardSigmoid', 'linear', 'relu', 'relu6', 'selu', 'sigmoid', 'softmax', 'softplus', 'softsign', 'tanh', 'swish', 'mish', 'gelu', 'gelu_new', 'logSoftmax'];

const rows: Row[] = [
  ...activations.map((a) => ({ name: `Dense + ${a}`, build: denseWith(a), input: vectorInput, target: regression, loss: 'meanSquaredError' as Loss })),
  { name: 'Conv2D same', build: convWith(() => [conv()]), input: imageInput, target: regression, loss: 'meanSquaredError' },
  { name: 'Conv2D stride 2 valid', build: convWith(() => [conv({ strides: 2, padding: 'valid' })]), input: imageInput, target: regression, loss: 'meanSquaredError' },
  { name: 'DepthwiseConv2D', build: convWith(() => [tf.layers.depthwiseConv2d({ inputShape: [6, 6, 2], kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'tanh', depthwiseInitializer: tf.initializers.glorotNormal({ seed: 8 }) })]), input: imageInput, target: regression, loss: 'meanSquaredError' },
  { name: 'SeparableConv2D', build: convWith(() => [tf.layers.separableConv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh', depthwiseInitializer: tf.initializers.glorotNormal({ seed: 9 }), pointwiseInitializer: tf.initializers.glorotNormal({ seed: 10 }) })]), input: imageInput, target: regression, loss: 'meanSquaredError' },
  { name: 'MaxPooling2D', build: convWith(() => [pointwise(), tf.layers.maxPooling2d({ poolSize: 2 })]), input: separatedImage, target: regression, loss: 'meanSquaredError' },
  { name: 'AveragePooling2D', build: convWith(() => [conv(), tf.layers.averagePooling2d({ poolSize: 2 })]), input: imageInput, target: regression, loss: 'meanSquaredError' },
  { name: 'GlobalAveragePooling2D', build: () => seq([conv(), tf.layers.globalAveragePooling2d({}), tf.layers.dense({ units: 3, ...init(7) })]), input: imageInput, target: regression, loss: 'meanSquaredError' },
  { name: 'GlobalMaxPooling2D', build: () => seq([pointwise(), tf.layers.globalMaxPooling2d({}), tf.layers.dense({ units: 3, ...init(7) })]), input: separatedImage, target: regression, loss: 'meanSquaredError' },
  { name: 'BatchNormalization (inference)', build: convWith(() => [conv(), tf.layers.batchNormalization({ movingMeanInitializer: tf.initializers.randomNormal({ seed: 13, stddev: 0.2 }), movingVarianceInitializer: tf.initializers.constant({ value: 0.7 }), gammaInitializer: tf.initializers.randomNormal({ seed: 14, mean: 1, stddev: 0.2 }), betaInitializer: tf.initializers.randomNormal({ seed: 15, stddev: 0.2 }) })]), input: imageInput, target: regression, loss: 'meanSquaredError' },
  { name: 'LayerNormalization', build: () => seq([tf.layers.dense({ inputShape: [5], units: 6, activation: 'tanh', ...init(1) }), tf.layers.layerNormalization({}), tf.layers.dense({ units: 3, ...init(3) })]), input: vectorInput, target: regression, loss: 'meanSquaredError' },
  { name: 'UpSampling2D + ZeroPadding2D', build: convWith(() => [conv(), tf.layers.upSampling2d({ size: [2, 2] }), tf.layers.zeroPadding2d({ padding: 1 })]), input: imageInput, target: regression, loss: 'meanSquaredError' },
  { name: 'Dropout (inference) + LeakyReLU', build: () => seq([tf.layers.dense({ inputShape: [5], units: 6, ...init(1) }), tf.layers.leakyReLU({ alpha: 0.2 }), tf.layers.dropout({ rate: 0.5 }), tf.layers.dense({ units: 3, ...init(3) })]), input: vectorInput, target: regression, loss: 'meanSquaredError' },
  { name: 'PReLU', build: () => seq([tf.layers.dense({ inputShape: [5], units: 6, ...init(1) }), tf.layers.prelu({ alphaInitializer: tf.initializers.constant({ value: 0.3 }) }), tf.layers.dense({ units: 3, ...init(3) })]), input: vectorInput, target: regression, loss: 'meanSquaredError' },
  { name: 'ELU layer', build: () => seq([tf.layers.dense({ inputShape: [5], units: 6, ...init(1) }), tf.layers.elu({}), tf.layers.dense({ units: 3, ...init(3) })]), input: vectorInput, target: regression, loss: 'meanSquaredError' },
  { name: 'ReLU layer', build: () => seq([tf.layers.dense({ inputShape: [5], units: 6, ...init(1) }), tf.layers.reLU({}), tf.layers.dense({ units: 3, ...init(3) })]), input: vectorInput, target: regression, loss: 'meanSquaredError' },
  { name: 'Softmax layer', build: () => seq([tf.layers.dense({ inputShape: [5], units: 6, activation: 'tanh', ...init(1) }), tf.layers.dense({ units: 3, ...init(4) }), tf.layers.softmax({})]), input: vectorInput, target: onehot, loss: 'categoricalCrossentropy' },
  // Losses.
  { name: 'loss: categoricalCrossentropy (softmax output)', build: probs(denseWith('tanh')), input: vectorInput, target: onehot, loss: 'categoricalCrossentropy' },
  { name: 'loss: sparseCategoricalCrossentropy', build: probs(denseWith('tanh')), input: vectorInput, target: sparse, loss: 'sparseCategoricalCrossentropy' },
  { name: 'loss: binaryCrossentropy', build: sigm(denseWith('tanh')), input: vectorInput, target: binary, loss: 'binaryCrossentropy' },
  { name: 'loss: softmaxCrossEntropy (core, logits)', build: denseWith('tanh'), input: vectorInput, target: onehot, loss: 'softmaxCrossEntropy' },
  { name: 'loss: tf.losses.softmaxCrossEntropy', build: denseWith('tanh'), input: vectorInput, target: onehot, loss: (y, p) => tf.losses.softmaxCrossEntropy(y, p) as tf.Scalar },
  { name: 'loss: tf.losses.sigmoidCrossEntropy', build: denseWith('tanh'), input: vectorInput, target: binary, loss: (y, p) => tf.losses.sigmoidCrossEntropy(y, p) as tf.Scalar },
  { name: 'loss: tf.losses.huberLoss', build: denseWith('tanh'), input: vectorInput, target: regression, loss: (y, p) => tf.losses.huberLoss(y, p, undefined, 0.5) as tf.Scalar },
  { name: 'loss: tf.losses.logLoss', build: sigm(denseWith('tanh')), input: vectorInput, target: binary, loss: (y, p) => tf.losses.logLoss(y, p) as tf.Scalar },
  { name: 'loss: tf.losses.cosineDistance', build: denseWith('tanh'), input: vectorInput, target: regression, loss: (y, p) => tf.losses.cosineDistance(tf.div(y, tf.norm(y, 'euclidean', 1, true)), tf.div(p, tf.norm(p, 'euclidean', 1, true)), 1) as tf.Scalar },
  { name: 'loss: tf.metrics.categoricalCrossentropy (tf.layers)', build: probs(denseWith('tanh')), input: vectorInput, target: onehot, loss: (y, p) => tf.mean(tf.metrics.categoricalCrossentropy(y, p)) as tf.Scalar },
  { name: 'loss: meanAbsoluteError', build: denseWith('tanh'), input: vectorInput, target: regression, loss: (y, p) => tf.mean(tf.metrics.meanAbsoluteError(y, p)) as tf.Scalar },
];

describe('exact HVP of tf.layers models against finite differences', () => {
  it.each(rows.map((r) => [r.name, r] as const))('%s', (_name, row) =>
    withoutKernelLeakCheck(() => {
      const model = row.build();
      const x = row.input();
      const y = row.target(ROWS);
      const objective = modelObjective(model, { x, y, loss: row.loss });
      const v = treeUnflatten(objective.params, treeFlatten(objective.params).map((p, i) => randn(p.shape, 100 + i)));
      const exact = hessian(objective).hvp(v);
      const fd = hessian(objective, { mode: 'finiteDifference', order: 4, step: 2e-3 }).hvp(v);
      const flat = (t: typeof v) => treeFlatten(t).flatMap((leaf) => Array.from(leaf.dataSync()));
      const error = relativeError(flat(exact), flat(fd));
      treeDispose([exact, fd, v]);
      tf.dispose([x, y]);
      model.dispose();
      expect(error).toBeLessThan(1e-3);
    }),
  );
});
