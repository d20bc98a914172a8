// The models the demo trains: the TF.js examples' conv net (shared with examples/conv-net-wasm)
// or, with --model mlp, a small dense net that trains in seconds.
import * as tf from '@tensorflow/tfjs';
import { mnistNodeConvNet } from '@basin/example-data';

export const MODELS = ['conv', 'mlp'] as const;
export type ModelName = (typeof MODELS)[number];

/** A ReLU MLP 784-hidden-10 with a softmax output. */
export function mlp(hidden: number): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.dense({ inputShape: [784], units: hidden, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })],
  });
}

export function buildModel(name: ModelName, hidden: number): tf.Sequential {
  return name === 'conv' ? mnistNodeConvNet() : mlp(hidden);
}

/** The input each model takes: images [n, 28, 28, 1] for the conv net, rows of 784 for the MLP. */
export function modelInput(name: ModelName, x: tf.Tensor2D): tf.Tensor {
  return name === 'conv' ? tf.reshape(x, [-1, 28, 28, 1]) : tf.clone(x);
}

export function describeModel(name: ModelName, hidden: number): string {
  return name === 'conv' ? "the conv net of the TF.js examples' mnist-node (594,922 weights)" : `an MLP 784-${hidden}-10`;
}
