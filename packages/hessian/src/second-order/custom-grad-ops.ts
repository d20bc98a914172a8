// `tf.logSoftmax` and `tf.losses.softmaxCrossEntropy` are `tf.customGrad` ops whose backward
// reads an intermediate (log-probabilities) computed with the tape off, so their gradient is
// constant in the logits when differentiated again. TF.js looks up a registered gradient under
// a custom op's scope name before using the op's own backward, so registering one under these
// names replaces it. The replacement keeps the stock first-order arithmetic and, when recorded for
// higher order, finds the op's logits tensor on the active tape (the tape node holding this very
// `saved` array) and computes the softmax through a small custom op whose input is that logits
// tensor: its value comes from the saved log-probabilities (the logits' data may already be
// disposed, e.g. inside a tf.layers call) and its gradient is the softmax Jacobian, so the outer
// backward pass reaches the logits.
import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '@basin/core';
import { recordingHigherOrder } from './recording';

/** The input tensors of the tape node whose saved tensors are `saved`. */
function tapeInputs(saved: tf.Tensor[], op: string): tf.NamedTensorMap {
  const tape = tf.engine().state.activeTape;
  const node = tape?.find((n) => n.saved === saved);
  if (!node) {
    throw new BasinError(`second-order gradient of ${op}: could not find the op's inputs on the gradient tape; compute the loss with logSumExp (e.g. @basin/hessian's softmaxCrossEntropy) instead`);
  }
  return node.inputs;
}

/** softmax(logits) computed from log-probabilities, differentiable with respect to `logits`. */
function softmaxOf(logits: tf.Tensor, logProbs: tf.Tensor, axis: number): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[1] as tf.GradSaveFunc;
    const p = tf.exp(logProbs);
    save([p]);
    return {
      value: p,
      gradFunc: (dp: tf.Tensor, saved: tf.Tensor[]) => {
        const [q] = saved;
        // J^T dp for J = diag(p) - p p^T.
        return [tf.mul(q, tf.sub(dp, tf.sum(tf.mul(dp, q), axis, true)))];
      },
    };
  });
  return op(logits);
}

/** Scope name TF.js gives an op's tape node: the op name plus `__op`. */
export const LOG_SOFTMAX_OP = 'logSoftmax__op';
export const SOFTMAX_CROSS_ENTROPY_OP = 'softmaxCrossEntropy__op';

export const logSoftmaxOpGrad: tf.GradConfig = {
  kernelName: LOG_SOFTMAX_OP,
  gradFunc: (dy, saved: tf.Tensor[]) => {
    const [value] = saved;
    const axis = value.rank - 1;
    const logits = recordingHigherOrder() ? tapeInputs(saved, 'tf.logSoftmax')[0] : undefined;
    return {
      0: () => {
        const softmax = logits ? softmaxOf(logits, value, axis) : tf.exp(value);
        return tf.sub(dy as tf.Tensor, tf.mul(tf.sum(dy as tf.Tensor, axis, true), softmax));
      },
    };
  },
};

export const softmaxCrossEntropyOpGrad: tf.GradConfig = {
  kernelName: SOFTMAX_CROSS_ENTROPY_OP,
  gradFunc: (dy, saved: tf.Tensor[]) => {
    const [labels, logResult] = saved;
    const logits = recordingHigherOrder() ? tapeInputs(saved, 'tf.losses.softmaxCrossEntropy')[1] : undefined;
    const dyT = dy as tf.Tensor;
    const dyShape = [...dyT.shape, 1];
    const probs = (): tf.Tensor => (logits ? softmaxOf(logits, logResult, logResult.rank - 1) : tf.exp(logResult));
    return {
      0: () => tf.mul(tf.reshape(dyT, dyShape), tf.sub(tf.cast(labels, 'float32'), probs())),
      1: () => tf.mul(tf.reshape(dyT, dyShape), tf.sub(probs(), tf.cast(labels, 'float32'))),
    };
  },
};

export const customGradOpGrads: tf.GradConfig[] = [logSoftmaxOpGrad, softmaxCrossEntropyOpGrad];
