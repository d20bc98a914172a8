// Runs every chosen optimizer side by side: one params/state pair per racer, stepped with
// @basin/core's `step` (which hands the SAM family its gradFn). Old tensors are disposed
// each step, so tf.memory().numTensors stays flat while the race runs.
import * as tf from '@tensorflow/tfjs';
import { step, treeDispose, type Transform, type Tree } from '@basin/core';
import { initMlp, mlpLoss, moons } from './mlp';
import type { OptimizerSpec } from './optimizers';
import { SURFACE_BATCH, surfaceLoss, type Surface } from './surfaces';

export interface Racer {
  spec: OptimizerSpec;
  transform: Transform<unknown>;
  params: Tree;
  state: unknown;
  /** Points visited (surface race) or losses (MLP race). */
  path: [number, number][];
  losses: number[];
  error?: string;
}

type Loss = (params: Tree, batch: Tree) => tf.Scalar;

abstract class Race {
  racers: Racer[] = [];
  steps = 0;
  protected abstract loss: Loss;
  protected abstract batch: Tree;
  protected abstract initialParams(): Tree;
  protected abstract record(r: Racer, loss: number): void;

  constructor(specs: { spec: OptimizerSpec; transform: Transform<unknown> }[]) {
    this.setup(specs);
  }

  protected setup(specs: { spec: OptimizerSpec; transform: Transform<unknown> }[]): void {
    for (const { spec, transform } of specs) {
      const params = this.initialParams();
      this.racers.push({ spec, transform, params, state: transform.init(params), path: [], losses: [] });
    }
  }

  /** One step for every racer; a racer that fails (NaN, bad options) stops with its message. */
  stepAll(): void {
    for (const r of this.racers) {
      if (r.error) continue;
      try {
        const next = step(r.transform, this.loss, r.params, r.state, this.batch);
        const loss = next.loss.dataSync()[0];
        next.loss.dispose();
        treeDispose(r.params);
        treeDispose(r.state);
        r.params = next.params;
        r.state = next.state;
        this.record(r, loss);
      } catch (e) {
        r.error = (e as Error).message;
      }
    }
    this.steps++;
  }

  dispose(): void {
    for (const r of this.racers) treeDispose([r.params, r.state]);
    treeDispose(this.batch);
    this.racers = [];
  }
}

export class SurfaceRace extends Race {
  protected loss: Loss;
  protected batch: Tree;
  constructor(readonly surface: Surface, readonly start: [number, number], specs: { spec: OptimizerSpec; transform: Transform<unknown> }[]) {
    super([]);
    this.loss = surfaceLoss(surface);
    this.batch = tf.tensor2d(SURFACE_BATCH);
    this.setup(specs);
    for (const r of this.racers) r.path.push([...start]);
  }
  protected initialParams(): Tree {
    return { xy: tf.tensor2d([this.start], [1, 2]) };
  }
  protected record(r: Racer, loss: number): void {
    const xy = (r.params as { xy: tf.Tensor }).xy.dataSync();
    r.path.push([xy[0], xy[1]]);
    r.losses.push(loss);
  }
}

export class MlpRace extends Race {
  protected loss: Loss = mlpLoss as Loss;
  protected batch: Tree;
  constructor(specs: { spec: OptimizerSpec; transform: Transform<unknown> }[]) {
    super([]);
    this.batch = moons() as unknown as Tree;
    this.setup(specs);
  }
  protected initialParams(): Tree {
    return initMlp();
  }
  protected record(r: Racer, loss: number): void {
    r.losses.push(loss);
  }
}
