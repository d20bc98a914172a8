import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import { describeValue, isTensor } from '../tree';
import type { ModelLossesLike, ModelLossTerm } from '../training/model-losses';

/** What Basin needs of a weight of a `tf.LayersModel` (tfjs-layers' `LayerVariable`). */
export interface LayerVariableLike {
  readonly name: string;
  /** The weight's value; for a `LayerVariable` this is its `tf.Variable`. */
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

/**
 * What Basin needs of a `tf.LayersModel`, stated structurally so that @basin/core does not
 * depend on tfjs-layers: any `tf.LayersModel` or `tf.Sequential` fits.
 */
export interface LayersModelLike {
  readonly trainableWeights: readonly LayerVariableLike[];
  readonly nonTrainableWeights: readonly LayerVariableLike[];
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: { training?: boolean }): tf.Tensor | tf.Tensor[] | unknown;
  /**
   * Losses added to the model object itself (`model.addLoss`): zero-argument functions returning
   * scalars, or scalars. In tfjs-layers 4.x this does not include the layers' regularizers.
   */
  readonly losses?: readonly ModelLossTerm[];
  /** The model's layers, whose `losses` hold their weight regularizers and `addLoss` terms. */
  readonly layers?: readonly ModelLossesLike[];
}

/**
 * One batch for a `tf.LayersModel`: inputs `x` and targets `y` with the same number of rows.
 * (A type, not an interface, so that it is a `Tree` and trainers can take it as their batch.)
 */
export type ModelBatch = { readonly x: tf.Tensor; readonly y: tf.Tensor };

/** What a value is, for messages (functions by name, strings quoted, disposed tensors said so). */
export function describeGot(value: unknown): string {
  if (typeof value === 'function') return `the function ${(value as { name?: string }).name || '(anonymous)'}`;
  if (typeof value === 'string') return `'${value}'`;
  if (isTensor(value) && value.isDisposed) return 'a disposed tensor';
  return describeValue(value);
}

/** Checks that `model` looks like a `tf.LayersModel` (trainable and non-trainable weights, `apply`). */
export function checkModel(owner: string, model: unknown): LayersModelLike {
  const m = model as Partial<LayersModelLike> | null;
  if (typeof m !== 'object' || m === null || !Array.isArray(m.trainableWeights) || !Array.isArray(m.nonTrainableWeights) || typeof m.apply !== 'function') {
    throw new BasinError(`${owner}: model must be a tf.LayersModel (with trainableWeights, nonTrainableWeights and apply), got ${describeGot(model)}`);
  }
  return model as LayersModelLike;
}

/** A live tensor with a first (row) dimension. */
export function checkRows(owner: string, name: string, value: unknown): void {
  if (!isTensor(value) || value.isDisposed) throw new BasinError(`${owner}: ${name} must be a tensor, got ${describeGot(value)}`);
  if (value.rank === 0) throw new BasinError(`${owner}: ${name} must have a first (row) dimension, got a scalar`);
}

/** `x` and `y` tensors with the same number of rows (at least one). */
export function checkXY(owner: string, x: unknown, y: unknown, names: [string, string] = ['x', 'y']): void {
  checkRows(owner, names[0], x);
  checkRows(owner, names[1], y);
  const [nx, ny] = [(x as tf.Tensor).shape[0], (y as tf.Tensor).shape[0]];
  if (nx !== ny) throw new BasinError(`${owner}: ${names[0]} has ${nx} rows but ${names[1]} has ${ny}`);
  if (nx === 0) throw new BasinError(`${owner}: ${names[0]} and ${names[1]} have no rows`);
}

/**
 * Checks `x` against the model's input shape, when the model declares one (`model.inputs`, as a
 * built `tf.LayersModel` does): the dimensions after the first must match (unknown ones match all).
 */
export function checkInputShape(owner: string, model: LayersModelLike, x: tf.Tensor, name = 'x'): void {
  const inputs = (model as { inputs?: readonly { shape?: readonly (number | null)[] }[] }).inputs;
  if (!Array.isArray(inputs) || inputs.length !== 1 || !Array.isArray(inputs[0]?.shape)) return;
  const expected = inputs[0].shape as (number | null)[];
  const fits = expected.length === x.rank && expected.every((d, i) => i === 0 || d === null || d === x.shape[i]);
  if (!fits) {
    throw new BasinError(`${owner}: ${name} has shape [${x.shape.join(', ')}]; the model takes inputs of shape [${expected.map((d) => (d === null ? 'any' : d)).join(', ')}]`);
  }
}

/** Checks a `{ x, y }` batch for `model`: tensors, the same rows, `x` of the model's input shape. */
export function checkModelBatch(owner: string, model: LayersModelLike, batch: unknown): ModelBatch {
  if (typeof batch !== 'object' || batch === null || Array.isArray(batch) || isTensor(batch)) {
    throw new BasinError(`${owner}: the batch of a model must be { x, y } (inputs and targets), got ${describeGot(batch)}`);
  }
  const { x, y } = batch as Partial<ModelBatch>;
  checkXY(owner, x, y);
  checkInputShape(owner, model, x as tf.Tensor);
  return batch as ModelBatch;
}
