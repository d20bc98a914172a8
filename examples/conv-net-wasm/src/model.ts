// The models this example trains, in TF.js Layers.
import * as tf from '@tensorflow/tfjs';

/**
 * The conv net of tfjs-examples' mnist-node (model.js), layer for layer: two 3x3 convolutions of
 * 32 filters, max pooling, two of 64, max pooling, then dropout 0.25, a 512-unit dense layer,
 * dropout 0.5 and a 10-way softmax. 594,922 weights.
 */
export function mnistNodeConvNet(): tf.Sequential {
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

/** Intensity levels of the token model below. */
export const LEVELS = 8;

/**
 * Digits as token sequences: the 28x28 image average-pooled to 14x14, each pixel quantised to
 * one of `LEVELS` intensity tokens, 196 tokens per digit (row-major).
 */
export function digitTokens(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const pooled = tf.avgPool(tf.reshape(x, [-1, 28, 28, 1]) as tf.Tensor4D, 2, 2, 'valid');
    const levels = tf.minimum(tf.floor(tf.mul(pooled, LEVELS)), LEVELS - 1);
    return tf.reshape(levels, [-1, 196]) as tf.Tensor2D;
  });
}

/**
 * An Embedding model on those tokens: each (position, level) token is embedded into 8 numbers
 * by a table shared across positions, then a dense softmax reads the 196 x 8 embeddings. Its
 * gradient goes through `tf.gather`'s, which is `UnsortedSegmentSum`.
 */
export function tokenEmbeddingNet(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.embedding({ inputDim: LEVELS, outputDim: 8, inputLength: 196 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
}
