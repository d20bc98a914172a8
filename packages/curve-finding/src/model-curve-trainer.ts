import type * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkModel, checkModelBatch, FitOptions, fitEpochs, LayersModelLike, modelAdapter, ModelBatch, OutputLoss, OutputLossName, runEntryPoint, StepOptions, Transform } from '@basin/core';
import type { Curve, CurveParams } from './curve';
import { CurveTrainer } from './curve-trainer';
import { optionsRecord } from './checks';

export interface ModelCurveTrainerOptions extends StepOptions {
  /** A curve between two weight trees of this model's architecture (see `modelWeights`). */
  curve: Curve;
  transform: Transform<any>;
  loss: OutputLoss | OutputLossName;
  /**
   * Weight decay on the point at t (`weightDecay / 2 * ||theta(t)||^2`). Default 0. The model's own
   * regularizers (`kernelRegularizer`, `addLoss`) are always part of the loss, on top of this.
   */
  weightDecay?: number;
  /** Seed of the generator that draws t for each batch (default 0). */
  seed?: number;
  /** Initial curve params (copied); default `curve.init()`. */
  params?: CurveParams;
}

/**
 * Trains a curve between two weight sets of a `tf.LayersModel` with any Basin transform: a name
 * for `CurveTrainer` over `modelAdapter(model, { loss })`, with the model-shaped methods
 * `trainOnBatch(x, y)`, `trainOnBatchAt(x, y, t)`, `lossAndGrads(x, y, t)` and `fit(x, y)`.
 *
 * Each batch draws one `t ~ U(0, 1)`; the point `theta(t)` is swapped into the model's trainable
 * weights and the gradient `g` of the loss there (the output loss plus the model's own losses,
 * such as weight regularizers, as `model.fit` minimises) is mapped back exactly by the chain rule,
 * `dL/dtheta_i = c_i(t) g`. The model's weights and BatchNorm statistics are left as they were
 * (the model is only borrowed), and `extras.gradFn` (the SAM family) evaluates other curve params
 * at the same t and batch.
 */
export class ModelCurveTrainer {
  readonly model: LayersModelLike;
  /** The one curve-training path this is a name for: a `CurveTrainer` over `modelAdapter(model, { loss })`. */
  readonly trainer: CurveTrainer<ModelBatch>;
  private disposed = false;

  constructor(model: LayersModelLike, options: ModelCurveTrainerOptions) {
    const owner = 'ModelCurveTrainer';
    this.trainer = runEntryPoint(owner, () => {
      checkModel(owner, model);
      const { loss, ...rest } = optionsRecord(owner, options, "{ curve, transform, loss: 'categoricalCrossentropy' }", true);
      return new CurveTrainer<ModelBatch>({ ...rest, model: modelAdapter(model, { loss }) });
    });
    this.model = model;
  }

  get curve(): Curve {
    return this.trainer.curve;
  }

  /** The curve params being trained. */
  get params(): CurveParams {
    return this.trainer.params;
  }

  set params(value: CurveParams) {
    this.trainer.params = value;
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

  /** The t of the last step. */
  get lastT(): number {
    return this.trainer.lastT;
  }

  /**
   * Loss (at the current curve params) and curve-param gradients at `t` on a batch, leaving the
   * model as it was. The caller owns the results.
   */
  lossAndGrads(x: tf.Tensor, y: tf.Tensor, t: number): { loss: tf.Scalar; grads: CurveParams } {
    return runEntryPoint('ModelCurveTrainer.lossAndGrads', () => this.trainer.lossAndGrads({ x, y }, t));
  }

  /** One step at a freshly drawn t; returns the loss before the step. */
  trainOnBatch(x: tf.Tensor, y: tf.Tensor): number {
    return runEntryPoint('ModelCurveTrainer.trainOnBatch', () => this.trainer.step({ x, y }));
  }

  /** One step at a given t in [0, 1]. The model's weights and statistics are left as they were. */
  trainOnBatchAt(x: tf.Tensor, y: tf.Tensor, t: number): number {
    return runEntryPoint('ModelCurveTrainer.trainOnBatchAt', () => this.trainer.stepAt({ x, y }, t));
  }

  /** Mini-batch training for some epochs (one t per batch); returns each epoch's mean loss. */
  fit(x: tf.Tensor, y: tf.Tensor, options: FitOptions = {}): Promise<number[]> {
    const owner = 'ModelCurveTrainer.fit';
    return runEntryPoint(owner, () => {
      if (this.disposed) throw new BasinError(`${owner}: the trainer was disposed`);
      checkModelBatch(owner, this.model, { x, y });
      return fitEpochs(owner, x, y, (xb, yb) => this.trainOnBatch(xb, yb), options);
    });
  }

  dispose(): void {
    this.disposed = true;
    this.trainer.dispose();
  }
}
