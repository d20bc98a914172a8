import type * as tf from '@tensorflow/tfjs-core';
import {
  BasinError,
  checkNumber,
  checkTransform,
  GradFn,
  isModelAdapter,
  leavesInWeightOrder,
  LossFn,
  ModelAdapter,
  ModelBatch,
  mulberry32,
  readScalar,
  makeGradFn,
  runEntryPoint,
  StepOptions,
  stepWithGradFn,
  Transform,
  Tree,
  treeClone,
  treeDispose,
} from '@basin/core';
import { checkCurve, Curve, CurveParams } from './curve';
import { curveGradFn } from './curve-grad-fn';
import { checkFn, describeGot, optionsRecord } from './checks';

interface CurveTrainingOptions extends StepOptions {
  curve: Curve;
  /** Any Basin transform (sgd, adam, sam(...)...). */
  transform: Transform<any>;
  /** Weight decay on the point at t (see `curveLoss`). Default 0. */
  weightDecay?: number;
  /** Seed of the generator that draws t for each batch (default 0), for reproducible runs. */
  seed?: number;
  /** Initial curve params (copied); default `curve.init()`, the bends on the straight line. */
  params?: CurveParams;
}

export interface CurveTrainerOptions<B> extends CurveTrainingOptions {
  /** The model's loss as a function of its weights tree and a batch. */
  loss: LossFn<B>;
}

/**
 * Options of a `CurveTrainer` over a `tf.LayersModel`: `model` is `modelAdapter(model, { loss })`
 * and the curve runs between two weight sets of that model (arrays in `trainableWeights` order, as
 * `modelWeights` gives, or records keyed by weight name). The batch is `{ x, y }`.
 */
export interface AdapterCurveTrainerOptions extends CurveTrainingOptions {
  model: ModelAdapter;
}

/**
 * Trains a curve on a functional loss or a `tf.LayersModel`: each batch draws one `t ~ U(0, 1)`
 * and takes a step on `loss(theta(t), batch)` (the same step as core's `step` on `curveLoss`),
 * which minimises `E_t[loss(theta(t))]` stochastically (Garipov et al. 2018, eq. 5). Disposes
 * what each step replaces, so memory stays flat.
 *
 * How the gradient is taken (exact, and one forward/backward pass): the point `theta(t)` is
 * computed outside the tape, the gradient `g` of the loss at that point is taken (for a model,
 * through the adapter: the point is swapped into the model's weights, and the objective includes
 * the model's own losses, as `model.fit` minimises), and mapped back by the chain rule,
 * `dL/dtheta_i = c_i(t) g` (`curveGradFn`). A model's weights and BatchNorm statistics are left as
 * they were (the model is only borrowed), and `extras.gradFn` (the SAM family) evaluates other
 * curve params at the same t and batch. `ModelCurveTrainer` is this trainer over a model adapter.
 */
export class CurveTrainer<B extends Tree = Tree> {
  readonly curve: Curve;
  /** The model adapter it trains on (built with `{ model }`); undefined for a functional loss. */
  readonly model: ModelAdapter | undefined;
  params: CurveParams;
  state: unknown;
  steps = 0;
  /** The t of the last step. */
  lastT = NaN;
  private readonly transform: Transform<any>;
  private readonly loss: LossFn<B> | undefined;
  private readonly weightDecay: number;
  private readonly random: () => number;
  private readonly stepOptions: StepOptions;

  private disposed = false;

  constructor(options: CurveTrainerOptions<B> | AdapterCurveTrainerOptions) {
    const owner = 'CurveTrainer';
    const { curve, loss, model, transform, weightDecay = 0, seed = 0, params, ...stepOptions } = runEntryPoint(owner, () => {
      const o = optionsRecord(owner, options as Partial<CurveTrainerOptions<B> & AdapterCurveTrainerOptions>, '{ curve, loss, transform }', true);
      checkCurve(owner, o.curve);
      if (o.model !== undefined) {
        if (!isModelAdapter(o.model)) throw new BasinError(`${owner}: model must be a model adapter, modelAdapter(model, { loss }) (for a tf.LayersModel), got ${describeGot(o.model)}`);
        if (o.loss !== undefined) throw new BasinError(`${owner}: give either loss (a functional loss) or model (a model adapter, which has its loss), not both`);
      } else {
        checkFn(owner, 'loss', o.loss, 'a function (weights, batch) => tf.Scalar');
      }
      checkTransform(owner, 'transform', o.transform);
      checkNumber(owner, 'weightDecay', o.weightDecay ?? 0, { min: 0 });
      checkNumber(owner, 'seed', o.seed ?? 0, { integer: true });
      if (o.model !== undefined) {
        const [start, end] = (o.curve as Curve).endpoints();
        try {
          // Records are matched to the weights by name, arrays by position in the model's weights.
          leavesInWeightOrder(start, o.model.model.trainableWeights, owner, 'the curve endpoint tree');
        } finally {
          treeDispose([start, end]);
        }
      }
      if (o.params !== undefined) (o.curve as Curve).checkParams(o.params, 'params');
      return o;
    });
    this.curve = curve as Curve;
    this.loss = loss;
    this.model = model;
    this.transform = transform as Transform<any>;
    this.weightDecay = weightDecay;
    this.random = mulberry32(seed);
    this.stepOptions = stepOptions;
    this.params = runEntryPoint(owner, () => (params === undefined ? this.curve.init() : (treeClone(params) as CurveParams)));
    try {
      this.state = runEntryPoint(owner, () => this.transform.init(this.params));
    } catch (e) {
      treeDispose(this.params);
      throw e;
    }
  }

  /** One step on `batch` at a freshly drawn t; returns the loss before the step. */
  step(batch: B): number {
    return runEntryPoint('CurveTrainer.step', () => {
      // A model's batch is checked before t is drawn, so a refused batch leaves the draws alone.
      if (this.model !== undefined) this.ready('CurveTrainer.step', batch);
      return this.stepAtChecked('CurveTrainer.step', batch, this.random());
    });
  }

  /** One step at a given t in [0, 1] (tests, or a schedule of your own). */
  stepAt(batch: B, t: number): number {
    return runEntryPoint('CurveTrainer.stepAt', () => {
      checkNumber('CurveTrainer.stepAt', 't', t, { min: 0, max: 1 });
      return this.stepAtChecked('CurveTrainer.stepAt', batch, t);
    });
  }

  /**
   * Loss (at the current curve params) and curve-param gradients at `t` on a batch, without a
   * step; a model is left as it was. The caller owns the results.
   */
  lossAndGrads(batch: B, t: number): { loss: tf.Scalar; grads: CurveParams } {
    const owner = 'CurveTrainer.lossAndGrads';
    return runEntryPoint(owner, () => {
      this.ready(owner, batch, t);
      const result = this.gradFnAt(t, batch)(this.params);
      return { loss: result.loss, grads: result.grads as CurveParams };
    });
  }

  private ready(owner: string, batch: B, t?: number): void {
    if (this.disposed) throw new BasinError(`${owner}: the trainer was disposed`);
    if (t !== undefined) checkNumber(owner, 't', t, { min: 0, max: 1 });
    if (this.model !== undefined) this.model.checkBatch(batch, owner);
    else if (batch === undefined) throw new BasinError(`${owner}: batch is undefined; pass the batch the loss takes`);
  }

  /**
   * `GradFn` on curve params at t for one batch: the chain rule at the point (see curveGradFn),
   * equal to differentiating curveLoss with fewer ops. SAM-style transforms get it at the same t
   * and batch.
   */
  private gradFnAt(t: number, batch: B): GradFn {
    const pointGradFn = this.model !== undefined ? this.model.gradFn(batch as unknown as ModelBatch) : makeGradFn(this.loss as LossFn<B>, batch);
    const gradFn = curveGradFn(this.curve, t, pointGradFn, this.weightDecay);
    if (this.model === undefined) return gradFn;
    return (params, microbatch) => {
      this.curve.checkParams(params, 'the params gradFn was given');
      return gradFn(params, microbatch);
    };
  }

  private stepAtChecked(owner: string, batch: B, t: number): number {
    this.ready(owner, batch);
    // A failing step leaves params and state (and a model) as they were (core's step contract).
    const result = stepWithGradFn(this.transform, this.gradFnAt(t, batch), this.params, this.state, this.stepOptions);
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
