// Zero gradients for comparison and logical kernels. Their outputs are piecewise constant, so
// the gradient is zero; TF.js registers none, and double backprop through masks built from them
// (ReLU6, LeakyReLU, PReLU, clipByValue, maximum/minimum, max/min, ELU, SELU) throws
// "gradient function not found for Greater" without these.
import * as tf from '@tensorflow/tfjs-core';

const zerosFor = (x: tf.Tensor) => () => tf.zeros(x.shape, 'float32');

function binary(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, saved: tf.Tensor[]) => ({ a: zerosFor(saved[0]), b: zerosFor(saved[1]) }),
  };
}

export const nonDifferentiableGrads: tf.GradConfig[] = [
  ...['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual', 'LogicalAnd', 'LogicalOr'].map(binary),
  { kernelName: 'LogicalNot', inputsToSave: ['x'], gradFunc: (_dy, saved: tf.Tensor[]) => ({ x: zerosFor(saved[0]) }) },
];
