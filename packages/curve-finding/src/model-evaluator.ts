import * as tf from '@tensorflow/tfjs-core';
import {
  BasinError,
  checkInputShape,
  checkModel,
  checkNumber,
  entryPoint,
  LayersModelLike,
  LayerVariableLike,
  leavesInWeightOrder,
  ModelLossesLike,
  modelRegularizationLoss,
  OutputLoss,
  OutputLossName,
  resolveOutputLoss,
  runEntryPoint,
  Tree,
  withSavedWeights,
} from '@basin/core';
import type { PointEvaluator, PointMetrics } from './evaluate';
import { checkBoolean, checkXY, describeGot, isRecord, optionsRecord } from './checks';

/** A layer as far as BatchNorm recomputation needs it (tfjs-layers' `BatchNormalization`). */
interface LayerLike extends ModelLossesLike {
  getClassName(): string;
  momentum?: number;
  movingMean?: LayerVariableLike;
  movingVariance?: LayerVariableLike;
}

/** A LayersModel with its layers listed (any `tf.LayersModel` is one). */
export interface ModelWithLayers extends LayersModelLike {
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
export const batchNormLayers = entryPoint('batchNormLayers', function batchNormLayers(model: ModelWithLayers): LayerLike[] {
  if (typeof model !== 'object' || model === null) throw new BasinError(`batchNormLayers: model must be a tf.LayersModel, got ${describeGot(model)}`);
  const out: LayerLike[] = [];
  const visit = (layers: readonly LayerLike[] | undefined): void => {
    if (!Array.isArray(layers)) return;
    for (const layer of layers) {
      if (typeof layer?.getClassName === 'function' && layer.getClassName() === 'BatchNormalization') out.push(layer);
      visit((layer as unknown as ModelWithLayers)?.layers);
    }
  };
  visit(model.layers);
  return out;
});

function batches(n: number, size: number): [number, number][] {
  return Array.from({ length: Math.ceil(n / size) }, (_, b) => [b * size, Math.min(n, (b + 1) * size) - b * size]);
}

/**
 * Sets BatchNorm moving statistics to the exact average over the batches of `x` (weights as they
 * are now): moving mean 0 and variance 1, then training-mode passes with momentum `b / (b + 1)` on
 * batch `b`, which makes each statistic the running mean of the batch statistics (PyTorch's
 * `momentum=None`, what the reference uses). Momenta are restored afterwards.
 */
export const recomputeBatchNorm = entryPoint('recomputeBatchNorm', function recomputeBatchNorm(model: ModelWithLayers, x: tf.Tensor, batchSize = 500): void {
  const owner = 'recomputeBatchNorm';
  checkModel(owner, model);
  checkXY(owner, x, x, ['x', 'x']);
  checkInputShape(owner, model, x);
  checkNumber(owner, 'batchSize', batchSize, { min: 1, integer: true });
  const layers = batchNormLayers(model);
  if (layers.length === 0) return;
  // Checked before anything is reset, so a model that is not built is left as it was.
  const stats = layers.flatMap((layer) => [layer.movingMean, layer.movingVariance]);
  if (stats.some((v) => v === undefined)) throw new BasinError(`${owner}: a BatchNormalization layer has no moving statistics (is the model built?)`);
  const momenta = layers.map((l) => l.momentum);
  const saved = stats.map((v) => tf.clone((v as LayerVariableLike).read()));
  let done = false;
  try {
    // Only the BatchNorm statistics are reset: other non-trainable weights (frozen layers) stay.
    stats.forEach((v, i) => {
      const fresh = tf.fill((v as LayerVariableLike).read().shape, i % 2 === 0 ? 0 : 1);
      (v as LayerVariableLike).write(fresh);
      fresh.dispose();
    });
    batches(x.shape[0], batchSize).forEach(([start, size], b) => {
      layers.forEach((l) => { l.momentum = b / (b + 1); });
      tf.tidy(() => {
        const xb = tf.slice(x, start, size);
        model.apply(xb, { training: true });
      });
    });
    done = true;
  } finally {
    layers.forEach((l, i) => { l.momentum = momenta[i]; });
    // On an error path the statistics go back to what they were.
    if (!done) stats.forEach((v, i) => (v as LayerVariableLike).write(saved[i]));
    tf.dispose(saved);
  }
});

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
export const modelEvaluator = entryPoint('modelEvaluator', function modelEvaluator(model: ModelWithLayers, options: ModelEvaluatorOptions): PointEvaluator {
  const owner = 'modelEvaluator';
  checkModel(owner, model);
  const o = optionsRecord(owner, options, "{ loss: 'categoricalCrossentropy', train: { x, y } }", true);
  const { train, test } = o;
  const loss = resolveOutputLoss(o.loss);
  const batchSize = checkNumber(owner, 'batchSize', o.batchSize ?? 500, { min: 1, integer: true });
  const accuracy = checkBoolean(owner, 'accuracy', o.accuracy, true);
  if (train === undefined) throw new BasinError(`${owner}: train data is required: { x, y } tensors`);
  for (const [name, split] of [['train', train], ['test', test]] as const) {
    if (split === undefined) continue;
    if (!isRecord(split)) throw new BasinError(`${owner}: ${name} must be { x, y } tensors with the same number of rows, got ${describeGot(split)}`);
    checkXY(owner, split.x, split.y, [`${name}.x`, `${name}.y`]);
    checkInputShape(owner, model, split.x, `${name}.x`);
  }
  const updateBatchNorm = checkBoolean(owner, 'updateBatchNorm', o.updateBatchNorm, batchNormLayers(model).length > 0);
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
  return (point: Tree) =>
    runEntryPoint(owner, () => {
      // Arrays pair with the weights by position, records keyed by weight name by name.
      const values = leavesInWeightOrder(point, model.trainableWeights, owner, 'the point');
      return withSavedWeights(model, () => {
        model.trainableWeights.forEach((w, i) => w.write(values[i]));
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
    });
});
