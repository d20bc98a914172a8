import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import { entryPoint, runEntryPoint } from '../entry/entry-point';
import type { GradFn, LossAndGrads, Microbatch } from '../transform';
import { isTensor, Tree } from '../tree';
import { OutputLoss, OutputLossName, resolveOutputLoss } from '../training/losses';
import { addModelLosses, modelRegularizationLoss } from '../training/model-losses';
import { microbatchRange } from '../training/microbatch';
import { disposeSnapshot, restoreVariables, snapshotVariables, VariableSnapshot } from '../training/variable-snapshot';
import { checkModel, checkModelBatch, describeGot, LayersModelLike, LayerVariableLike, ModelBatch } from './layers-model-like';
import { leavesInWeightOrder, treeInWeightLayout } from './model-weights';

const BRAND = Symbol.for('@basin/core.ModelAdapter');

export interface ModelAdapterOptions {
  /** The output loss on `(yTrue, yPred)`: a function, or one of core's names (`'meanSquaredError'`...). */
  loss: OutputLoss | OutputLossName;
  /**
   * Run the layers in training mode (dropout on, BatchNormalization normalising with the batch's
   * statistics and moving its running ones), as `model.fit` does. Default true; the Hessian
   * objective uses false (inference mode, a fixed function of the weights).
   */
  training?: boolean;
}

/** A weight's value as a `tf.Variable` (what a tfjs-layers `LayerVariable.read()` returns). */
function variableOf(owner: string, weight: LayerVariableLike, kind: string): tf.Variable {
  const value = weight.read() as tf.Variable;
  if (!isTensor(value) || typeof (value as { assign?: unknown }).assign !== 'function') {
    throw new BasinError(`${owner}: the ${kind} weight '${weight.name}' must hold a tf.Variable (a tf.LayersModel's LayerVariable.read() returns one), got ${describeGot(value)}`);
  }
  return value;
}

/**
 * The one way in for models: a `tf.LayersModel` in the functional form every Basin tool takes.
 *
 * - **params tree** `{ [weight name]: tensor }` of the trainable weights (`params()`); trees of
 *   the model's weights are matched to the weights BY NAME whatever their key order (or, for
 *   arrays, by position in `model.trainableWeights`, as `modelWeights` gives: the endpoints of a
 *   curve between two instances of one architecture, whose names differ);
 * - **loss and gradient function** at any params and batch `{ x, y }`: `loss`, `valueAndGrad`
 *   (also on one microbatch), `gradFn(batch)` (`extras.gradFn` for the SAM family). The objective
 *   is the output loss plus the model's own losses (weight regularizers, `addLoss` terms; see
 *   `modelRegularizationLoss`), as `model.fit` minimises it. Other params are swapped into the
 *   model and the weights put back afterwards (exactly: the variables get their old data back);
 * - **write-back**: `write(params)` and the statistics (`readStatistics`, `writeStatistics`).
 *
 * Statistics (BatchNormalization's moving mean and variance, any non-trainable weight a training
 * pass assigns) follow `model.fit`: `trainingGradients(batch)`, the clean pass of a step at the
 * current weights, moves them once; every other pass (`loss`, `valueAndGrad`, `gradFn`: SAM's
 * perturbed passes, microbatches) leaves them as they were.
 *
 * `Trainer`, `CurveTrainer`, `FgeTrainer`, `SwaTrainer` (option `model`) and @basin/hessian's
 * `functionObjective` take it; `ModelTrainer`, `ModelCurveTrainer`, `ModelFgeTrainer`,
 * `ModelSwaTrainer` and `modelObjective` are names for those over an adapter.
 *
 *     const problem = modelAdapter(model, { loss: 'categoricalCrossentropy' });
 *     const trainer = new Trainer({ transform: sam(adam({ learningRate: 1e-3 })), model: problem });
 *     trainer.step({ x, y });
 */
export class ModelAdapter {
  readonly model: LayersModelLike;
  /** The output loss on `(yTrue, yPred)`. */
  readonly outputLoss: OutputLoss;
  /** Whether the layers run in training mode. */
  readonly training: boolean;

  constructor(model: LayersModelLike, options: ModelAdapterOptions) {
    const owner = 'modelAdapter';
    const checked = runEntryPoint(owner, () => {
      checkModel(owner, model);
      if (model.trainableWeights.length === 0) throw new BasinError(`${owner}: model has no trainable weights`);
      const names = model.trainableWeights.map((w) => w.name);
      const duplicate = names.find((n, i) => names.indexOf(n) !== i);
      if (duplicate !== undefined) throw new BasinError(`${owner}: two trainable weights are both named '${duplicate}'`);
      const statNames = model.nonTrainableWeights.map((w) => w.name);
      const duplicateStat = statNames.find((n, i) => statNames.indexOf(n) !== i);
      if (duplicateStat !== undefined) throw new BasinError(`${owner}: two non-trainable weights are both named '${duplicateStat}'`);
      model.trainableWeights.forEach((w) => variableOf(owner, w, 'trainable'));
      model.nonTrainableWeights.forEach((w) => variableOf(owner, w, 'non-trainable'));
      if (typeof options !== 'object' || options === null || Array.isArray(options)) {
        throw new BasinError(`${owner}: options must be a record such as { loss: 'meanSquaredError' }, got ${describeGot(options)}`);
      }
      if (options.training !== undefined && typeof options.training !== 'boolean') throw new BasinError(`${owner}: training must be true or false, got ${describeGot(options.training)}`);
      return { loss: resolveOutputLoss(options.loss), training: options.training ?? true };
    });
    this.model = model;
    this.outputLoss = checked.loss;
    this.training = checked.training;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** The trainable weights' names, in `model.trainableWeights` order. */
  get names(): string[] {
    return this.model.trainableWeights.map((w) => w.name);
  }

  /**
   * The trainable weights as a params tree `{ [weight name]: tensor }`, in weight order. These are
   * the model's own variables, not copies: do not dispose them.
   */
  params(): Record<string, tf.Tensor> {
    return Object.fromEntries(this.model.trainableWeights.map((w) => [w.name, w.read()]));
  }

  /**
   * The tensors of a tree of the model's weights in `model.trainableWeights` order: a record keyed
   * by weight name (any key order) or an array in weight order; counts, shapes and dtypes checked.
   */
  leaves(tree: Tree, what = 'params'): tf.Tensor[] {
    return runEntryPoint('ModelAdapter.leaves', () => leavesInWeightOrder(tree, this.model.trainableWeights, 'ModelAdapter.leaves', what));
  }

  /** Writes params (a record by weight name, or an array in weight order) into the model; checked before the first write. */
  write(params: Tree): void {
    runEntryPoint('ModelAdapter.write', () => {
      const values = leavesInWeightOrder(params, this.model.trainableWeights, 'ModelAdapter.write', 'params');
      this.model.trainableWeights.forEach((w, i) => w.write(values[i]));
    });
  }

  /** Copies of the non-trainable weights (BatchNorm moving statistics) `{ [name]: tensor }`; the caller owns them. */
  readStatistics(): Record<string, tf.Tensor> {
    return Object.fromEntries(this.model.nonTrainableWeights.map((w) => [w.name, tf.clone(w.read())]));
  }

  /** Writes statistics (a record by name, as `readStatistics` gives, or an array in order) into the model. */
  writeStatistics(statistics: Tree): void {
    runEntryPoint('ModelAdapter.writeStatistics', () => {
      const weights = this.model.nonTrainableWeights;
      const values = leavesInWeightOrder(statistics, weights, 'ModelAdapter.writeStatistics', 'statistics');
      weights.forEach((w, i) => w.write(values[i]));
    });
  }

  /** The model's own losses (regularizers, `addLoss` terms) at the current weights, or null (see `modelRegularizationLoss`). */
  regularization(): tf.Scalar | null {
    return modelRegularizationLoss(this.model);
  }

  /** Checks a `{ x, y }` batch: tensors with the same rows, `x` of the model's input shape. */
  checkBatch(batch: unknown, owner = 'ModelAdapter'): ModelBatch {
    return checkModelBatch(owner, this.model, batch);
  }

  /**
   * The objective at the current weights on a batch, unchecked: output loss plus the model's
   * losses. Differentiable with respect to the trainable variables (call it inside a tape).
   */
  forward(batch: ModelBatch): tf.Scalar {
    const out = this.model.apply(batch.x, { training: this.training });
    if (!isTensor(out)) throw new BasinError('ModelAdapter: the model must have a single output tensor');
    const loss = this.outputLoss(batch.y, out);
    if (!isTensor(loss) || loss.rank !== 0 || loss.dtype !== 'float32') {
      const got = isTensor(loss) ? `a ${loss.dtype === 'float32' ? '' : `${loss.dtype} `}tensor of shape [${loss.shape.join(', ')}]` : describeGot(loss);
      throw new BasinError(`ModelAdapter: the loss must be a scalar tensor, got ${got} (a float32 scalar is needed)`);
    }
    // Regularizers read the weight variables, so they are differentiated with the output loss
    // (and, at other params, evaluated at the swapped-in weights).
    return addModelLosses(this.model, loss as tf.Scalar);
  }

  /** Loss at `params` (default: the current weights) on a batch; weights and statistics are left as they were. */
  loss(params: Tree | undefined, batch: ModelBatch): tf.Scalar {
    const owner = 'ModelAdapter.loss';
    return runEntryPoint(owner, () => {
      this.checkBatch(batch, owner);
      return this.borrow(owner, params, () => tf.tidy(() => this.forward(batch)));
    });
  }

  /**
   * Loss and gradients at `params` (default: the current weights) on a batch, or on one microbatch
   * of it (`{ index, count }`: consecutive slices of the rows, as core's `microbatchRange`). The
   * gradients come in the layout of `params` (a record, or an array in weight order); the model's
   * weights and statistics are left as they were. The caller owns the results.
   */
  valueAndGrad(params: Tree | undefined, batch: ModelBatch, microbatch?: Microbatch): LossAndGrads {
    const owner = 'ModelAdapter.valueAndGrad';
    return runEntryPoint(owner, () => {
      this.checkBatch(batch, owner);
      let part = batch;
      if (microbatch) {
        const [start, end] = microbatchRange(batch.x.shape[0], microbatch);
        part = { x: tf.slice(batch.x, start, end - start), y: tf.slice(batch.y, start, end - start) };
      }
      try {
        return this.borrow(owner, params, () => {
          const { loss, grads } = this.gradientsHere(part);
          return { loss, grads: params === undefined ? this.byName(grads) : treeInWeightLayout(params, this.model.trainableWeights, grads) };
        });
      } finally {
        if (part !== batch) tf.dispose([part.x, part.y]);
      }
    });
  }

  /** `extras.gradFn` on one batch: `valueAndGrad` at any params, whole batch or a microbatch. */
  gradFn(batch: ModelBatch): GradFn {
    return (params, microbatch) => this.valueAndGrad(params, batch, microbatch);
  }

  /**
   * The clean pass of a training step: loss and gradients `{ [weight name]: gradient }` at the
   * current weights, in which the layers update their statistics once, as one `model.fit` step
   * does. The caller owns the results; on an error the statistics are put back.
   */
  trainingGradients(batch: ModelBatch): LossAndGrads & { grads: Record<string, tf.Tensor> } {
    const owner = 'ModelAdapter.trainingGradients';
    return runEntryPoint(owner, () => {
      this.checkBatch(batch, owner);
      // The forward pass may have moved the statistics before the loss failed.
      return this.restoringStatisticsOnError(() => {
        const { loss, grads } = this.gradientsHere(batch);
        return { loss, grads: this.byName(grads) };
      });
    });
  }

  /** Runs `fn`; if it throws, puts the statistics back as they were before (a failed step moves nothing). */
  restoringStatisticsOnError<R>(fn: () => R): R {
    const stats = snapshotVariables(this.statisticVariables('ModelAdapter'));
    try {
      return fn();
    } catch (e) {
      restoreVariables(stats);
      throw e;
    } finally {
      disposeSnapshot(stats);
    }
  }

  /**
   * Runs `fn` with `params` (and, if given, `statistics`) written into the model, then puts back
   * the weights and statistics that were there, whatever `fn` did.
   */
  withWeights<R>(params: Tree | undefined, statistics: Tree | undefined, fn: () => R): R {
    const owner = 'ModelAdapter.withWeights';
    return runEntryPoint(owner, () => {
      const statWeights = this.model.nonTrainableWeights;
      const values = statistics === undefined ? undefined : leavesInWeightOrder(statistics, statWeights, owner, 'statistics');
      return this.borrow(owner, params, () => {
        values?.forEach((v, i) => statWeights[i].write(v));
        return fn();
      }, true);
    });
  }

  private variables(owner: string): tf.Variable[] {
    return this.model.trainableWeights.map((w) => variableOf(owner, w, 'trainable'));
  }

  private statisticVariables(owner: string): tf.Variable[] {
    return this.model.nonTrainableWeights.map((w) => variableOf(owner, w, 'non-trainable'));
  }

  private byName(tensors: tf.Tensor[]): Record<string, tf.Tensor> {
    return Object.fromEntries(this.model.trainableWeights.map((w, i) => [w.name, tensors[i]]));
  }

  /**
   * Runs `fn` with `params` swapped into the model (everything checked before the first write),
   * then puts the weights back exactly, and the statistics too when the layers run in training
   * mode (or `saveStatistics`). The weight-swap and snapshot code is the one BasinOptimizer uses.
   */
  private borrow<R>(owner: string, params: Tree | undefined, fn: () => R, saveStatistics = this.training): R {
    const vars = this.variables(owner);
    const values = params === undefined ? undefined : leavesInWeightOrder(params, this.model.trainableWeights, owner, 'params');
    const swap = values !== undefined && values.some((v, i) => v !== vars[i]);
    const weights: VariableSnapshot | undefined = swap ? snapshotVariables(vars) : undefined;
    const stats: VariableSnapshot | undefined = saveStatistics ? snapshotVariables(this.statisticVariables(owner)) : undefined;
    try {
      if (swap) this.model.trainableWeights.forEach((w, i) => w.write(values[i]));
      return fn();
    } finally {
      for (const snapshot of [weights, stats]) {
        if (snapshot === undefined) continue;
        restoreVariables(snapshot);
        disposeSnapshot(snapshot);
      }
    }
  }

  /**
   * Loss and gradients with respect to the trainable variables at the current weights (zeros for
   * a weight the loss does not reach), in weight order. Nothing is thrown inside the tape (TF.js
   * would leak what it saved): a failure is recorded and raised once the tape is cleaned up.
   */
  private gradientsHere(batch: ModelBatch): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const vars = this.model.trainableWeights.map((w) => w.read());
    let failure: unknown;
    const f = (): tf.Scalar => {
      try {
        return this.forward(batch);
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
    return { loss: value as tf.Scalar, grads: grads.map((g, i) => g ?? tf.zerosLike(vars[i])) };
  }
}

/** True for a `ModelAdapter` (from this or another build of @basin/core). */
export function isModelAdapter(value: unknown): value is ModelAdapter {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: boolean })[BRAND] === true;
}

/**
 * Makes the `ModelAdapter` of a `tf.LayersModel`: its params tree, loss and gradient function and
 * write-back of weights and statistics, the functional form every Basin tool takes.
 *
 *     const problem = modelAdapter(model, { loss: 'meanSquaredError' });
 *     const { loss, grads } = problem.valueAndGrad(problem.params(), { x, y });
 */
export const modelAdapter = entryPoint('modelAdapter', function modelAdapter(model: LayersModelLike, options: ModelAdapterOptions): ModelAdapter {
  return new ModelAdapter(model, options);
});
