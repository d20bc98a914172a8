// Second-order-safe gradients for kernels whose stock TF.js gradient reads the saved OUTPUT.
// TF.js saves outputs by cloning them before the kernel's tape node is written, so when the
// backward pass is itself differentiated the path output -> input is missing and the second
// derivative through it is silently dropped. Each gradient below keeps the stock formula for
// first-order use and, while being recorded for higher order, recomputes what it needs from
// the saved INPUTS with differentiable ops.
import * as tf from '@tensorflow/tfjs-core';
import { recordingHigherOrder } from './recording';

type Saved = tf.Tensor[];
type Attrs = tf.NamedAttrMap;

const SELU_SCALEALPHA = 1.7580993408473768; // TF.js's constants (float64-rounded)
const SELU_SCALE = 1.0507009873554805;

/** exp(min(x, 0)): the negative branch of ELU/SELU without overflow (inf * 0 = NaN in backprop). */
const expOfNegativePart = (x: tf.Tensor): tf.Tensor => tf.exp(tf.minimum(x, 0));

export const expGrad: tf.GradConfig = {
  kernelName: 'Exp',
  inputsToSave: ['x'],
  outputsToSave: [true],
  gradFunc: (dy, saved: Saved) => {
    const [x, y] = saved;
    const higher = recordingHigherOrder();
    return { x: () => (higher ? tf.mul(dy as tf.Tensor, tf.exp(x)) : tf.mul(dy as tf.Tensor, y)) };
  },
};

export const tanhGrad: tf.GradConfig = {
  kernelName: 'Tanh',
  inputsToSave: ['x'],
  outputsToSave: [true],
  gradFunc: (dy, saved: Saved) => {
    const [x, y] = saved;
    const higher = recordingHigherOrder();
    return { x: () => tf.mul(tf.sub(tf.scalar(1), tf.square(higher ? tf.tanh(x) : y)), dy as tf.Tensor) };
  },
};

export const sigmoidGrad: tf.GradConfig = {
  kernelName: 'Sigmoid',
  inputsToSave: ['x'],
  outputsToSave: [true],
  gradFunc: (dy, saved: Saved) => {
    const [x, y] = saved;
    const higher = recordingHigherOrder();
    return {
      x: () => {
        const s = higher ? tf.sigmoid(x) : y;
        return tf.mul(dy as tf.Tensor, tf.mul(s, tf.sub(tf.scalar(1), s)));
      },
    };
  },
};

export const softmaxGrad: tf.GradConfig = {
  kernelName: 'Softmax',
  inputsToSave: ['logits'],
  outputsToSave: [true],
  gradFunc: (dy, saved: Saved, attrs: Attrs) => {
    const [logits, value] = saved;
    const dim = attrs.dim as number;
    const higher = recordingHigherOrder();
    return {
      logits: () => {
        const y = higher ? tf.softmax(logits, dim) : value;
        const dyTimesY = tf.mul(dy as tf.Tensor, y);
        return tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [dim], true), y));
      },
    };
  },
};

export const logSoftmaxGrad: tf.GradConfig = {
  kernelName: 'LogSoftmax',
  inputsToSave: ['logits'],
  outputsToSave: [true],
  gradFunc: (dy, saved: Saved, attrs: Attrs) => {
    const [logits, value] = saved;
    const axis = attrs.axis as number;
    const higher = recordingHigherOrder();
    return {
      logits: () => {
        const softmax = higher ? tf.softmax(logits, axis) : tf.exp(value);
        return tf.sub(dy as tf.Tensor, tf.mul(tf.sum(dy as tf.Tensor, axis, true), softmax));
      },
    };
  },
};

export const eluGrad: tf.GradConfig = {
  kernelName: 'Elu',
  inputsToSave: ['x'],
  outputsToSave: [true],
  gradFunc: (dy, saved: Saved) => {
    const [x, y] = saved;
    const higher = recordingHigherOrder();
    return {
      x: () =>
        higher
          ? tf.where(tf.greater(x, 0), dy as tf.Tensor, tf.mul(dy as tf.Tensor, expOfNegativePart(x)))
          : tf.engine().runKernel('EluGrad', { dy: dy as tf.Tensor, y }) as tf.Tensor,
    };
  },
};

export const seluGrad: tf.GradConfig = {
  kernelName: 'Selu',
  inputsToSave: ['x'],
  gradFunc: (dy, saved: Saved) => {
    const [x] = saved;
    const higher = recordingHigherOrder();
    return {
      x: () => {
        const mask = tf.greater(x, tf.scalar(0));
        const positive = tf.mul(dy as tf.Tensor, tf.scalar(SELU_SCALE));
        const expX = higher ? expOfNegativePart(x) : tf.exp(tf.cast(x, 'float32'));
        const negative = tf.mul(tf.mul(dy as tf.Tensor, tf.scalar(SELU_SCALEALPHA)), expX);
        return tf.where(mask, positive, negative);
      },
    };
  },
};

/** `a ** b`; the stock gradient for `b` reads the saved output. */
export const powGrad: tf.GradConfig = {
  kernelName: 'Pow',
  inputsToSave: ['a', 'b'],
  outputsToSave: [true],
  gradFunc: (dy, saved: Saved) => {
    const [a, b, value] = saved;
    const higher = recordingHigherOrder();
    const dyT = dy as tf.Tensor;
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const reduceTo = (res: tf.Tensor, shape: number[]): tf.Tensor => {
      const axes = tf.broadcast_util.getReductionAxes(shape, outShape);
      return tf.reshape(axes.length > 0 ? tf.sum(res, axes) : res, shape);
    };
    return {
      a: () => {
        const expFloat = tf.cast(b, 'float32');
        return reduceTo(tf.mul(dyT, tf.mul(expFloat, tf.pow(a, tf.sub(expFloat, tf.scalar(1))))), a.shape);
      },
      b: () => {
        const y = higher ? tf.pow(a, b) : value;
        const logBase = tf.where(tf.greater(a, 0), tf.log(a), tf.zerosLike(a));
        return reduceTo(tf.mul(dyT, tf.mul(y, logBase)), b.shape);
      },
    };
  },
};

export const activationGrads: tf.GradConfig[] = [expGrad, tanhGrad, sigmoidGrad, softmaxGrad, logSoftmaxGrad, eluGrad, seluGrad, powGrad];
