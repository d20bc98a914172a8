// Gradients of the convolution backprop kernels, which TF.js leaves without gradients, so the
// gradient of a convolution's gradient can be taken. Each backprop kernel is bilinear in its two
// inputs; its gradient applied to G is another member of the triple (conv, backprop-input,
// backprop-filter) with G in place of the missing argument:
//   <BF(x, dy), G> = <conv(x, G), dy>   and   <BI(dy, W), G> = <conv(G, W), dy>.
import * as tf from '@tensorflow/tfjs-core';

type Pair = number | [number, number];
type Pad = 'valid' | 'same' | number;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
interface ConvAttrs {
  strides: Pair;
  pad: Pad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode: Rounding;
  dilations: Pair;
}

export function runKernel(name: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** Conv2DBackpropFilter(x, dy) -> dW. (Conv2DBackpropInput already has a gradient in TF.js.) */
export const conv2DBackpropFilterGrad: tf.GradConfig = {
  kernelName: 'Conv2DBackpropFilter',
  inputsToSave: ['x', 'dy'],
  gradFunc: (g, saved: tf.Tensor[], attrs) => {
    const [x, dy] = saved;
    const G = g as tf.Tensor4D;
    const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as ConvAttrs;
    return {
      x: () => runKernel('Conv2DBackpropInput', { dy, filter: G }, { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape }),
      dy: () => tf.conv2d(x as tf.Tensor4D, G, strides, pad, dataFormat === 'NCHW' ? 'NCHW' : 'NHWC', 1, dimRoundingMode),
    };
  },
};

/** DepthwiseConv2dNativeBackpropInput(dy, filter) -> dx. */
export const depthwiseBackpropInputGrad: tf.GradConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  inputsToSave: ['dy', 'filter'],
  gradFunc: (g, saved: tf.Tensor[], attrs) => {
    const [dy, filter] = saved;
    const G = g as tf.Tensor4D;
    const { strides, pad, dimRoundingMode, dilations } = attrs as unknown as ConvAttrs;
    return {
      dy: () => tf.depthwiseConv2d(G, filter as tf.Tensor4D, strides, pad, 'NHWC', dilations, dimRoundingMode),
      filter: () => runKernel('DepthwiseConv2dNativeBackpropFilter', { x: G, dy }, { strides, pad, dimRoundingMode, dilations, filterShape: filter.shape }),
    };
  },
};

/** DepthwiseConv2dNativeBackpropFilter(x, dy) -> dW. */
export const depthwiseBackpropFilterGrad: tf.GradConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  inputsToSave: ['x', 'dy'],
  gradFunc: (g, saved: tf.Tensor[], attrs) => {
    const [x, dy] = saved;
    const G = g as tf.Tensor4D;
    const { strides, pad, dimRoundingMode, dilations } = attrs as unknown as ConvAttrs;
    return {
      x: () => runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: G }, { strides, pad, dimRoundingMode, dilations, inputShape: x.shape }),
      dy: () => tf.depthwiseConv2d(x as tf.Tensor4D, G, strides, pad, 'NHWC', dilations, dimRoundingMode),
    };
  },
};

export const convGrads: tf.GradConfig[] = [conv2DBackpropFilterGrad, depthwiseBackpropInputGrad, depthwiseBackpropFilterGrad];
