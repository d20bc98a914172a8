import * as tf from '@tensorflow/tfjs-core';
import {
  BasinError,
  checkNumber,
  LayersModelLike,
  LossFn,
  ModelTrainer,
  OutputLoss,
  OutputLossName,
  Schedule,
  StepOptions,
  Trainer,
  Transform,
  Tree,
  treeClone,
  treeDispose,
} from '@basin/core';
import { ModelLike, modelStatistics, modelWeights, withSavedWeights, writeWeights } from './model-weights';

export interface FgeScheduleOptions {
  /** Learning rate at the start (and end) of each cycle, `alpha_1` in the paper. */
  high: number;
  /** Learning rate at the middle of each cycle, where snapshots are taken, `alpha_2`. */
  low: number;
  /** Steps per cycle (even, >= 2). */
  cycleSteps: number;
}

function checkSchedule(owner: string, { high, low, cycleSteps }: FgeScheduleOptions): void {
  checkNumber(owner, 'high', high, { min: 0 });
  checkNumber(owner, 'low', low, { min: 0 });
  checkNumber(owner, 'cycleSteps', cycleSteps, { min: 2, integer: true });
  if (cycleSteps % 2 !== 0) throw new BasinError(`${owner}: cycleSteps must be even (the low point is the cycle's middle step), got ${cycleSteps}`);
}

/**
 * The cyclical learning rate of Fast Geometric Ensembling (Garipov et al. 2018, section 4, eq. 6):
 * with `s = (step mod c) / c`, linear from `high` down to `low` over the first half of each cycle
 * and back up over the second: `(1 - 2s) high + 2s low` for `s <= 1/2`, `(2 - 2s) low + (2s - 1) high`
 * after.
 */
export function fgeLearningRate(options: FgeScheduleOptions): Schedule {
  checkSchedule('fgeLearningRate', options);
  const { high, low, cycleSteps } = options;
  return (step: number) => {
    const s = (step % cycleSteps) / cycleSteps;
    return s <= 0.5 ? (1 - 2 * s) * high + 2 * s * low : (2 - 2 * s) * low + (2 * s - 1) * high;
  };
}

/** Whether the step with this 0-based index ran at the cycle's lowest learning rate (snapshot time). */
export function isFgeSnapshotStep(step: number, cycleSteps: number): boolean {
  return step % cycleSteps === cycleSteps / 2;
}

/** Averages predictions (e.g. class probabilities) of the ensemble members. */
export function ensembleAverage(predictions: readonly tf.Tensor[]): tf.Tensor {
  if (predictions.length === 0) throw new BasinError('ensembleAverage: no predictions (no snapshots yet?)');
  return tf.tidy(() => tf.div(tf.addN(predictions as tf.Tensor[]), predictions.length));
}

export interface FgeTrainerOptions<B> extends FgeScheduleOptions, StepOptions {
  loss: LossFn<B>;
  /** Start point, usually a trained model (copied). */
  params: Tree;
  /** Builds the optimizer from the cyclical learning rate, e.g. `(lr) => sgd({ learningRate: lr, momentum: 0.9 })`. */
  transform: (learningRate: Schedule) => Transform<any>;
}

/**
 * Fast Geometric Ensembling on a functional loss: trains with the cyclical learning rate from a
 * trained start point and keeps a copy of the params at each cycle's low point. Predict with
 * `ensembleAverage(snapshots.map((p) => predict(p, x)))`.
 */
export class FgeTrainer<B extends Tree = Tree> {
  readonly snapshots: Tree[] = [];
  private readonly trainer: Trainer<B>;
  private readonly cycleSteps: number;

  constructor({ loss, params, transform, high, low, cycleSteps, ...stepOptions }: FgeTrainerOptions<B>) {
    checkSchedule('FgeTrainer', { high, low, cycleSteps });
    this.cycleSteps = cycleSteps;
    this.trainer = new Trainer<B>({ transform: transform(fgeLearningRate({ high, low, cycleSteps })), loss, params, ...stepOptions });
  }

  get params(): Tree {
    return this.trainer.params;
  }

  get steps(): number {
    return this.trainer.steps;
  }

  /** One step; returns the loss before it. Takes a snapshot after a low-point step. */
  step(batch: B): number {
    const index = this.trainer.steps;
    const loss = this.trainer.step(batch);
    if (isFgeSnapshotStep(index, this.cycleSteps)) this.snapshots.push(treeClone(this.trainer.params));
    return loss;
  }

  dispose(): void {
    this.trainer.dispose();
    treeDispose(this.snapshots);
    this.snapshots.length = 0;
  }
}

export interface ModelFgeTrainerOptions extends FgeScheduleOptions, StepOptions {
  loss: OutputLoss | OutputLossName;
  transform: (learningRate: Schedule) => Transform<any>;
}

/** One snapshot of a LayersModel: trainable weights and BatchNorm statistics, in model order. */
export interface ModelSnapshot {
  weights: tf.Tensor[];
  statistics: tf.Tensor[];
}

/**
 * Fast Geometric Ensembling for a `tf.LayersModel` (core's `ModelTrainer` with the cyclical
 * learning rate; the loss it minimises and reports includes the model's own losses, such as weight
 * regularizers, as `model.fit`). `predict(x)` averages the snapshots' outputs, each with its own
 * statistics.
 */
export class ModelFgeTrainer {
  readonly snapshots: ModelSnapshot[] = [];
  readonly trainer: ModelTrainer;
  private readonly model: ModelLike;
  private readonly cycleSteps: number;

  constructor(model: ModelLike, { loss, transform, high, low, cycleSteps, ...stepOptions }: ModelFgeTrainerOptions) {
    checkSchedule('ModelFgeTrainer', { high, low, cycleSteps });
    this.model = model;
    this.cycleSteps = cycleSteps;
    // Core's LayersModelLike declares read() as tf.Variable; a LayersModel's weights are variables.
    this.trainer = new ModelTrainer(model as unknown as LayersModelLike, { transform: transform(fgeLearningRate({ high, low, cycleSteps })), loss, ...stepOptions });
  }

  /** One step on a batch; snapshots after a low-point step. Returns the loss before the step. */
  trainOnBatch(x: tf.Tensor, y: tf.Tensor): number {
    const index = this.trainer.steps;
    const loss = this.trainer.trainOnBatch(x, y);
    if (isFgeSnapshotStep(index, this.cycleSteps)) this.snapshots.push({ weights: modelWeights(this.model), statistics: modelStatistics(this.model) });
    return loss;
  }

  /** The ensemble's averaged output on `x` (inference mode); the model is left as it was. */
  predict(x: tf.Tensor): tf.Tensor {
    if (this.snapshots.length === 0) throw new BasinError('ModelFgeTrainer.predict: no snapshots yet (train past the first cycle middle)');
    const outputs = withSavedWeights(this.model, () =>
      this.snapshots.map((s) => {
        writeWeights(this.model.trainableWeights, s.weights);
        writeWeights(this.model.nonTrainableWeights, s.statistics);
        const out = this.model.apply(x, { training: false });
        if (!(out instanceof tf.Tensor)) throw new BasinError('ModelFgeTrainer.predict: the model must have a single output tensor');
        return out;
      }),
    );
    try {
      return ensembleAverage(outputs);
    } finally {
      tf.dispose(outputs);
    }
  }

  dispose(): void {
    this.trainer.dispose();
    this.snapshots.forEach((s) => tf.dispose([...s.weights, ...s.statistics]));
    this.snapshots.length = 0;
  }
}
