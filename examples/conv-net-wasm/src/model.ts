// The token model this example trains besides the conv net (which is mnistNodeConvNet from
// @basin/example-data, shared with the demo), in TF.js Layers.
import * as tf from '@tensorflow/tfjs';

// tools/bench/wasm-training.ts imports the conv net from here.
export { mnistNodeConvNet } from '@basin/example-data';

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
