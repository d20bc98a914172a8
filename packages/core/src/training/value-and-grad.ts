import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import type { LossAndGrads } from '../transform';
import { Tree, treeFlatten, treeUnflatten } from '../tree';

/** A loss written as a function of the params tree and a batch. */
export type LossFn<B = Tree> = (params: Tree, batch: B) => tf.Scalar;

/**
 * Turns a functional loss into one that also returns the gradient with respect to every leaf
 * of the params tree (the tree may hold plain tensors or tf.Variables). The caller owns the
 * returned loss and gradients.
 */
export function valueAndGrad<B>(lossFn: LossFn<B>): (params: Tree, batch: B) => LossAndGrads {
  return (params, batch) => {
    const leaves = treeFlatten(params);
    const f = (...xs: tf.Tensor[]): tf.Scalar => {
      const loss = lossFn(treeUnflatten(params, xs), batch);
      if (!(loss instanceof tf.Tensor) || loss.rank !== 0) {
        const got = loss instanceof tf.Tensor ? `a tensor of shape [${loss.shape.join(', ')}]` : typeof loss;
        throw new BasinError(`loss function must return a scalar tensor, got ${got}`);
      }
      return loss;
    };
    const { value, grads } = tf.valueAndGrads(f)(leaves);
    return { loss: value as tf.Scalar, grads: treeUnflatten(params, grads) };
  };
}
