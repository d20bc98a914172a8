// A small ReLU MLP written functionally: its params tree is what Basin optimizers update.
import * as tf from '@tensorflow/tfjs';
import type { Tree } from '@basin/core';

export type Batch = { x: tf.Tensor2D; y: tf.Tensor2D };

export function initMlp(sizes: number[], seed: number): Record<string, tf.Tensor> {
  const params: Record<string, tf.Tensor> = {};
  for (let i = 0; i + 1 < sizes.length; i++) {
    // He initialisation for ReLU layers.
    params[`w${i}`] = tf.randomNormal([sizes[i], sizes[i + 1]], 0, Math.sqrt(2 / sizes[i]), 'float32', seed * 100 + i);
    params[`b${i}`] = tf.zeros([sizes[i + 1]]);
  }
  return params;
}

export function logits(params: Tree, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const p = params as Record<string, tf.Tensor>;
    const layers = Object.keys(p).filter((k) => k.startsWith('w')).length;
    let h = x;
    for (let i = 0; i < layers; i++) {
      h = tf.add(tf.matMul(h as tf.Tensor2D, p[`w${i}`] as tf.Tensor2D), p[`b${i}`]);
      if (i + 1 < layers) h = tf.relu(h);
    }
    return h;
  });
}

export function crossEntropy(params: Tree, batch: Batch): tf.Scalar {
  return tf.tidy(() => tf.losses.softmaxCrossEntropy(batch.y, logits(params, batch.x)) as tf.Scalar);
}
