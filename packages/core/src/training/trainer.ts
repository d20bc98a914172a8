import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { BasinError } from '../errors';
import { runEntryPoint } from '../entry/entry-point';
import { checkFunction, checkTransform } from '../validate';
import { assertSameStructure, describePath, describeValue, Tree, treeClone, treeDispose, treeLeaves } from '../tree';
import { stateMismatch } from '../entry/state-structure';
import { decodeTree, encodeTree, EncodedTree, renameEncodedKeys, restoreCheckpoint, saveCheckpoint, TrainingCheckpoint } from '../checkpoint';
import { isModelAdapter, ModelAdapter } from '../model/model-adapter';
import { step, stepFromGradients, StepOptions, StepResult } from './step';
import type { LossFn } from './value-and-grad';

export interface TrainerOptions<B> extends StepOptions {
  transform: Transform<any>;
  loss: LossFn<B>;
  /** Initial params; the trainer copies them, so the caller keeps ownership of these. */
  params: Tree;
}

/** Options of a `Trainer` over a model: the model holds the params, the adapter gives the loss. */
export interface AdapterTrainerOptions extends StepOptions {
  transform: Transform<any>;
  /** The model in functional form: `modelAdapter(model, { loss })`. */
  model: ModelAdapter;
}

/**
 * Trains a functional model or a `tf.LayersModel`: holds the optimizer state, runs one step of the
 * transform on each batch and disposes what each step replaces, so memory stays flat however
 * long it runs.
 *
 *     const trainer = new Trainer({ transform: adam({ learningRate: 1e-3 }), loss, params });
 *     for (const batch of batches) trainer.step(batch);
 *
 * With `{ model: modelAdapter(model, { loss }) }` the params are the model's trainable weights
 * `{ [weight name]: tensor }` and each step writes the new values into the model (by name); the
 * batch is `{ x, y }`. The objective includes the model's own losses (regularizers, `addLoss`).
 * Each step's clean pass moves the model's statistics (BatchNormalization) once; the passes a
 * transform asks for through `extras.gradFn` (SAM's perturbed weights, m-SAM's microbatches)
 * leave them alone, and a step that fails puts them back. `save` also stores the statistics.
 * `ModelTrainer` is this trainer with `trainOnBatch(x, y)` and `fit(x, y)`.
 */
export class Trainer<B extends Tree = Tree> {
  state: unknown;
  steps = 0;
  /** The model adapter this trainer trains (built with `{ model }`); undefined for a functional loss. */
  readonly model: ModelAdapter | undefined;
  private ownParams: Tree | undefined;
  private readonly transform: Transform<any>;
  private readonly loss: LossFn<B> | undefined;
  private readonly stepOptions: StepOptions;

  constructor(options: TrainerOptions<B> | AdapterTrainerOptions) {
    const { transform, loss, params, model, ...stepOptions } = runEntryPoint('Trainer', () => {
      if (typeof options !== 'object' || options === null) throw new BasinError(`options must be { transform, loss, params } or { transform, model }, got ${String(options)}`);
      checkTransform('Trainer', 'transform', options.transform);
      const o = options as Partial<TrainerOptions<B> & AdapterTrainerOptions>;
      if (o.model !== undefined) {
        if (!isModelAdapter(o.model)) throw new BasinError(`model must be a model adapter, modelAdapter(model, { loss }) (for a tf.LayersModel), got ${describeValue(o.model)}`);
        if (o.loss !== undefined || o.params !== undefined) throw new BasinError('give either { loss, params } (a functional loss) or { model } (a model adapter, which holds both), not both');
        return o;
      }
      checkFunction('Trainer', 'loss', o.loss);
      if (o.params === undefined || o.params === null) throw new BasinError(`params must be a tree of tensors, got ${o.params}`);
      for (const { path, leaf } of treeLeaves(o.params, undefined, 'params')) {
        if (leaf.isDisposed) throw new BasinError(`params at ${describePath(path)} is a disposed tensor`);
        if (leaf.dtype !== 'float32') throw new BasinError(`params at ${describePath(path)} has dtype ${leaf.dtype}; expected float32 (cast it with tf.cast(x, 'float32'))`);
      }
      return o;
    });
    this.transform = transform as Transform<any>;
    this.loss = loss;
    this.model = model;
    this.stepOptions = stepOptions;
    this.ownParams = model === undefined ? treeClone(params as Tree) : undefined;
    try {
      this.state = runEntryPoint('Trainer', () => this.transform.init(this.params));
    } catch (e) {
      treeDispose(this.ownParams);
      throw e;
    }
  }

  /**
   * The current params: the trainer's own copy for a functional loss; for a model, the model's
   * trainable weights `{ [weight name]: tensor }` (its own variables: do not dispose them).
   */
  get params(): Tree {
    return this.model === undefined ? (this.ownParams as Tree) : this.model.params();
  }

  /** Replaces the params (a model's are written into it, by name). */
  set params(value: Tree) {
    if (this.model === undefined) this.ownParams = value;
    else this.model.write(value);
  }

  /** One step on `batch` (for a model, `{ x, y }`); returns the loss before the step. */
  step(batch: B): number {
    return runEntryPoint('Trainer.step', () => {
      const result = this.model === undefined ? step(this.transform, this.loss as LossFn<B>, this.ownParams as Tree, this.state, batch, this.stepOptions) : this.stepModel(this.model, batch);
      if (this.model === undefined) {
        treeDispose(this.ownParams);
        this.ownParams = result.params;
      } else {
        // By name, not by position: the tree's leaf order need not be the model's weight order.
        this.model.write(result.params);
        treeDispose(result.params);
      }
      treeDispose(this.state);
      this.state = result.state;
      this.steps += 1;
      return readScalar(result.loss);
    });
  }

  /**
   * A model's step: the clean training pass at the current weights (which moves the statistics
   * once) gives the loss and gradients, then the transform's update with `extras.gradFn` (the
   * adapter's passes at other weights, which leave the statistics alone). If anything fails, the
   * statistics go back to what they were; weights and state are not touched until it succeeded.
   */
  private stepModel(adapter: ModelAdapter, batch: B): StepResult<unknown> {
    const b = adapter.checkBatch(batch, 'Trainer.step');
    return adapter.restoringStatisticsOnError(() => {
      const first = adapter.trainingGradients(b);
      return stepFromGradients(this.transform, first, adapter.gradFn(b), adapter.params(), this.state, { ...this.stepOptions, batchSize: b.x.shape[0] });
    });
  }

  /**
   * A JSON-friendly snapshot of params, state and step count (see `saveCheckpoint`). For a model it
   * also holds the non-trainable weights as `buffers` (BatchNorm moving statistics, so a restored
   * model also predicts the same in inference mode).
   */
  save(): TrainingCheckpoint {
    return runEntryPoint('Trainer.save', () => {
      const checkpoint = saveCheckpoint({ params: this.params, state: this.state, steps: this.steps });
      if (this.model === undefined) return checkpoint;
      const buffers = Object.fromEntries(this.model.model.nonTrainableWeights.map((w) => [w.name, w.read()]));
      return { ...checkpoint, buffers: encodeTree(buffers, 'buffers') };
    });
  }

  /**
   * Replaces params and state by those of a checkpoint; the run continues the same trajectory.
   * For a model the weights (and saved statistics) are written into it. TF.js gives weights
   * process-unique names (`dense_Dense3/kernel`), so a checkpoint from another model of the same
   * architecture is matched by weight order, and shapes are checked.
   */
  restore(checkpoint: TrainingCheckpoint): void {
    runEntryPoint('Trainer.restore', () => {
      if (this.model !== undefined) {
        this.restoreModel(this.model, checkpoint);
        return;
      }
      const { params, state, steps } = this.restored(checkpoint, this.params);
      treeDispose(this.ownParams);
      treeDispose(this.state);
      this.ownParams = params;
      this.state = state;
      this.steps = steps;
    });
  }

  /** The checkpoint's params and state, checked against `like` and this trainer's transform. */
  private restored(checkpoint: TrainingCheckpoint, like: Tree): { params: Tree; state: unknown; steps: number } {
    const restored = restoreCheckpoint(checkpoint, like);
    const mismatch = stateMismatch(this.transform, restored.params, restored.state);
    if (mismatch) {
      treeDispose([restored.params, restored.state]);
      throw new BasinError(`the checkpoint's optimizer state does not fit this trainer's transform${this.transform.name ? ` (${this.transform.name})` : ''}: ${mismatch}`);
    }
    return restored;
  }

  private restoreModel(adapter: ModelAdapter, checkpoint: TrainingCheckpoint): void {
    const model = adapter.model;
    const byPosition = (saved: EncodedTree | undefined, current: string[]): Map<string, string> => {
      const names = saved && typeof saved === 'object' && !Array.isArray(saved) ? Object.keys(saved) : [];
      const same = names.length === current.length && names.every((n, i) => n === current[i]);
      return same || names.length !== current.length ? new Map() : new Map(names.map((n, i) => [n, current[i]]));
    };
    const weightNames = byPosition(checkpoint?.params, adapter.names);
    const statNames = byPosition(checkpoint?.buffers, model.nonTrainableWeights.map((w) => w.name));
    const renamed: TrainingCheckpoint = weightNames.size === 0 ? checkpoint : {
      ...checkpoint,
      params: renameEncodedKeys(checkpoint.params, weightNames),
      state: renameEncodedKeys(checkpoint.state, weightNames),
    };
    const { params, state, steps } = this.restored(renamed, adapter.params());
    let buffers: Record<string, tf.Tensor> | undefined;
    if (checkpoint.buffers !== undefined) {
      buffers = decodeTree(renameEncodedKeys(checkpoint.buffers, statNames), 'buffers') as Record<string, tf.Tensor>;
      const like = Object.fromEntries(model.nonTrainableWeights.map((w) => [w.name, w.read()]));
      try {
        assertSameStructure(like, buffers, ['model non-trainable weights', 'checkpoint buffers']);
      } catch (e) {
        treeDispose([params, state, buffers]);
        throw new BasinError(`restore: ${(e as Error).message}`);
      }
    }
    model.trainableWeights.forEach((w) => w.write((params as Record<string, tf.Tensor>)[w.name]));
    model.nonTrainableWeights.forEach((w) => buffers && w.write(buffers[w.name]));
    treeDispose([params, buffers]);
    treeDispose(this.state);
    this.state = state;
    this.steps = steps;
  }

  /** Frees the optimizer state and, for a functional loss, the params (a model's weights stay). */
  dispose(): void {
    treeDispose(this.ownParams);
    treeDispose(this.state);
  }
}

/** Reads and disposes a scalar. */
export function readScalar(x: tf.Scalar): number {
  const v = x.dataSync()[0];
  x.dispose();
  return v;
}
