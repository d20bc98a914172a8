import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import { isTensor } from '../tree';

/**
 * One entry of a model's `losses`: a zero-argument function returning a scalar (what tfjs-layers
 * stores, e.g. `() => regularizer.apply(kernel.read())`), or an already computed scalar tensor
 * (which then adds to the value but carries no gradient).
 */
export type ModelLossTerm = tf.Tensor | (() => tf.Tensor);

/**
 * The parts of a `tf.LayersModel` (or of one of its layers) that hold losses other than the output
 * loss, stated structurally. In tfjs-layers 4.x a layer's `losses` holds its weight regularizers
 * (`kernelRegularizer`, `biasRegularizer`, ... as `() => regularizer.apply(weight.read())`) and
 * what `layer.addLoss(...)` added; a model's own `losses` holds only what `model.addLoss(...)`
 * added to the model object (the layers' regularizers are not in it), and `layers` lists its
 * layers, nested models included.
 */
export interface ModelLossesLike {
  readonly losses?: readonly ModelLossTerm[];
  readonly layers?: readonly ModelLossesLike[];
}

function asScalar(term: tf.Tensor, where: string): tf.Scalar {
  if (!isTensor(term)) {
    throw new BasinError(`modelRegularizationLoss: ${where} must be a tensor, got ${term === null ? 'null' : typeof term}`);
  }
  if (term.size !== 1) throw new BasinError(`modelRegularizationLoss: ${where} must be a scalar, got a tensor of shape [${term.shape.join(', ')}]`);
  // Regularizers such as l1l2 return shape [1]: reshape (a view; the gradient flows through it).
  return (term.rank === 0 ? term : tf.reshape(term, [])) as tf.Scalar;
}

/**
 * The model's own losses (weight regularizers, `addLoss` terms) summed into one new scalar
 * evaluated at the model's current weights, or `null` when it has none. Call it inside a gradient
 * tape to differentiate it (the regularizers read the weight variables themselves).
 *
 * Counts `model.losses` and, recursively through `model.layers` (nested models included), every
 * layer's `losses`, each layer once. Needs no forward pass first. For an ordinary model this is
 * exactly what tfjs-layers' `fit` / `trainOnBatch` add to the output loss, so a trainer's loss
 * matches Keras. Two differences, both where Basin follows Python Keras and tfjs-layers 4.x does
 * not: losses added to the model object itself (`model.addLoss`) count (tfjs-layers' `fit`
 * ignores them), and a layer called several times (a shared layer) counts once (tfjs-layers adds
 * its regularizers once per call). Any object is accepted: one without `losses` or `layers` has
 * no extra losses.
 */
export function modelRegularizationLoss(model: object): tf.Scalar | null {
  const found: { term: ModelLossTerm; where: string }[] = [];
  const seen = new Set<object>();
  const visit = (node: ModelLossesLike, where: string): void => {
    if (node === null || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node.losses)) node.losses.forEach((term, i) => found.push({ term, where: `${where}.losses[${i}]` }));
    if (Array.isArray(node.layers)) node.layers.forEach((layer, i) => visit(layer, `${where}.layers[${i}]`));
  };
  visit(model as ModelLossesLike, 'model');
  if (found.length === 0) return null;
  return tf.tidy(() => {
    const terms = found.map(({ term, where }) => asScalar(typeof term === 'function' ? term() : term, where));
    // A new tensor even for one term (which may be the model's own): the caller owns the result.
    return (terms.length === 1 ? tf.add(terms[0], 0) : tf.addN(terms)) as tf.Scalar;
  });
}

/**
 * The training objective of a model: `loss` plus the model's own losses. Returns `loss` itself
 * when the model has none (so a model without regularizers computes exactly what it did before),
 * otherwise a new scalar; `loss` is never disposed here. Meant for use inside a gradient tape or
 * `tf.tidy`, where `loss` is an intermediate.
 */
export function addModelLosses(model: object, loss: tf.Scalar): tf.Scalar {
  const extra = modelRegularizationLoss(model);
  if (extra === null) return loss;
  try {
    return tf.add(loss, extra) as tf.Scalar;
  } finally {
    extra.dispose();
  }
}
