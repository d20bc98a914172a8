// The networks of the experiment as functional losses over a params tree { layer: { kernel, bias } }:
// LeNet-5 (the paper's smallest network) and a one-hidden-layer MLP.
//
// TF.js's WASM backend has no Conv2DBackpropFilter / Conv2DBackpropInput kernels yet (until
// @basin/backends' installWasmTrainingKernels lands), and the pure-JS CPU backend takes seconds per
// LeNet gradient here. So the convolution carries its own gradient, written with forward
// convolutions only (which WASM runs natively): dW is x correlated with dy (batch and channel
// axes swapped), dx is dy padded by k - 1 and convolved with the kernel rotated by 180 degrees.
import * as tf from '@tensorflow/tfjs';
import type { Tree } from '@basin/core';

type Conv = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;

/** A 'valid', stride-1 convolution whose gradient uses forward convolutions only. */
export const conv2dValid: Conv = tf.customGrad(((x: tf.Tensor4D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.conv2d(x, w, 1, 'valid'),
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
      const k = ws.shape[0];
      // dW[i, j, c, f] = sum_{n, h, w} x[n, h + i, w + j, c] dy[n, h, w, f]
      const dw = tf.transpose(tf.conv2d(tf.transpose(xs, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D, 1, 'valid'), [1, 2, 0, 3]);
      // dx[n, h, w, c] = sum_{i, j, f} dy[n, h - i, w - j, f] W[i, j, c, f]
      const dx = tf.conv2d(tf.pad(dy, [[0, 0], [k - 1, k - 1], [k - 1, k - 1], [0, 0]]), tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D, 1, 'valid');
      return [dx, dw];
    },
  };
}) as never) as Conv;

export interface Net {
  name: string;
  /** Layer names in forward order (the params tree's top-level keys). */
  layers: string[];
  init(seed: number): Tree;
  /** Mean softmax cross-entropy of the logits on a batch { x: [n, 784], y: one-hot [n, 10] }. */
  loss(params: Tree, batch: { x: tf.Tensor; y: tf.Tensor }): tf.Scalar;
  logits(params: Tree, x: tf.Tensor): tf.Tensor;
}

type Layer = { kernel: tf.Tensor; bias: tf.Tensor };
type Params = Record<string, Layer>;

const heNormal = (shape: number[], fanIn: number, seed: number) => tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed);
const dense = (h: tf.Tensor, l: Layer) => tf.add(tf.matMul(h, l.kernel), l.bias);

const crossEntropy = (logits: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.mean(tf.sub(tf.logSumExp(logits, -1), tf.sum(tf.mul(y, logits), -1))) as tf.Scalar;

/** LeNet-5 on 28x28 digits: conv 6@5x5, max-pool 2, conv 16@5x5, max-pool 2, dense 120, 84, 10 (ReLU). */
export const lenet: Net = {
  name: 'LeNet-5',
  layers: ['conv1', 'conv2', 'fc1', 'fc2', 'fc3'],
  init: (seed) => ({
    conv1: { kernel: heNormal([5, 5, 1, 6], 25, seed + 1), bias: tf.zeros([6]) },
    conv2: { kernel: heNormal([5, 5, 6, 16], 150, seed + 2), bias: tf.zeros([16]) },
    fc1: { kernel: heNormal([256, 120], 256, seed + 3), bias: tf.zeros([120]) },
    fc2: { kernel: heNormal([120, 84], 120, seed + 4), bias: tf.zeros([84]) },
    fc3: { kernel: heNormal([84, 10], 84, seed + 5), bias: tf.zeros([10]) },
  }),
  logits: (params, x) =>
    tf.tidy(() => {
      const p = params as Params;
      let h = tf.reshape(x, [-1, 28, 28, 1]) as tf.Tensor4D;
      h = tf.maxPool(tf.relu(tf.add(conv2dValid(h, p.conv1.kernel as tf.Tensor4D), p.conv1.bias)) as tf.Tensor4D, 2, 2, 'valid');
      h = tf.maxPool(tf.relu(tf.add(conv2dValid(h, p.conv2.kernel as tf.Tensor4D), p.conv2.bias)) as tf.Tensor4D, 2, 2, 'valid');
      const z = tf.relu(dense(tf.reshape(h, [-1, 256]), p.fc1));
      return dense(tf.relu(dense(z, p.fc2)), p.fc3);
    }),
  loss: (params, batch) => tf.tidy(() => crossEntropy(lenet.logits(params, batch.x), batch.y)),
};

/** A 784-100-10 ReLU MLP. */
export const mlp: Net = {
  name: 'MLP 784-100-10',
  layers: ['fc1', 'fc2'],
  init: (seed) => ({
    fc1: { kernel: heNormal([784, 100], 784, seed + 1), bias: tf.zeros([100]) },
    fc2: { kernel: heNormal([100, 10], 100, seed + 2), bias: tf.zeros([10]) },
  }),
  logits: (params, x) => tf.tidy(() => dense(tf.relu(dense(x, (params as Params).fc1)), (params as Params).fc2)),
  loss: (params, batch) => tf.tidy(() => crossEntropy(mlp.logits(params, batch.x), batch.y)),
};
