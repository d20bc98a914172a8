import type * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { BasinError } from '../errors';
import { runEntryPoint } from '../entry/entry-point';
import { checkFunction, checkTransform } from '../validate';
import { describePath, Tree, treeClone, treeDispose, treeLeaves } from '../tree';
import { stateMismatch } from '../entry/state-structure';
import { restoreCheckpoint, saveCheckpoint, TrainingCheckpoint } from '../checkpoint';
import { step, StepOptions } from './step';
import type { LossFn } from './value-and-grad';

export interface TrainerOptions<B> extends StepOptions {
  transform: Transform<any>;
  loss: LossFn<B>;
  /** Initial params; the trainer copies them, so the caller keeps ownership of these. */
  params: Tree;
}

/**
 * Trains a functional model: holds the params and optimizer state, runs `step` on each batch
 * and disposes what each step replaces, so memory stays flat however long it runs.
 *
 *     const trainer = new Trainer({ transform: adam({ learningRate: 1e-3 }), loss, params });
 *     for (const batch of batches) trainer.step(batch);
 */
export class Trainer<B extends Tree = Tree> {
  params: Tree;
  state: unknown;
  steps = 0;
  private readonly transform: Transform<any>;
  private readonly loss: LossFn<B>;
  private readonly stepOptions: StepOptions;

  constructor(options: TrainerOptions<B>) {
    const { transform, loss, params, ...stepOptions } = runEntryPoint('Trainer', () => {
      if (typeof options !== 'object' || options === null) throw new BasinError(`options must be { transform, loss, params }, got ${String(options)}`);
      checkTransform('Trainer', 'transform', options.transform);
      checkFunction('Trainer', 'loss', options.loss);
      if (options.params === undefined || options.params === null) throw new BasinError(`params must be a tree of tensors, got ${options.params}`);
      for (const { path, leaf } of treeLeaves(options.params, undefined, 'params')) {
        if (leaf.isDisposed) throw new BasinError(`params at ${describePath(path)} is a disposed tensor`);
        if (leaf.dtype !== 'float32') throw new BasinError(`params at ${describePath(path)} has dtype ${leaf.dtype}; expected float32 (cast it with tf.cast(x, 'float32'))`);
      }
      return options;
    });
    this.transform = transform;
    this.loss = loss;
    this.stepOptions = stepOptions;
    this.params = treeClone(params);
    try {
      this.state = runEntryPoint('Trainer', () => transform.init(this.params));
    } catch (e) {
      treeDispose(this.params);
      throw e;
    }
  }

  /** One step on `batch`; returns the loss before the step. */
  step(batch: B): number {
    const result = runEntryPoint('Trainer.step', () => step(this.transform, this.loss, this.params, this.state, batch, this.stepOptions));
    treeDispose(this.params);
    treeDispose(this.state);
    this.params = result.params;
    this.state = result.state;
    this.steps += 1;
    return readScalar(result.loss);
  }

  /** A JSON-friendly snapshot of params, state and step count (see `saveCheckpoint`). */
  save(): TrainingCheckpoint {
    return runEntryPoint('Trainer.save', () => saveCheckpoint({ params: this.params, state: this.state, steps: this.steps }));
  }

  /** Replaces params and state by those of a checkpoint; the run continues the same trajectory. */
  restore(checkpoint: TrainingCheckpoint): void {
    const { params, state, steps } = runEntryPoint('Trainer.restore', () => {
      const restored = restoreCheckpoint(checkpoint, this.params);
      const mismatch = stateMismatch(this.transform, restored.params, restored.state);
      if (mismatch) {
        treeDispose([restored.params, restored.state]);
        throw new BasinError(`the checkpoint's optimizer state does not fit this trainer's transform${this.transform.name ? ` (${this.transform.name})` : ''}: ${mismatch}`);
      }
      return restored;
    });
    treeDispose(this.params);
    treeDispose(this.state);
    this.params = params;
    this.state = state;
    this.steps = steps;
  }

  dispose(): void {
    treeDispose(this.params);
    treeDispose(this.state);
  }
}

/** Reads and disposes a scalar. */
export function readScalar(x: tf.Scalar): number {
  const v = x.dataSync()[0];
  x.dispose();
  return v;
}
