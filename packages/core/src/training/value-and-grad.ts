import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import type { LossAndGrads } from '../transform';
import { Tree, treeLeaves, treeUnflatten } from '../tree';
import { checkFunction } from '../validate';
import { entryPoint } from '../entry/entry-point';

/** A loss written as a function of the params tree and a batch. */
export type LossFn<B = Tree> = (params: Tree, batch: B) => tf.Scalar;

/**
 * Turns a functional loss into one that also returns the gradient with respect to every leaf
 * of the params tree (the tree may hold plain tensors or tf.Variables). The caller owns the
 * returned loss and gradients.
 */
export const valueAndGrad = entryPoint('valueAndGrad', function valueAndGrad<B>(lossFn: LossFn<B>): (params: Tree, batch: B) => LossAndGrads {
  checkFunction('valueAndGrad', 'lossFn', lossFn);
  return entryPoint('valueAndGrad', (params: Tree, batch: B) => {
    if (params === undefined || params === null) throw new BasinError(`params must be a tree of tensors, got ${params}`);
    const leaves = treeLeaves(params, undefined, 'params').map((e) => e.leaf);
    // Nothing is thrown inside the tape: TF.js would leak the tensors it saved for backprop.
    // Problems are recorded, a placeholder scalar is returned, and the error is raised after.
    let failure: unknown;
    const f = (): tf.Scalar => {
      let loss: unknown;
      try {
        loss = lossFn(treeUnflatten(params, leaves), batch);
      } catch (e) {
        failure = e;
        return tf.scalar(0);
      }
      if (loss instanceof tf.Tensor && loss.rank === 0) return loss as tf.Scalar;
      const got = loss instanceof tf.Tensor ? `a tensor of shape [${loss.shape.join(', ')}]` : typeof loss;
      failure = new BasinError(`loss function must return a scalar tensor, got ${got}`);
      return loss instanceof tf.Tensor ? tf.sum(loss) : tf.scalar(0);
    };
    // allowNoGradients: a leaf the loss does not use gets a zero gradient (as in JAX), not an error.
    const { value, grads } = tf.engine().gradients(f, leaves, undefined, true);
    if (failure !== undefined) {
      tf.dispose([value, ...grads.filter((g) => g != null)]);
      throw failure;
    }
    const full = grads.map((g, i) => g ?? tf.zerosLike(leaves[i]));
    return { loss: value as tf.Scalar, grads: treeUnflatten(params, full) };
  });
});
