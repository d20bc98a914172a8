import * as tf from '@tensorflow/tfjs-core';
import {
  BasinError,
  checkNumber,
  checkTransform,
  entryPoint,
  isTensor,
  LayersModelLike,
  LossFn,
  ModelTrainer,
  OutputLoss,
  OutputLossName,
  Schedule,
  StepOptions,
  runEntryPoint,
  Trainer,
  Transform,
  Tree,
  treeClone,
  treeDispose,
} from '@basin/core';
import { checkInputShape, checkModel, ModelLike, modelStatistics, modelWeights, withSavedWeights, writeWeights } from './model-weights';
import { checkFn, checkRows, checkXY, describeGot, optionsRecord } from './checks';

export interface FgeScheduleOptions {
  /** Learning rate at the start (and end) of each cycle, `alpha_1` in the paper. */
  high: number;
  /** Learning rate at the middle of each cycle, where snapshots are taken, `alpha_2`. */
  low: number;
  /** Steps per cycle (even, >= 2). */
  cycleSteps: number;
}

function checkSchedule(owner: string, options: FgeScheduleOptions): void {
  const { high, low, cycleSteps } = optionsRecord(owner, options, '{ high: 0.05, low: 0.0005, cycleSteps: 4 }', true);
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
export const fgeLearningRate = entryPoint('fgeLearningRate', function fgeLearningRate(options: FgeScheduleOptions): Schedule {
  checkSchedule('fgeLearningRate', options);
  const { high, low, cycleSteps } = options;
  return (step: number) => {
    checkNumber('fgeLearningRate', 'step', step, { min: 0 });
    const s = (step % cycleSteps) / cycleSteps;
    return s <= 0.5 ? (1 - 2 * s) * high + 2 * s * low : (2 - 2 * s) * low + (2 * s - 1) * high;
  };
});

/** Whether the step with this 0-based index ran at the cycle's lowest learning rate (snapshot time). */
export const isFgeSnapshotStep = entryPoint('isFgeSnapshotStep', function isFgeSnapshotStep(step: number, cycleSteps: number): boolean {
  checkNumber('isFgeSnapshotStep', 'step', step, { min: 0, integer: true });
  checkNumber('isFgeSnapshotStep', 'cycleSteps', cycleSteps, { min: 2, integer: true });
  return step % cycleSteps === cycleSteps / 2;
});

/** Averages predictions (e.g. class probabilities) of the ensemble members: tensors of one shape. */
export const ensembleAverage = entryPoint('ensembleAverage', function ensembleAverage(predictions: readonly tf.Tensor[]): tf.Tensor {
  const owner = 'ensembleAverage';
  if (!Array.isArray(predictions)) throw new BasinError(`${owner}: predictions must be an array of tensors, got ${describeGot(predictions)}`);
  if (predictions.length === 0) throw new BasinError(`${owner}: no predictions (no snapshots yet?)`);
  predictions.forEach((p, i) => {
    if (!isTensor(p) || p.isDisposed) throw new BasinError(`${owner}: predictions[${i}] must be a tensor, got ${describeGot(p)}`);
    if (!tf.util.arraysEqual(p.shape, predictions[0].shape)) {
      throw new BasinError(`${owner}: predictions[${i}] has shape [${p.shape.join(', ')}]; predictions[0] has [${predictions[0].shape.join(', ')}]`);
    }
  });
  return tf.tidy(() => tf.div(tf.addN(predictions.map((p) => tf.cast(p, 'float32'))), predictions.length));
});

/** Builds the transform from the cyclical learning rate with the user's factory, checked. */
function makeTransform(owner: string, factory: unknown, schedule: Schedule): Transform<any> {
  checkFn(owner, 'transform', factory, 'a function (learningRate) => transform, e.g. (lr) => sgd({ learningRate: lr })');
  const transform = (factory as (lr: Schedule) => Transform<any>)(schedule);
  checkTransform(owner, 'transform(learningRate)', transform);
  return transform;
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

  private disposed = false;

  constructor(options: FgeTrainerOptions<B>) {
    const owner = 'FgeTrainer';
    this.trainer = runEntryPoint(owner, () => {
      checkSchedule(owner, options);
      const { loss, params, transform, high, low, cycleSteps, ...stepOptions } = options;
      const built = makeTransform(owner, transform, fgeLearningRate({ high, low, cycleSteps }));
      return new Trainer<B>({ transform: built, loss, params, ...stepOptions });
    });
    this.cycleSteps = options.cycleSteps;
  }

  get params(): Tree {
    return this.trainer.params;
  }

  get steps(): number {
    return this.trainer.steps;
  }

  /** One step; returns the loss before it. Takes a snapshot after a low-point step. */
  step(batch: B): number {
    return runEntryPoint('FgeTrainer.step', () => {
      if (this.disposed) throw new BasinError('FgeTrainer.step: the trainer was disposed');
      const index = this.trainer.steps;
      const loss = this.trainer.step(batch);
      if (isFgeSnapshotStep(index, this.cycleSteps)) this.snapshots.push(treeClone(this.trainer.params));
      return loss;
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
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

  private disposed = false;

  constructor(model: ModelLike, options: ModelFgeTrainerOptions) {
    const owner = 'ModelFgeTrainer';
    this.trainer = runEntryPoint(owner, () => {
      checkModel(owner, model);
      checkSchedule(owner, options);
      const { loss, transform, high, low, cycleSteps, ...stepOptions } = options;
      const built = makeTransform(owner, transform, fgeLearningRate({ high, low, cycleSteps }));
      // Core's LayersModelLike declares read() as tf.Variable; a LayersModel's weights are variables.
      return new ModelTrainer(model as unknown as LayersModelLike, { transform: built, loss, ...stepOptions });
    });
    this.model = model;
    this.cycleSteps = options.cycleSteps;
  }

  /** One step on a batch; snapshots after a low-point step. Returns the loss before the step. */
  trainOnBatch(x: tf.Tensor, y: tf.Tensor): number {
    return runEntryPoint('ModelFgeTrainer.trainOnBatch', () => {
      if (this.disposed) throw new BasinError('ModelFgeTrainer.trainOnBatch: the trainer was disposed');
      checkXY('ModelFgeTrainer.trainOnBatch', x, y);
      checkInputShape('ModelFgeTrainer.trainOnBatch', this.model, x);
      const index = this.trainer.steps;
      const loss = this.trainer.trainOnBatch(x, y);
      if (isFgeSnapshotStep(index, this.cycleSteps)) this.snapshots.push({ weights: modelWeights(this.model), statistics: modelStatistics(this.model) });
      return loss;
    });
  }

  /** The ensemble's averaged output on `x` (inference mode); the model is left as it was. */
  predict(x: tf.Tensor): tf.Tensor {
    return runEntryPoint('ModelFgeTrainer.predict', () => {
      const owner = 'ModelFgeTrainer.predict';
      if (this.disposed) throw new BasinError(`${owner}: the trainer was disposed`);
      checkRows(owner, 'x', x);
      checkInputShape(owner, this.model, x);
      if (this.snapshots.length === 0) throw new BasinError(`${owner}: no snapshots yet (train past the first cycle middle)`);
      const outputs: tf.Tensor[] = [];
      try {
        withSavedWeights(this.model, () =>
          this.snapshots.forEach((s) => {
            writeWeights(this.model.trainableWeights, s.weights);
            writeWeights(this.model.nonTrainableWeights, s.statistics);
            const out = this.model.apply(x, { training: false });
            if (!(out instanceof tf.Tensor)) throw new BasinError(`${owner}: the model must have a single output tensor`);
            outputs.push(out);
          }),
        );
        return ensembleAverage(outputs);
      } finally {
        tf.dispose(outputs);
      }
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.trainer.dispose();
    this.snapshots.forEach((s) => tf.dispose([...s.weights, ...s.statistics]));
    this.snapshots.length = 0;
  }
}
