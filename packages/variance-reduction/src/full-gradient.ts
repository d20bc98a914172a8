// Full gradients for svrg's snapshots: the mean gradient over a whole training set, for a
// functional loss (valueAndGrad over chunks) or a tf.LayersModel (its weights swapped in).
import * as tf from '@tensorflow/tfjs-core';
import {
  BasinError, batchSize as rowsOfBatch, checkFunction, checkNumber, describeValue, entryPoint, isTensor,
  modelAdapter, resolveOutputLoss, treeDispose, treeLeaves, treeMap, treeUnflatten, valueAndGrad,
} from '@basin/core';
import type { LayersModelLike, LossAndGrads, LossFn, OutputLoss, OutputLossName, Tree } from '@basin/core';
import type { FullGradientFn } from './svrg';

export interface DatasetGradientOptions {
  /** Rows per chunk of the pass (memory, not maths: the result is the same). Default 256. */
  batchSize?: number;
}

/** Rows `[start, start + size)` of every leaf of a batch tree (new tensors). */
function sliceRows(data: Tree, start: number, size: number): Tree {
  return treeUnflatten(data, treeLeaves(data).map(({ leaf }) => tf.slice(leaf, start, size)));
}

function checkChunk(owner: string, options: DatasetGradientOptions | undefined): number {
  if (options === undefined) return 256;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new BasinError(`${owner}: options must be a record such as { batchSize: 256 }, got ${describeValue(options)}`);
  }
  const { batchSize = 256 } = options;
  return checkNumber(owner, 'batchSize', batchSize, { min: 1, integer: true });
}

/** sum_k w_k * grads_k, accumulated chunk by chunk (disposes the chunk's gradients). */
function accumulate(total: Tree | undefined, grads: Tree, weight: number): Tree {
  const scaled = treeMap((g) => tf.mul(g, weight), grads);
  treeDispose(grads);
  if (total === undefined) return scaled;
  const next = treeMap((a, b) => tf.add(a, b), total, scaled);
  treeDispose([total, scaled]);
  return next;
}

/**
 * The full gradient of a functional loss over a dataset: `data` is a batch tree of all the
 * training rows (every leaf's first dimension is the row count), cut into chunks of
 * `batchSize` rows; each chunk's gradient (core's `valueAndGrad`) is weighted by its share of
 * rows. For a loss that is a mean over the rows, as `step` and `Trainer` expect, this is
 * exactly the gradient of the loss on the whole dataset, whatever the chunk size.
 *
 *     const opt = svrg({ learningRate: 0.05, fullGradient: datasetGradient(loss, { x, y }), snapshotEvery: 32 });
 *
 * The returned function leaves `data` and the params alone; the caller owns the result.
 */
export const datasetGradient = entryPoint('datasetGradient', function datasetGradient<B extends Tree>(
  lossFn: LossFn<B>,
  data: B,
  options?: DatasetGradientOptions,
): FullGradientFn {
  const owner = 'datasetGradient';
  checkFunction(owner, 'lossFn', lossFn);
  if (data === undefined || data === null) throw new BasinError(`${owner}: data must be a batch tree of tensors (every leaf with the rows first), got ${data}`);
  const rows = rowsOfBatch(data);
  if (rows === 0) throw new BasinError(`${owner}: data has 0 rows`);
  const chunk = checkChunk(owner, options);
  const grad = valueAndGrad(lossFn);
  return entryPoint(owner, (params: Tree): Tree => {
    for (const { leaf } of treeLeaves(data)) if (leaf.isDisposed) throw new BasinError(`${owner}: data holds a disposed tensor (it was disposed after datasetGradient was made)`);
    let total: Tree | undefined;
    try {
      for (let start = 0; start < rows; start += chunk) {
        const size = Math.min(chunk, rows - start);
        const part = (size === rows ? data : sliceRows(data, start, size)) as B;
        try {
          const { loss, grads } = grad(params, part);
          loss.dispose();
          total = accumulate(total, grads, size / rows);
        } finally {
          if (part !== data) treeDispose(part);
        }
      }
    } catch (e) {
      treeDispose(total);
      throw e;
    }
    return total!;
  });
});

export interface ModelGradientOptions {
  /** The output loss, as for `ModelTrainer` (a name or a function (yTrue, yPred) => scalar). */
  loss: OutputLoss | OutputLossName;
}

/** The loss and gradients of a model at some weights on one batch; the caller owns both. */
export type ModelGradient = (params: Tree, x: tf.Tensor, y: tf.Tensor) => LossAndGrads;

function checkModel(owner: string, model: LayersModelLike): void {
  if (!model || !Array.isArray(model.trainableWeights)) throw new BasinError(`${owner}: model must be a tf.LayersModel (it has no trainableWeights)`);
  if (model.trainableWeights.length === 0) throw new BasinError(`${owner}: model has no trainable weights`);
  const names = model.trainableWeights.map((w) => w.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new BasinError(`${owner}: two trainable weights are both named '${duplicate}'`);
}

function checkLossOption(owner: string, options: ModelGradientOptions): OutputLoss {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new BasinError(`${owner}: options must be a record such as { loss: 'softmaxCrossEntropy' }, got ${describeValue(options)}`);
  }
  if (options.loss === undefined) throw new BasinError(`${owner}: options.loss is required (a loss name such as 'softmaxCrossEntropy', or a function (yTrue, yPred) => scalar)`);
  return resolveOutputLoss(options.loss);
}

/**
 * Loss and gradients of a `tf.LayersModel` at any weights, on one batch, as `ModelTrainer`
 * computes them: the params tree is `{ [weight name]: tensor }` (ModelTrainer's `params()`),
 * the forward pass runs in training mode, the model's regularizers are included, and the
 * model's weights and non-trainable weights (BatchNorm statistics) are put back afterwards.
 * Use it for per-batch measurements at a snapshot (see `svrgVariance`).
 */
export const modelGradient = entryPoint('modelGradient', function modelGradient(model: LayersModelLike, options: ModelGradientOptions): ModelGradient {
  const owner = 'modelGradient';
  checkModel(owner, model);
  const adapter = modelAdapter(model, { loss: checkLossOption(owner, options) });
  return entryPoint(owner, (params: Tree, x: tf.Tensor, y: tf.Tensor): LossAndGrads => {
    if (!isTensor(x) || !isTensor(y)) throw new BasinError(`${owner}: x and y must be tensors, got ${describeValue(x)} and ${describeValue(y)}`);
    if (x.shape[0] !== y.shape[0]) throw new BasinError(`${owner}: x has ${x.shape[0]} rows but y has ${y.shape[0]}`);
    const tree = params as Record<string, tf.Tensor>;
    if (typeof tree !== 'object' || tree === null) throw new BasinError(`${owner}: params must be { [weight name]: tensor }, got ${describeValue(params)}`);
    const weights = model.trainableWeights;
    for (const w of weights) {
      const value = tree[w.name];
      if (!isTensor(value)) throw new BasinError(`${owner}: params has no tensor for weight '${w.name}'`);
      if (value.isDisposed) throw new BasinError(`${owner}: params['${w.name}'] is a disposed tensor`);
    }
    // Core's model adapter swaps the weights in, runs the forward pass in training mode with the
    // model's losses, and puts the weights and statistics back: the one model path of Basin.
    return adapter.valueAndGrad(tree, { x, y });
  });
});

/**
 * The full gradient of a `tf.LayersModel` over a dataset, for svrg with `ModelTrainer` (or
 * `BasinOptimizer`): one pass over `x`, `y` in chunks of `batchSize` rows at the weights svrg
 * asks for, each chunk weighted by its share of rows, exactly as `modelGradient` (training
 * mode, regularizers included, weights and BatchNorm statistics restored).
 *
 *     const trainer = new ModelTrainer(model, {
 *       transform: svrg({ learningRate: 0.05, fullGradient: modelDatasetGradient(model, x, y, { loss: 'softmaxCrossEntropy', batchSize: 64 }), snapshotEvery: Math.ceil(n / 64) }),
 *       loss: 'softmaxCrossEntropy',
 *     });
 *
 * With BatchNorm in the model, each chunk is normalised by its own statistics, so choose the
 * training batch size as `batchSize` to get the mean of the per-batch gradients svrg corrects.
 */
export const modelDatasetGradient = entryPoint('modelDatasetGradient', function modelDatasetGradient(
  model: LayersModelLike,
  x: tf.Tensor,
  y: tf.Tensor,
  options: ModelGradientOptions & DatasetGradientOptions,
): FullGradientFn {
  const owner = 'modelDatasetGradient';
  checkModel(owner, model);
  if (!isTensor(x) || !isTensor(y)) throw new BasinError(`${owner}: x and y must be tensors, got ${describeValue(x)} and ${describeValue(y)}`);
  if (x.rank === 0 || y.rank === 0 || x.shape[0] !== y.shape[0]) throw new BasinError(`${owner}: x and y must have the same number of rows, got shapes [${x.shape.join(', ')}] and [${y.shape.join(', ')}]`);
  const rows = x.shape[0];
  if (rows === 0) throw new BasinError(`${owner}: x has 0 rows`);
  checkLossOption(owner, options);
  const chunk = checkChunk(owner, { batchSize: options.batchSize });
  const gradAt = modelGradient(model, { loss: options.loss });
  return entryPoint(owner, (params: Tree): Tree => {
    if (x.isDisposed || y.isDisposed) throw new BasinError(`${owner}: x or y was disposed after modelDatasetGradient was made`);
    let total: Tree | undefined;
    try {
      for (let start = 0; start < rows; start += chunk) {
        const size = Math.min(chunk, rows - start);
        const xs = size === rows ? x : tf.slice(x, start, size);
        const ys = size === rows ? y : tf.slice(y, start, size);
        try {
          const { loss, grads } = gradAt(params, xs, ys);
          loss.dispose();
          total = accumulate(total, grads, size / rows);
        } finally {
          if (xs !== x) tf.dispose([xs, ys]);
        }
      }
    } catch (e) {
      treeDispose(total);
      throw e;
    }
    return total!;
  });
});
