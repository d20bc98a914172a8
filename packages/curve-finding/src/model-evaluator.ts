import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, modelRegularizationLoss, OutputLoss, OutputLossName, resolveOutputLoss, Tree } from '@basin/core';
import type { PointEvaluator, PointMetrics } from './evaluate';
import { checkFitsWeights, ModelLike, WeightLike, withSavedWeights, writeWeights } from './model-weights';

/** A layer as far as BatchNorm recomputation needs it (tfjs-layers' `BatchNormalization`). */
interface LayerLike {
  getClassName(): string;
  momentum?: number;
  movingMean?: WeightLike;
  movingVariance?: WeightLike;
}

/** A LayersModel with its layers listed (any `tf.LayersModel` is one). */
export interface ModelWithLayers extends ModelLike {
  readonly layers?: readonly LayerLike[];
}

export interface ModelEvaluatorOptions {
  loss: OutputLoss | OutputLossName;
  train: { x: tf.Tensor; y: tf.Tensor };
  test?: { x: tf.Tensor; y: tf.Tensor };
  /** Rows per forward pass (default 500). */
  batchSize?: number;
  /** Report accuracy (argmax of the output against the label; default true). */
  accuracy?: boolean;
  /**
   * Recompute BatchNorm moving statistics at each point from the training data, as the reference's
   * `update_bn` (default: when the model has BatchNormalization layers).
   */
  updateBatchNorm?: boolean;
}

/** The BatchNormalization layers of a model (searched one level into nested models). */
export function batchNormLayers(model: ModelWithLayers): LayerLike[] {
  const out: LayerLike[] = [];
  const visit = (layers: readonly LayerLike[] | undefined): void => {
    for (const layer of layers ?? []) {
      if (layer.getClassName() === 'BatchNormalization') out.push(layer);
      visit((layer as unknown as ModelWithLayers).layers);
    }
  };
  visit(model.layers);
  return out;
}

function batches(n: number, size: number): [number, number][] {
  return Array.from({ length: Math.ceil(n / size) }, (_, b) => [b * size, Math.min(n, (b + 1) * size) - b * size]);
}

/**
 * Sets BatchNorm moving statistics to the exact average over the batches of `x` (weights as they
 * are now): moving mean 0 and variance 1, then training-mode passes with momentum `b / (b + 1)` on
 * batch `b`, which makes each statistic the running mean of the batch statistics (PyTorch's
 * `momentum=None`, what the reference uses). Momenta are restored afterwards.
 */
export function recomputeBatchNorm(model: ModelWithLayers, x: tf.Tensor, batchSize = 500): void {
  const layers = batchNormLayers(model);
  if (layers.length === 0) return;
  const momenta = layers.map((l) => l.momentum);
  // Only the BatchNorm statistics are reset: other non-trainable weights (frozen layers) stay.
  for (const layer of layers) {
    for (const [v, fill] of [[layer.movingMean, 0], [layer.movingVariance, 1]] as const) {
      if (v === undefined) throw new BasinError('recomputeBatchNorm: a BatchNormalization layer has no moving statistics (is the model built?)');
      const fresh = tf.fill(v.read().shape, fill);
      v.write(fresh);
      fresh.dispose();
    }
  }
  try {
    batches(x.shape[0], batchSize).forEach(([start, size], b) => {
      layers.forEach((l) => { l.momentum = b / (b + 1); });
      tf.tidy(() => {
        const xb = tf.slice(x, start, size);
        model.apply(xb, { training: true });
      });
    });
  } finally {
    layers.forEach((l, i) => { l.momentum = momenta[i]; });
  }
}

function accuracyOf(y: tf.Tensor, out: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const predicted = tf.argMax(out, -1);
    const labels = y.rank === out.rank && y.shape[y.rank - 1] > 1 ? tf.argMax(y, -1) : tf.cast(tf.reshape(y, predicted.shape), 'int32');
    return tf.sum(tf.cast(tf.equal(predicted, labels), 'float32')) as tf.Scalar;
  });
}

/**
 * A `PointEvaluator` for a `tf.LayersModel`: writes the point into the model's trainable weights,
 * recomputes BatchNorm statistics if the model has any, and measures loss and accuracy (inference
 * mode, row-weighted over batches). The loss includes the model's own losses (regularizers) at the
 * point. The model's weights and statistics are put back afterwards.
 */
export function modelEvaluator(model: ModelWithLayers, options: ModelEvaluatorOptions): PointEvaluator {
  const { train, test, batchSize = 500, accuracy = true } = options;
  const loss = resolveOutputLoss(options.loss);
  checkNumber('modelEvaluator', 'batchSize', batchSize, { min: 1, integer: true });
  for (const [name, split] of [['train', train], ['test', test]] as const) {
    if (split === undefined) continue;
    if (!(split.x instanceof tf.Tensor) || !(split.y instanceof tf.Tensor) || split.x.shape[0] !== split.y.shape[0]) {
      throw new BasinError(`modelEvaluator: ${name} must be { x, y } tensors with the same number of rows`);
    }
  }
  if (train === undefined) throw new BasinError('modelEvaluator: train data is required');
  const updateBatchNorm = options.updateBatchNorm ?? batchNormLayers(model).length > 0;
  const measure = (x: tf.Tensor, y: tf.Tensor): PointMetrics => {
    let lossSum = 0;
    let correct = 0;
    for (const [start, size] of batches(x.shape[0], batchSize)) {
      const [l, c] = tf.tidy(() => {
        const xb = tf.slice(x, start, size);
        const yb = tf.slice(y, start, size);
        const out = model.apply(xb, { training: false });
        if (!(out instanceof tf.Tensor)) throw new BasinError('modelEvaluator: the model must have a single output tensor');
        return [tf.mul(loss(yb, out), size), accuracy ? accuracyOf(yb, out) : tf.scalar(0)];
      });
      lossSum += l.dataSync()[0];
      correct += c.dataSync()[0];
      tf.dispose([l, c]);
    }
    const n = x.shape[0];
    return accuracy ? { loss: lossSum / n, accuracy: correct / n } : { loss: lossSum / n };
  };
  return (point: Tree) => {
    checkFitsWeights(point, model.trainableWeights, 'modelEvaluator', 'the point');
    return withSavedWeights(model, () => {
      writeWeights(model.trainableWeights, point);
      if (updateBatchNorm) recomputeBatchNorm(model, train.x, batchSize);
      const trainMetrics = measure(train.x, train.y);
      const testMetrics = test === undefined ? undefined : measure(test.x, test.y);
      // The reported loss, train and test alike, includes the model's own losses (weight
      // regularizers, addLoss terms) at the point: the objective the curve was trained on, and
      // what Python Keras' evaluate() and the reference's utils.test(..., regularizer) report.
      // (tfjs-layers' model.evaluate leaves them out.) They do not depend on the data; taken
      // after the forward passes, which wire up a Sequential's layers on first use.
      const extraTensor = modelRegularizationLoss(model);
      const extra = extraTensor === null ? 0 : extraTensor.dataSync()[0];
      extraTensor?.dispose();
      trainMetrics.loss += extra;
      if (testMetrics !== undefined) testMetrics.loss += extra;
      return { train: trainMetrics, ...(testMetrics === undefined ? {} : { test: testMetrics }) };
    });
  };
}
