import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import { runEntryPoint } from '../entry/entry-point';
import { stateMismatch } from '../entry/state-structure';
import { checkTransform } from '../validate';
import type { Extras, GradFn, Transform } from '../transform';
import { assertSameStructure, Tree, treeDispose } from '../tree';
import { applyUpdates } from '../transforms/apply-updates';
import { decodeTree, encodeTree, EncodedTree, renameEncodedKeys, restoreCheckpoint, saveCheckpoint, TrainingCheckpoint } from '../checkpoint';
import { microbatchRange } from './microbatch';
import { assertAllFinite, StepOptions } from './step';
import { OutputLoss, OutputLossName, resolveOutputLoss } from './losses';
import { readScalar } from './trainer';
import { fitEpochs, FitOptions } from './fit';
import { addModelLosses, ModelLossesLike, ModelLossTerm } from './model-losses';

/** What Basin needs of a weight of a `tf.LayersModel` (tfjs-layers' `LayerVariable`). */
export interface LayerVariableLike {
  readonly name: string;
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

/**
 * What Basin needs of a `tf.LayersModel`, stated structurally so that @basin/core does not
 * depend on tfjs-layers: any `tf.LayersModel` or `tf.Sequential` fits.
 */
export interface LayersModelLike {
  readonly trainableWeights: LayerVariableLike[];
  readonly nonTrainableWeights: LayerVariableLike[];
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: { training?: boolean }): tf.Tensor | tf.Tensor[] | unknown;
  /**
   * Losses added to the model object itself (`model.addLoss`): zero-argument functions returning
   * scalars, or scalars. In tfjs-layers 4.x this does not include the layers' regularizers.
   */
  readonly losses?: readonly ModelLossTerm[];
  /** The model's layers, whose `losses` hold their weight regularizers and `addLoss` terms. */
  readonly layers?: readonly ModelLossesLike[];
}

export interface ModelTrainerOptions extends StepOptions {
  transform: Transform<any>;
  loss: OutputLoss | OutputLossName;
}


/**
 * Trains a `tf.LayersModel` with any Basin transform. The model's trainable weights form the
 * params tree `{ [weight name]: tensor }`; each step writes the new values into the model.
 *
 * The objective is the output loss plus the model's own losses (`kernelRegularizer` and other
 * weight regularizers, `addLoss` terms; see `modelRegularizationLoss`), as `model.fit` and
 * `model.trainOnBatch` minimise it, and the reported loss includes them too.
 *
 * `extras.gradFn` (for the SAM family) evaluates the model at other weights by swapping them in
 * and restoring them afterwards. Layers with moving statistics (BatchNormalization) are updated
 * by the clean forward pass only: `gradFn` saves the non-trainable weights and puts them back,
 * so perturbed passes never move the statistics.
 */
export class ModelTrainer {
  readonly model: LayersModelLike;
  state: unknown;
  steps = 0;
  private readonly transform: Transform<any>;
  private readonly loss: OutputLoss;
  private readonly stepOptions: StepOptions;

  constructor(model: LayersModelLike, options: ModelTrainerOptions) {
    const { transform, loss, ...stepOptions } = runEntryPoint('ModelTrainer', () => {
      if (!model || !Array.isArray(model.trainableWeights)) {
        throw new BasinError('ModelTrainer: model must be a tf.LayersModel (it has no trainableWeights)');
      }
      if (model.trainableWeights.length === 0) throw new BasinError('ModelTrainer: model has no trainable weights');
      const names = model.trainableWeights.map((w) => w.name);
      const duplicate = names.find((n, i) => names.indexOf(n) !== i);
      if (duplicate) throw new BasinError(`ModelTrainer: two trainable weights are both named '${duplicate}'`);
      if (typeof options !== 'object' || options === null) throw new BasinError(`ModelTrainer: options must be { transform, loss }, got ${String(options)}`);
      checkTransform('ModelTrainer', 'transform', options.transform);
      return options;
    });
    this.model = model;
    this.transform = transform;
    this.loss = runEntryPoint('ModelTrainer', () => resolveOutputLoss(loss));
    this.stepOptions = stepOptions;
    this.state = runEntryPoint('ModelTrainer', () => transform.init(this.params()));
  }

  /** The current weights as a params tree (the model's own tensors: do not dispose them). */
  params(): Record<string, tf.Tensor> {
    return Object.fromEntries(this.model.trainableWeights.map((w) => [w.name, w.read()]));
  }

  private forwardLoss(x: tf.Tensor, y: tf.Tensor): tf.Scalar {
    const out = this.model.apply(x, { training: true });
    if (!(out instanceof tf.Tensor)) throw new BasinError('ModelTrainer: the model must have a single output tensor');
    // Regularizers read the weight variables, so they are differentiated with the output loss
    // (and, in gradFn, evaluated at the swapped-in weights).
    return addModelLosses(this.model, this.loss(y, out));
  }

  /** Loss and gradients of the model at its current weights (updates moving statistics). */
  private gradsAtCurrent(x: tf.Tensor, y: tf.Tensor): { loss: tf.Scalar; grads: Record<string, tf.Tensor> } {
    const vars = this.model.trainableWeights.map((w) => w.read());
    // An error thrown inside the tape would leak the tensors it saved: record it, return a
    // placeholder and throw once the tape is cleaned up (as valueAndGrad does).
    let failure: unknown;
    const f = (): tf.Scalar => {
      try {
        return this.forwardLoss(x, y);
      } catch (e) {
        failure = e;
        return tf.scalar(0);
      }
    };
    const { value, grads } = tf.engine().gradients(f, vars, undefined, true);
    if (failure !== undefined) {
      tf.dispose([value, ...grads.filter((g) => g != null)]);
      throw failure;
    }
    // A weight the loss does not reach gets a zero gradient.
    const byName = Object.fromEntries(this.model.trainableWeights.map((w, i) => [w.name, grads[i] ?? tf.zerosLike(vars[i])]));
    return { loss: value as tf.Scalar, grads: byName };
  }

  /** `extras.gradFn`: gradients at other weights, leaving weights and statistics as they were. */
  private makeGradFn(x: tf.Tensor, y: tf.Tensor): GradFn {
    return (params, microbatch) => {
      const weights = this.model.trainableWeights;
      const saved = weights.map((w) => tf.clone(w.read()));
      const savedStats = this.model.nonTrainableWeights.map((w) => tf.clone(w.read()));
      let xs = x;
      let ys = y;
      if (microbatch) {
        const [start, end] = microbatchRange(x.shape[0], microbatch);
        xs = tf.slice(x, start, end - start);
        ys = tf.slice(y, start, end - start);
      }
      try {
        const tree = params as Record<string, tf.Tensor>;
        weights.forEach((w) => {
          const value = tree[w.name];
          if (!(value instanceof tf.Tensor)) throw new BasinError(`gradFn: params has no tensor for weight '${w.name}'`);
          w.write(value);
        });
        return this.gradsAtCurrent(xs, ys);
      } finally {
        weights.forEach((w, i) => w.write(saved[i]));
        this.model.nonTrainableWeights.forEach((w, i) => w.write(savedStats[i]));
        tf.dispose([...saved, ...savedStats]);
        if (xs !== x) tf.dispose([xs, ys]);
      }
    };
  }

  /**
   * One step on a batch; returns the loss before the step. If anything is NaN or infinite the
   * weights and optimizer state are left as they were and it throws.
   */
  trainOnBatch(x: tf.Tensor, y: tf.Tensor): number {
    return runEntryPoint('ModelTrainer.trainOnBatch', () => {
      if (!(x instanceof tf.Tensor) || !(y instanceof tf.Tensor)) {
        throw new BasinError(`x and y must be tensors, got ${x instanceof tf.Tensor ? 'a tensor' : String(x)} and ${y instanceof tf.Tensor ? 'a tensor' : String(y)}`);
      }
      if (x.shape[0] !== y.shape[0]) {
        throw new BasinError(`x has ${x.shape[0]} rows but y has ${y.shape[0]}`);
      }
      const statsBefore = this.model.nonTrainableWeights.map((w) => tf.clone(w.read()));
      let loss: tf.Scalar;
      let grads: Record<string, tf.Tensor>;
      try {
        ({ loss, grads } = this.gradsAtCurrent(x, y));
      } catch (e) {
        // The forward pass may have moved the statistics before the loss failed.
        this.model.nonTrainableWeights.forEach((w, i) => w.write(statsBefore[i]));
        tf.dispose(statsBefore);
        throw e;
      }
      const params = this.params();
      let updates: Tree | undefined;
      let nextState: unknown;
      let next: Tree | undefined;
      try {
        const extras: Extras = { gradFn: this.makeGradFn(x, y), loss, batchSize: x.shape[0] };
        [updates, nextState] = this.transform.update(grads, this.state, params, extras);
        if (this.stepOptions.checkFinite ?? true) assertAllFinite([['loss', loss], ['gradients', grads], ['updates', updates]]);
        next = applyUpdates(params, updates);
      } catch (e) {
        this.model.nonTrainableWeights.forEach((w, i) => w.write(statsBefore[i]));
        treeDispose(nextState);
        loss.dispose();
        throw e;
      } finally {
        tf.dispose(statsBefore);
        treeDispose(grads);
        treeDispose(updates);
      }
      // By name, not by position: the tree's leaf order need not be the model's weight order.
      const nextByName = next as Record<string, tf.Tensor>;
      this.model.trainableWeights.forEach((w) => w.write(nextByName[w.name]));
      treeDispose(next);
      treeDispose(this.state);
      this.state = nextState;
      this.steps += 1;
      return readScalar(loss);
    });
  }

  /** Mini-batch training over `x`, `y` for some epochs; returns the mean loss of each epoch. */
  fit(x: tf.Tensor, y: tf.Tensor, options: FitOptions = {}): Promise<number[]> {
    return runEntryPoint('ModelTrainer.fit', () => fitEpochs('ModelTrainer.fit', x, y, (xb, yb) => this.trainOnBatch(xb, yb), options));
  }

  /**
   * Weights, optimizer state and the model's non-trainable weights (BatchNorm moving
   * statistics, so a restored model also predicts the same in inference mode) as JSON data.
   */
  save(): TrainingCheckpoint {
    return runEntryPoint('ModelTrainer.save', () => {
      const checkpoint = saveCheckpoint({ params: this.params(), state: this.state, steps: this.steps });
      const buffers = Object.fromEntries(this.model.nonTrainableWeights.map((w) => [w.name, w.read()]));
      return { ...checkpoint, buffers: encodeTree(buffers, 'buffers') };
    });
  }

  /**
   * Writes a checkpoint's weights (and saved moving statistics) into the model and takes its
   * optimizer state. TF.js gives weights process-unique names (`dense_Dense3/kernel`), so a
   * checkpoint from another model of the same architecture is matched by weight order, and
   * shapes are checked.
   */
  restore(checkpoint: TrainingCheckpoint): void {
    return runEntryPoint('ModelTrainer.restore', () => {
      const byPosition = (saved: EncodedTree | undefined, current: string[]): Map<string, string> => {
        const names = saved && typeof saved === 'object' && !Array.isArray(saved) ? Object.keys(saved) : [];
        const same = names.length === current.length && names.every((n, i) => n === current[i]);
        return same || names.length !== current.length ? new Map() : new Map(names.map((n, i) => [n, current[i]]));
      };
      const weightNames = byPosition(checkpoint?.params, this.model.trainableWeights.map((w) => w.name));
      const statNames = byPosition(checkpoint?.buffers, this.model.nonTrainableWeights.map((w) => w.name));
      const renamed: TrainingCheckpoint = weightNames.size === 0 ? checkpoint : {
        ...checkpoint,
        params: renameEncodedKeys(checkpoint.params, weightNames),
        state: renameEncodedKeys(checkpoint.state, weightNames),
      };
      const { params, state, steps } = restoreCheckpoint(renamed, this.params());
      const mismatch = stateMismatch(this.transform, params, state);
      if (mismatch) {
        treeDispose([params, state]);
        throw new BasinError(`the checkpoint's optimizer state does not fit this trainer's transform${this.transform.name ? ` (${this.transform.name})` : ''}: ${mismatch}`);
      }
      let buffers: Record<string, tf.Tensor> | undefined;
      if (checkpoint.buffers !== undefined) {
        buffers = decodeTree(renameEncodedKeys(checkpoint.buffers, statNames), 'buffers') as Record<string, tf.Tensor>;
        const like = Object.fromEntries(this.model.nonTrainableWeights.map((w) => [w.name, w.read()]));
        try {
          assertSameStructure(like, buffers, ['model non-trainable weights', 'checkpoint buffers']);
        } catch (e) {
          treeDispose([params, state, buffers]);
          throw new BasinError(`restore: ${(e as Error).message}`);
        }
      }
      this.model.trainableWeights.forEach((w) => w.write((params as Record<string, tf.Tensor>)[w.name]));
      this.model.nonTrainableWeights.forEach((w) => buffers && w.write(buffers[w.name]));
      treeDispose([params, buffers]);
      treeDispose(this.state);
      this.state = state;
      this.steps = steps;
    });
  }

  dispose(): void {
    treeDispose(this.state);
  }
}
