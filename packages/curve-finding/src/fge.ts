import * as tf from '@tensorflow/tfjs-core';
import {
  BasinError,
  checkInputShape,
  checkModel,
  checkModelBatch,
  checkNumber,
  checkTransform,
  entryPoint,
  FitOptions,
  fitEpochs,
  isTensor,
  LayersModelLike,
  LossFn,
  ModelAdapter,
  modelAdapter,
  ModelBatch,
  modelStatistics,
  ModelTrainer,
  modelWeights,
  OutputLoss,
  OutputLossName,
  Schedule,
  StepOptions,
  runEntryPoint,
  Trainer,
  TrainerOptions,
  Transform,
  Tree,
  treeClone,
  treeDispose,
} from '@basin/core';
import { checkFn, checkRows, describeGot, optionsRecord } from './checks';

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
 * Options of an `FgeTrainer` over a `tf.LayersModel`: `model` is `modelAdapter(model, { loss })`,
 * whose current weights are the start point; the batch is `{ x, y }`.
 */
export interface AdapterFgeTrainerOptions extends FgeScheduleOptions, StepOptions {
  model: ModelAdapter;
  /** Builds the optimizer from the cyclical learning rate, e.g. `(lr) => sgd({ learningRate: lr, momentum: 0.9 })`. */
  transform: (learningRate: Schedule) => Transform<any>;
}

/** One snapshot of a LayersModel: trainable weights and BatchNorm statistics, in model order. */
export interface ModelSnapshot {
  weights: tf.Tensor[];
  statistics: tf.Tensor[];
}

/**
 * Fast Geometric Ensembling on a functional loss or a `tf.LayersModel`: trains (core's `Trainer`)
 * with the cyclical learning rate from a trained start point and keeps a snapshot at each cycle's
 * low point: a copy of the params, or for a model (`{ model: modelAdapter(model, { loss }) }`) a
 * `ModelSnapshot` of its weights and statistics. Predict with
 * `ensembleAverage(snapshots.map((p) => predict(p, x)))` (`ModelFgeTrainer.predict` does it for a
 * model). For a model the loss it minimises and reports includes the model's own losses, such as
 * weight regularizers, as `model.fit`.
 */
export class FgeTrainer<B extends Tree = Tree> {
  /** The snapshots: params trees, or `ModelSnapshot`s for a model. */
  readonly snapshots: Tree[] = [];
  /** The trainer it runs (over the model adapter, for a model). */
  readonly trainer: Trainer<B>;
  private readonly cycleSteps: number;

  private disposed = false;

  constructor(options: FgeTrainerOptions<B> | AdapterFgeTrainerOptions) {
    const owner = 'FgeTrainer';
    this.trainer = runEntryPoint(owner, () => {
      checkSchedule(owner, options);
      const { transform, high, low, cycleSteps, ...rest } = options;
      const built = makeTransform(owner, transform, fgeLearningRate({ high, low, cycleSteps }));
      return new Trainer<B>({ ...rest, transform: built } as TrainerOptions<B>);
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
      if (isFgeSnapshotStep(index, this.cycleSteps)) this.snapshots.push(this.snapshot());
      return loss;
    });
  }

  private snapshot(): Tree {
    const adapter = this.trainer.model;
    if (adapter === undefined) return treeClone(this.trainer.params);
    const snapshot: ModelSnapshot = { weights: modelWeights(adapter.model), statistics: modelStatistics(adapter.model) };
    return snapshot as unknown as Tree;
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

/**
 * Fast Geometric Ensembling for a `tf.LayersModel`: a name for `FgeTrainer` over
 * `modelAdapter(model, { loss })`, with `trainOnBatch(x, y)` and `predict(x)`, which averages the
 * snapshots' outputs, each with its own statistics. The loss it minimises and reports includes the
 * model's own losses, such as weight regularizers, as `model.fit`.
 */
export class ModelFgeTrainer {
  /** The model-shaped view of the trainer the FGE trainer runs. */
  readonly trainer: ModelTrainer;
  private readonly fge: FgeTrainer<ModelBatch>;
  private readonly model: LayersModelLike;

  private disposed = false;

  constructor(model: LayersModelLike, options: ModelFgeTrainerOptions) {
    const owner = 'ModelFgeTrainer';
    this.fge = runEntryPoint(owner, () => {
      checkModel(owner, model);
      checkSchedule(owner, options);
      const { loss, ...rest } = options;
      return new FgeTrainer<ModelBatch>({ ...rest, model: modelAdapter(model, { loss }) });
    });
    this.trainer = ModelTrainer.over(this.fge.trainer);
    this.model = model;
  }

  /** Snapshots of the weights and statistics at each cycle's low point, in model order. */
  get snapshots(): ModelSnapshot[] {
    return this.fge.snapshots as unknown as ModelSnapshot[];
  }

  /** One step on a batch; snapshots after a low-point step. Returns the loss before the step. */
  trainOnBatch(x: tf.Tensor, y: tf.Tensor): number {
    return runEntryPoint('ModelFgeTrainer.trainOnBatch', () => {
      if (this.disposed) throw new BasinError('ModelFgeTrainer.trainOnBatch: the trainer was disposed');
      return this.fge.step({ x, y });
    });
  }

  /**
   * Mini-batch training over `x`, `y` for some epochs (`trainOnBatch` on each batch, so snapshots
   * are taken as they fall due); returns each epoch's mean loss. `onBatchEnd` and `onEpochEnd`
   * report progress, as in `ModelTrainer.fit`.
   */
  fit(x: tf.Tensor, y: tf.Tensor, options: FitOptions = {}): Promise<number[]> {
    const owner = 'ModelFgeTrainer.fit';
    return runEntryPoint(owner, () => {
      if (this.disposed) throw new BasinError(`${owner}: the trainer was disposed`);
      checkModelBatch(owner, this.model, { x, y });
      return fitEpochs(owner, x, y, (xb, yb) => this.trainOnBatch(xb, yb), options);
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
      const adapter = this.fge.trainer.model as ModelAdapter;
      const outputs: tf.Tensor[] = [];
      try {
        for (const s of this.snapshots) {
          const out = adapter.withWeights(s.weights, s.statistics, () => this.model.apply(x, { training: false }));
          if (!(out instanceof tf.Tensor)) throw new BasinError(`${owner}: the model must have a single output tensor`);
          outputs.push(out);
        }
        return ensembleAverage(outputs);
      } finally {
        tf.dispose(outputs);
      }
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.fge.dispose();
  }
}
