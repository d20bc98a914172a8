import {
  BasinError,
  checkNumber,
  checkTransform,
  LossFn,
  mulberry32,
  readScalar,
  makeGradFn,
  runEntryPoint,
  StepOptions,
  Transform,
  Tree,
  treeClone,
  treeDispose,
} from '@basin/core';
import { checkCurve, Curve, CurveParams } from './curve';
import { curveGradFn } from './curve-grad-fn';
import { stepWithGradFn } from '@basin/core';
import { checkFn, optionsRecord } from './checks';

export interface CurveTrainerOptions<B> extends StepOptions {
  curve: Curve;
  /** The model's loss as a function of its weights tree and a batch. */
  loss: LossFn<B>;
  /** Any Basin transform (sgd, adam, sam(...)...). */
  transform: Transform<any>;
  /** Weight decay on the point at t (see `curveLoss`). Default 0. */
  weightDecay?: number;
  /** Seed of the generator that draws t for each batch (default 0), for reproducible runs. */
  seed?: number;
  /** Initial curve params (copied); default `curve.init()`, the bends on the straight line. */
  params?: CurveParams;
}

/**
 * Trains a curve on a functional loss: each batch draws one `t ~ U(0, 1)` and takes a step on
 * `loss(theta(t), batch)` (the same step as core's `step` on `curveLoss`), which minimises `E_t[loss(theta(t))]` stochastically
 * (Garipov et al. 2018, eq. 5). Disposes what each step replaces, so memory stays flat.
 */
export class CurveTrainer<B extends Tree = Tree> {
  readonly curve: Curve;
  params: CurveParams;
  state: unknown;
  steps = 0;
  /** The t of the last step. */
  lastT = NaN;
  private readonly transform: Transform<any>;
  private readonly loss: LossFn<B>;
  private readonly weightDecay: number;
  private readonly random: () => number;
  private readonly stepOptions: StepOptions;

  private disposed = false;

  constructor(options: CurveTrainerOptions<B>) {
    const owner = 'CurveTrainer';
    const { curve, loss, transform, weightDecay = 0, seed = 0, params, ...stepOptions } = runEntryPoint(owner, () => {
      const o = optionsRecord(owner, options, '{ curve, loss, transform }', true);
      checkCurve(owner, o.curve);
      checkFn(owner, 'loss', o.loss, 'a function (weights, batch) => tf.Scalar');
      checkTransform(owner, 'transform', o.transform);
      checkNumber(owner, 'weightDecay', o.weightDecay ?? 0, { min: 0 });
      checkNumber(owner, 'seed', o.seed ?? 0, { integer: true });
      if (o.params !== undefined) o.curve.checkParams(o.params, 'params');
      return o;
    });
    this.curve = curve;
    this.loss = loss;
    this.transform = transform;
    this.weightDecay = weightDecay;
    this.random = mulberry32(seed);
    this.stepOptions = stepOptions;
    this.params = runEntryPoint(owner, () => (params === undefined ? curve.init() : (treeClone(params) as CurveParams)));
    try {
      this.state = runEntryPoint(owner, () => transform.init(this.params));
    } catch (e) {
      treeDispose(this.params);
      throw e;
    }
  }

  /** One step on `batch` at a freshly drawn t; returns the loss before the step. */
  step(batch: B): number {
    return runEntryPoint('CurveTrainer.step', () => this.stepAtChecked('CurveTrainer.step', batch, this.random()));
  }

  /** One step at a given t in [0, 1] (tests, or a schedule of your own). */
  stepAt(batch: B, t: number): number {
    return runEntryPoint('CurveTrainer.stepAt', () => {
      checkNumber('CurveTrainer.stepAt', 't', t, { min: 0, max: 1 });
      return this.stepAtChecked('CurveTrainer.stepAt', batch, t);
    });
  }

  private stepAtChecked(owner: string, batch: B, t: number): number {
    if (this.disposed) throw new BasinError(`${owner}: the trainer was disposed`);
    if (batch === undefined) throw new BasinError(`${owner}: batch is undefined; pass the batch the loss takes`);
    // Gradients by the chain rule at the point (see curveGradFn); equal to differentiating
    // curveLoss, with fewer ops. SAM-style transforms get a gradFn at the same t and batch.
    // A failing step leaves params and state as they were (core's step contract).
    const gradFn = curveGradFn(this.curve, t, makeGradFn(this.loss, batch), this.weightDecay);
    const result = stepWithGradFn(this.transform, gradFn, this.params, this.state, this.stepOptions);
    treeDispose(this.params);
    treeDispose(this.state);
    this.params = result.params as CurveParams;
    this.state = result.state;
    this.steps += 1;
    this.lastT = t;
    return readScalar(result.loss);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    treeDispose(this.params);
    treeDispose(this.state);
  }
}
