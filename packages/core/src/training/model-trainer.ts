import type * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import { runEntryPoint } from '../entry/entry-point';
import { checkTransform } from '../validate';
import type { Transform } from '../transform';
import type { TrainingCheckpoint } from '../checkpoint';
import { checkModel, describeGot, LayersModelLike, ModelBatch } from '../model/layers-model-like';
import { modelAdapter } from '../model/model-adapter';
import type { StepOptions } from './step';
import type { OutputLoss, OutputLossName } from './losses';
import { Trainer } from './trainer';
import { fitEpochs, FitOptions } from './fit';

export type { LayersModelLike, LayerVariableLike } from '../model/layers-model-like';

export interface ModelTrainerOptions extends StepOptions {
  transform: Transform<any>;
  loss: OutputLoss | OutputLossName;
}

/**
 * Trains a `tf.LayersModel` with any Basin transform: a name for `Trainer` over
 * `modelAdapter(model, { loss })`, with the model-shaped methods `trainOnBatch(x, y)` and
 * `fit(x, y)`. The model's trainable weights form the params tree `{ [weight name]: tensor }`;
 * each step writes the new values into the model, by name.
 *
 * The objective is the output loss plus the model's own losses (`kernelRegularizer` and other
 * weight regularizers, `addLoss` terms; see `modelRegularizationLoss`), as `model.fit` and
 * `model.trainOnBatch` minimise it, and the reported loss includes them too.
 *
 * `extras.gradFn` (for the SAM family) evaluates the model at other weights by swapping them in
 * and restoring them afterwards. Layers with moving statistics (BatchNormalization) are updated
 * by the clean forward pass only: perturbed passes never move the statistics.
 */
export class ModelTrainer {
  readonly model: LayersModelLike;
  /** The one training path this is a name for: a `Trainer` over `modelAdapter(model, { loss })`. */
  readonly trainer: Trainer<ModelBatch>;

  constructor(model: LayersModelLike, options: ModelTrainerOptions) {
    const owner = 'ModelTrainer';
    this.trainer = runEntryPoint(owner, () => {
      checkModel(owner, model);
      if (model.trainableWeights.length === 0) throw new BasinError(`${owner}: model has no trainable weights`);
      if (typeof options !== 'object' || options === null) throw new BasinError(`${owner}: options must be { transform, loss }, got ${describeGot(options)}`);
      const { transform, loss, ...stepOptions } = options;
      checkTransform(owner, 'transform', transform);
      return new Trainer<ModelBatch>({ transform, model: modelAdapter(model, { loss }), ...stepOptions });
    });
    this.model = model;
  }

  /**
   * A `ModelTrainer` over a `Trainer` that already trains a model adapter: the same trainer
   * (state, steps, model) with the model-shaped methods. `ModelFgeTrainer` and `ModelSwaTrainer`
   * expose theirs this way.
   */
  static over(trainer: Trainer<ModelBatch>): ModelTrainer {
    return runEntryPoint('ModelTrainer.over', () => {
      if (!(trainer instanceof Trainer) || trainer.model === undefined) {
        throw new BasinError(`ModelTrainer.over: trainer must be a Trainer over a model adapter (new Trainer({ transform, model: modelAdapter(model, { loss }) })), got ${describeGot(trainer)}`);
      }
      const view = Object.create(ModelTrainer.prototype) as { -readonly [K in keyof ModelTrainer]: ModelTrainer[K] };
      view.model = trainer.model.model;
      view.trainer = trainer;
      return view as ModelTrainer;
    });
  }

  /** The optimizer state. */
  get state(): unknown {
    return this.trainer.state;
  }

  set state(value: unknown) {
    this.trainer.state = value;
  }

  /** Steps taken. */
  get steps(): number {
    return this.trainer.steps;
  }

  set steps(value: number) {
    this.trainer.steps = value;
  }

  /** The current weights as a params tree (the model's own tensors: do not dispose them). */
  params(): Record<string, tf.Tensor> {
    return this.trainer.params as Record<string, tf.Tensor>;
  }

  /**
   * One step on a batch; returns the loss before the step. If anything is NaN or infinite the
   * weights, statistics and optimizer state are left as they were and it throws.
   */
  trainOnBatch(x: tf.Tensor, y: tf.Tensor): number {
    return runEntryPoint('ModelTrainer.trainOnBatch', () => this.trainer.step({ x, y }));
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
    return runEntryPoint('ModelTrainer.save', () => this.trainer.save());
  }

  /**
   * Writes a checkpoint's weights (and saved moving statistics) into the model and takes its
   * optimizer state. TF.js gives weights process-unique names (`dense_Dense3/kernel`), so a
   * checkpoint from another model of the same architecture is matched by weight order, and
   * shapes are checked.
   */
  restore(checkpoint: TrainingCheckpoint): void {
    runEntryPoint('ModelTrainer.restore', () => this.trainer.restore(checkpoint));
  }

  dispose(): void {
    this.trainer.dispose();
  }
}
