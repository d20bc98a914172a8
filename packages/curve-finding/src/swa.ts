import * as tf from '@tensorflow/tfjs-core';
import {
  BasinError,
  checkModel,
  checkModelBatch,
  checkNumber,
  checkTransform,
  entryPoint,
  FitOptions,
  fitEpochs,
  LayersModelLike,
  LossFn,
  ModelAdapter,
  modelAdapter,
  ModelBatch,
  ModelTrainer,
  OutputLoss,
  OutputLossName,
  runEntryPoint,
  Schedule,
  StepOptions,
  Trainer,
  TrainerOptions,
  Transform,
  Tree,
  treeClone,
  treeDispose,
  treeMap,
} from '@basin/core';
import { batchNormLayers, ModelWithLayers } from './model-evaluator';

// Stochastic Weight Averaging (Izmailov, Podoprikhin, Garipov, Vetrov & Wilson 2018, "Averaging
// Weights Leads to Wider Optima and Better Generalization"), beside Fast Geometric Ensembling
// (fge.ts): instead of ensembling the snapshots' predictions, average their weights and
// recompute the BatchNorm statistics at the average.

export interface SwaScheduleOptions {
  /** Learning rate at the start of each cycle, `alpha_1`. */
  high: number;
  /** Learning rate at the end of each cycle, where the weights are averaged, `alpha_2`. */
  low: number;
  /** Steps per cycle, `c` (an integer >= 1; 1 gives the constant rate `low`). */
  cycleSteps: number;
}

/**
 * SWA's cyclical learning rate (Izmailov et al. 2018, eq. 2): for step `i = step + 1` (1-based),
 * `t(i) = (((i - 1) mod c) + 1) / c` and `alpha(i) = (1 - t(i)) alpha_1 + t(i) alpha_2`: it falls
 * linearly within each cycle and reaches `low` on the cycle's last step, where SWA samples the
 * weights (`every: cycleSteps`). With `cycleSteps: 1` it is the constant `low`.
 */
export const swaLearningRate = entryPoint('swaLearningRate', function swaLearningRate(options: SwaScheduleOptions): Schedule {
  if (typeof options !== 'object' || options === null) throw new BasinError(`swaLearningRate: options must be { high, low, cycleSteps }, got ${String(options)}`);
  const high = checkNumber('swaLearningRate', 'high', options.high, { min: 0 });
  const low = checkNumber('swaLearningRate', 'low', options.low, { min: 0 });
  const c = checkNumber('swaLearningRate', 'cycleSteps', options.cycleSteps, { min: 1, integer: true });
  return (step: number) => {
    const t = ((Math.max(step, 0) % c) + 1) / c;
    return (1 - t) * high + t * low;
  };
});

export interface SwaAveragingOptions {
  /** The weights after step n (1-based) join the average once `n >= start`. Default 0. */
  start?: number;
  /** ... and when n is a multiple of `every` (`c` in the paper: the cycle length). Default 1. */
  every?: number;
}

function checkAveraging(owner: string, { start = 0, every = 1 }: SwaAveragingOptions): Required<SwaAveragingOptions> {
  return { start: checkNumber(owner, 'start', start, { min: 0, integer: true }), every: checkNumber(owner, 'every', every, { min: 1, integer: true }) };
}

/** Whether the weights after `steps` steps (a count, 1-based) join the SWA average. */
export function isSwaSampleStep(steps: number, options: SwaAveragingOptions = {}): boolean {
  const { start, every } = checkAveraging('isSwaSampleStep', options);
  return steps >= start && steps % every === 0;
}

/** `average + (x - average) / (n + 1)`, leaf by leaf (the running mean of Algorithm 1); new tensors. */
function runningMean(average: Tree | undefined, x: Tree, n: number): Tree {
  if (average === undefined) return treeClone(x);
  return treeMap((a, w) => tf.tidy(() => tf.add(a, tf.div(tf.sub(w, a), n + 1))), average, x);
}

export interface SwaTrainerOptions<B> extends SwaAveragingOptions, StepOptions {
  loss: LossFn<B>;
  /** Start point, usually a pretrained model (copied). */
  params: Tree;
  /** The optimizer, e.g. `sgd({ learningRate: swaLearningRate({ high: 0.05, low: 0.01, cycleSteps: 100 }), momentum: 0.9 })`. */
  transform: Transform<any>;
}

/**
 * Options of a `SwaTrainer` over a `tf.LayersModel`: `model` is `modelAdapter(model, { loss })`,
 * whose current weights are the start point; the batch is `{ x, y }`.
 */
export interface AdapterSwaTrainerOptions extends SwaAveragingOptions, StepOptions {
  model: ModelAdapter;
  /** The optimizer, e.g. `sgd({ learningRate: swaLearningRate({ high: 0.05, low: 0.01, cycleSteps: 100 }), momentum: 0.9 })`. */
  transform: Transform<any>;
}

/**
 * SWA on a functional loss or a `tf.LayersModel`: trains (core's `Trainer`) with `transform` and
 * keeps the running mean of the params sampled after step n when `n >= start` and n is a multiple
 * of `every`. `average()` gives a copy of it to evaluate (for a model, a record keyed by weight
 * name; write it in with `model.write(average)` and refresh the BatchNorm statistics with
 * `refreshBatchNorm`, as `ModelSwaTrainer.applyAverage` does).
 */
export class SwaTrainer<B extends Tree = Tree> {
  /** Weight sets averaged so far. */
  samples = 0;
  /** The trainer it runs (over the model adapter, for a model). */
  readonly trainer: Trainer<B>;
  private mean: Tree | undefined;
  private readonly averaging: Required<SwaAveragingOptions>;

  constructor(options: SwaTrainerOptions<B> | AdapterSwaTrainerOptions) {
    const owner = 'SwaTrainer';
    const { trainer, averaging } = runEntryPoint(owner, () => {
      if (typeof options !== 'object' || options === null) throw new BasinError(`${owner}: options must be { loss, params, transform } or { model, transform }, got ${String(options)}`);
      const { transform, start, every, ...rest } = options;
      const checked = checkAveraging(owner, { start, every });
      checkTransform(owner, 'transform', transform);
      return { averaging: checked, trainer: new Trainer<B>({ ...rest, transform } as TrainerOptions<B>) };
    });
    this.averaging = averaging;
    this.trainer = trainer;
  }

  get params(): Tree {
    return this.trainer.params;
  }

  get steps(): number {
    return this.trainer.steps;
  }

  /** One step; returns the loss before it. Adds the new params to the average when due. */
  step(batch: B): number {
    return runEntryPoint('SwaTrainer.step', () => {
      const loss = this.trainer.step(batch);
      if (isSwaSampleStep(this.trainer.steps, this.averaging)) {
        const next = runningMean(this.mean, this.trainer.params, this.samples);
        treeDispose(this.mean);
        this.mean = next;
        this.samples += 1;
      }
      return loss;
    });
  }

  /** A copy of the averaged params (the caller owns it). */
  average(): Tree {
    return runEntryPoint('SwaTrainer.average', () => {
      if (this.mean === undefined) throw new BasinError(`SwaTrainer.average: no params averaged yet (${this.steps} steps; averaging starts at step ${Math.max(this.averaging.start, this.averaging.every)})`);
      return treeClone(this.mean);
    });
  }

  dispose(): void {
    this.trainer.dispose();
    treeDispose(this.mean);
    this.mean = undefined;
  }
}

/** A BatchNormalization layer as refreshing needs it (tfjs-layers' `BatchNormalization`). */
interface BatchNormLike {
  momentum?: number;
  movingMean?: { read(): tf.Tensor; write(value: tf.Tensor): unknown };
  movingVariance?: { read(): tf.Tensor; write(value: tf.Tensor): unknown };
}

export interface RefreshBatchNormOptions {
  /** Rows per forward pass (default 500). The result does not depend on it. */
  batchSize?: number;
}

/**
 * Recomputes every BatchNormalization layer's moving mean and variance at the model's current
 * weights (the SWA average, once written in) from forward passes over `x`, as SWA's `bn_update`
 * does, so that inference uses statistics of the averaged network rather than stale ones.
 *
 * The result is exact: the mean and the (biased) variance of each layer's input over all rows
 * of `x`, what a single training-mode pass over the whole of `x` would normalise with, whatever
 * `batchSize` is. TF.js updates the moving statistics as `moving - (moving - batch) (1 - momentum)`,
 * so with the statistics zeroed and momentum 0 a training-mode pass leaves exactly that batch's
 * mean and variance in them; the batches are then pooled (Chan et al.'s parallel variance:
 * `M2 = M2_a + M2_b + delta^2 n_a n_b / n`). This differs from `recomputeBatchNorm`, which
 * averages the batch statistics (PyTorch's `momentum=None`): equal for the mean with equal
 * batches, never for the variance across several batches. Layers that behave differently in
 * training (Dropout) run in training mode, as in the reference. Momenta are restored afterwards,
 * and on an error the statistics are put back as they were.
 */
export const refreshBatchNorm = entryPoint('refreshBatchNorm', function refreshBatchNorm(model: ModelWithLayers, x: tf.Tensor, options: RefreshBatchNormOptions = {}): void {
  if (typeof model !== 'object' || model === null || typeof model.apply !== 'function') throw new BasinError(`refreshBatchNorm: model must be a tf.LayersModel, got ${String(model)}`);
  if (!(x instanceof tf.Tensor) || x.isDisposed || x.rank < 1 || x.shape[0] < 1) {
    throw new BasinError(`refreshBatchNorm: x must be a tensor of training inputs with at least one row, got ${x instanceof tf.Tensor ? (x.isDisposed ? 'a disposed tensor' : `shape [${x.shape.join(', ')}]`) : String(x)}`);
  }
  if (typeof options !== 'object' || options === null) throw new BasinError(`refreshBatchNorm: options must be { batchSize }, got ${String(options)}`);
  const batchSize = checkNumber('refreshBatchNorm', 'batchSize', options.batchSize ?? 500, { min: 1, integer: true });
  const layers = batchNormLayers(model) as unknown as BatchNormLike[];
  if (layers.length === 0) return;
  if (layers.some((l) => l.movingMean === undefined || l.movingVariance === undefined)) {
    throw new BasinError('refreshBatchNorm: a BatchNormalization layer has no moving statistics (is the model built?)');
  }
  const stats = layers.map((l) => [l.movingMean!, l.movingVariance!] as const);
  const saved = stats.map(([m, v]) => [tf.clone(m.read()), tf.clone(v.read())]);
  const momenta = layers.map((l) => l.momentum);
  const pooled: { mean: tf.Tensor; m2: tf.Tensor }[] = [];
  let done = false;
  try {
    const rows = x.shape[0];
    let n = 0;
    for (let start = 0; start < rows; start += batchSize) {
      const size = Math.min(batchSize, rows - start);
      stats.forEach(([m, v]) => {
        const zeros = tf.zerosLike(m.read());
        m.write(zeros);
        v.write(zeros);
        zeros.dispose();
      });
      layers.forEach((l) => {
        l.momentum = 0;
      });
      tf.tidy(() => {
        model.apply(tf.slice(x, start, size), { training: true });
      });
      stats.forEach(([m, v], i) => {
        const next = tf.tidy(() => {
          const mb = m.read();
          const m2b = tf.mul(v.read(), size);
          if (n === 0) return { mean: tf.clone(mb), m2: m2b };
          const { mean, m2 } = pooled[i];
          const total = n + size;
          const delta = tf.sub(mb, mean);
          return {
            mean: tf.add(mean, tf.mul(delta, size / total)),
            m2: tf.add(tf.add(m2, m2b), tf.mul(tf.square(delta), (n * size) / total)),
          };
        });
        if (n > 0) tf.dispose([pooled[i].mean, pooled[i].m2]);
        pooled[i] = next;
      });
      n += size;
    }
    stats.forEach(([m, v], i) => {
      m.write(pooled[i].mean);
      const variance = tf.div(pooled[i].m2, n);
      v.write(variance);
      variance.dispose();
    });
    done = true;
  } finally {
    layers.forEach((l, i) => {
      l.momentum = momenta[i];
    });
    if (!done) stats.forEach(([m, v], i) => {
      m.write(saved[i][0]);
      v.write(saved[i][1]);
    });
    tf.dispose(saved.flat());
    pooled.forEach((p) => tf.dispose([p.mean, p.m2]));
  }
});

export interface ModelSwaTrainerOptions extends SwaAveragingOptions, StepOptions {
  loss: OutputLoss | OutputLossName;
  /** The optimizer, e.g. `sgd({ learningRate: swaLearningRate({ high: 0.05, low: 0.01, cycleSteps: 100 }), momentum: 0.9 })`. */
  transform: Transform<any>;
}

/**
 * SWA for a `tf.LayersModel`: a name for `SwaTrainer` over `modelAdapter(model, { loss })` (the
 * running mean of the trainable weights sampled after step n when `n >= start` and n is a
 * multiple of `every`), with `trainOnBatch(x, y)`. At the end, `applyAverage(xTrain)` writes the
 * average into the model and refreshes its BatchNorm statistics there (`refreshBatchNorm`): the
 * SWA model.
 *
 *     const lr = swaLearningRate({ high: 0.05, low: 0.01, cycleSteps: 50 });
 *     const swa = new ModelSwaTrainer(model, { loss: 'categoricalCrossentropy', transform: sgd({ learningRate: lr, momentum: 0.9 }), every: 50 });
 *     for (...) swa.trainOnBatch(x, y);
 *     swa.applyAverage(xTrain); // model now holds the SWA weights and their statistics
 */
export class ModelSwaTrainer {
  /** The model-shaped view of the trainer the SWA trainer runs. */
  readonly trainer: ModelTrainer;
  private readonly swa: SwaTrainer<ModelBatch>;
  private readonly adapter: ModelAdapter;

  constructor(model: LayersModelLike, options: ModelSwaTrainerOptions) {
    const owner = 'ModelSwaTrainer';
    this.swa = runEntryPoint(owner, () => {
      checkModel(owner, model);
      if (typeof options !== 'object' || options === null) throw new BasinError(`${owner}: options must be { loss, transform }, got ${String(options)}`);
      const { loss, ...rest } = options;
      return new SwaTrainer<ModelBatch>({ ...rest, model: modelAdapter(model, { loss }) });
    });
    this.adapter = this.swa.trainer.model as ModelAdapter;
    this.trainer = ModelTrainer.over(this.swa.trainer);
  }

  /** Weight sets averaged so far. */
  get samples(): number {
    return this.swa.samples;
  }

  /** One step on a batch; returns the loss before the step. Adds the new weights to the average when due. */
  trainOnBatch(x: tf.Tensor, y: tf.Tensor): number {
    return runEntryPoint('ModelSwaTrainer.trainOnBatch', () => this.swa.step({ x, y }));
  }

  /**
   * Mini-batch training over `x`, `y` for some epochs (`trainOnBatch` on each batch, so weights
   * join the average as they fall due); returns each epoch's mean loss. `onBatchEnd` and
   * `onEpochEnd` report progress, as in `ModelTrainer.fit`.
   */
  fit(x: tf.Tensor, y: tf.Tensor, options: FitOptions = {}): Promise<number[]> {
    const owner = 'ModelSwaTrainer.fit';
    return runEntryPoint(owner, () => {
      checkModelBatch(owner, this.adapter.model, { x, y });
      return fitEpochs(owner, x, y, (xb, yb) => this.trainOnBatch(xb, yb), options);
    });
  }

  /** Copies of the averaged weights, in `model.trainableWeights` order (the caller owns them). */
  averageWeights(): tf.Tensor[] {
    return runEntryPoint('ModelSwaTrainer.averageWeights', () => {
      if (this.swa.samples === 0) throw new BasinError(`ModelSwaTrainer.averageWeights: no weights averaged yet (${this.trainer.steps} steps)`);
      return this.adapter.leaves(this.swa.average());
    });
  }

  /**
   * Writes the averaged weights into the model and, if it has BatchNormalization layers,
   * recomputes their statistics from `x` (training inputs) at those weights. The training
   * weights are replaced: call it when training is done.
   */
  applyAverage(x?: tf.Tensor, options: RefreshBatchNormOptions = {}): void {
    runEntryPoint('ModelSwaTrainer.applyAverage', () => {
      if (this.swa.samples === 0) throw new BasinError(`ModelSwaTrainer.applyAverage: no weights averaged yet (${this.trainer.steps} steps)`);
      const model = this.adapter.model as ModelWithLayers;
      const hasBatchNorm = batchNormLayers(model).length > 0;
      if (hasBatchNorm && x === undefined) throw new BasinError('ModelSwaTrainer.applyAverage: the model has BatchNormalization layers: pass the training inputs x to recompute their statistics');
      const average = this.swa.average();
      try {
        this.adapter.write(average);
      } finally {
        treeDispose(average);
      }
      if (hasBatchNorm) refreshBatchNorm(model, x!, options);
    });
  }

  dispose(): void {
    this.swa.dispose();
  }
}
