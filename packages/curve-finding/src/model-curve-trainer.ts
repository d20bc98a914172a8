import * as tf from '@tensorflow/tfjs-core';
import {
  addModelLosses,
  BasinError,
  checkNumber,
  checkTransform,
  FitOptions,
  fitEpochs,
  GradFn,
  microbatchRange,
  mulberry32,
  OutputLoss,
  OutputLossName,
  readScalar,
  resolveOutputLoss,
  runEntryPoint,
  StepOptions,
  Transform,
  treeClone,
  treeDispose,
} from '@basin/core';
import { checkCurve, Curve, CurveParams } from './curve';
import { curveGradFn } from './curve-grad-fn';
import { stepWithGradFn } from '@basin/core';
import { checkInputShape, checkModel, leavesInWeightOrder, ModelLike, treeInWeightLayout, withSavedWeights } from './model-weights';
import { checkXY, optionsRecord } from './checks';

export interface ModelCurveTrainerOptions extends StepOptions {
  /** A curve between two weight trees of this model's architecture (see `modelWeights`). */
  curve: Curve;
  transform: Transform<any>;
  loss: OutputLoss | OutputLossName;
  /**
   * Weight decay on the point at t (`weightDecay / 2 * ||theta(t)||^2`). Default 0. The model's own
   * regularizers (`kernelRegularizer`, `addLoss`) are always part of the loss, on top of this.
   */
  weightDecay?: number;
  /** Seed of the generator that draws t for each batch (default 0). */
  seed?: number;
  /** Initial curve params (copied); default `curve.init()`. */
  params?: CurveParams;
}

/**
 * Trains a curve between two weight sets of a `tf.LayersModel` with any Basin transform.
 *
 * How the gradient is taken (exact, and one forward/backward pass): each batch draws one
 * `t ~ U(0, 1)`, the point `theta(t)` is written into the model's trainable weights, and
 * `tf.variableGrads` gives the gradient `g` of the loss at that point (the output loss plus the
 * model's own losses, such as weight regularizers, as `model.fit` minimises). The point is linear in the
 * control points, so `dL/dtheta_i = c_i(t) g` exactly (`Curve.controlPointGrads`). The model's
 * weights and BatchNorm statistics are put back after every step (the model is only borrowed), and
 * `extras.gradFn` (the SAM family) evaluates other curve params at the same t and batch.
 */
export class ModelCurveTrainer {
  readonly model: ModelLike;
  readonly curve: Curve;
  params: CurveParams;
  state: unknown;
  steps = 0;
  /** The t of the last step. */
  lastT = NaN;
  private readonly transform: Transform<any>;
  private readonly loss: OutputLoss;
  private readonly weightDecay: number;
  private readonly random: () => number;
  private readonly stepOptions: StepOptions;

  private disposed = false;

  constructor(model: ModelLike, options: ModelCurveTrainerOptions) {
    const owner = 'ModelCurveTrainer';
    const { curve, transform, loss, weightDecay = 0, seed = 0, params, ...stepOptions } = runEntryPoint(owner, () => {
      checkModel(owner, model);
      const o = optionsRecord(owner, options, "{ curve, transform, loss: 'categoricalCrossentropy' }", true);
      checkCurve(owner, o.curve);
      checkTransform(owner, 'transform', o.transform);
      checkNumber(owner, 'weightDecay', o.weightDecay ?? 0, { min: 0 });
      checkNumber(owner, 'seed', o.seed ?? 0, { integer: true });
      const [start, end] = o.curve.endpoints();
      try {
        // Records are matched to the weights by name, arrays by position (see leavesInWeightOrder).
        leavesInWeightOrder(start, model.trainableWeights, owner, 'the curve endpoint tree');
      } finally {
        treeDispose([start, end]);
      }
      if (o.params !== undefined) o.curve.checkParams(o.params, 'params');
      return o;
    });
    this.model = model;
    this.curve = curve;
    this.transform = transform;
    this.loss = runEntryPoint(owner, () => resolveOutputLoss(loss));
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

  /**
   * `GradFn` on the network's weights for one batch: writes the weights into the model and takes
   * `tf.variableGrads` of the loss (the caller restores the model's weights afterwards).
   */
  private pointGradFn(x: tf.Tensor, y: tf.Tensor): GradFn {
    return (point, microbatch) => {
      let xs = x;
      let ys = y;
      if (microbatch) {
        const [start, end] = microbatchRange(x.shape[0], microbatch);
        xs = tf.slice(x, start, end - start);
        ys = tf.slice(y, start, end - start);
      }
      try {
        const weights = this.model.trainableWeights;
        const values = leavesInWeightOrder(point, weights, 'ModelCurveTrainer', 'the point');
        weights.forEach((w, i) => w.write(values[i]));
        // LayerVariable.read() is the layer's tf.Variable (tfjs-layers declares it as a Tensor).
        const vars = weights.map((w) => w.read() as tf.Variable);
        const { value, grads } = tf.variableGrads(() => {
          const out = this.model.apply(xs, { training: true });
          if (!(out instanceof tf.Tensor)) throw new BasinError('ModelCurveTrainer: the model must have a single output tensor');
          // Plus the model's own losses (regularizers, addLoss) at the point, as model.fit.
          return addModelLosses(this.model, this.loss(ys, out));
        }, vars);
        // Gradients go back in the point's own layout (an array, or a record by weight name).
        return { loss: value, grads: treeInWeightLayout(point, weights, vars.map((v) => grads[v.name])) };
      } finally {
        if (xs !== x) tf.dispose([xs, ys]);
      }
    };
  }

  private makeGradFn(t: number, x: tf.Tensor, y: tf.Tensor): GradFn {
    const gradFn = curveGradFn(this.curve, t, this.pointGradFn(x, y), this.weightDecay);
    return (params, microbatch) => {
      this.curve.checkParams(params, 'the params gradFn was given');
      return gradFn(params, microbatch);
    };
  }

  private ready(owner: string, x: unknown, y: unknown, t: number): void {
    if (this.disposed) throw new BasinError(`${owner}: the trainer was disposed`);
    checkNumber(owner, 't', t, { min: 0, max: 1 });
    checkXY(owner, x, y);
    checkInputShape(owner, this.model, x as tf.Tensor);
  }

  /**
   * Loss (at the current curve params) and curve-param gradients at `t` on a batch, leaving the
   * model as it was. The caller owns the results.
   */
  lossAndGrads(x: tf.Tensor, y: tf.Tensor, t: number): { loss: tf.Scalar; grads: CurveParams } {
    return runEntryPoint('ModelCurveTrainer.lossAndGrads', () => {
      this.ready('ModelCurveTrainer.lossAndGrads', x, y, t);
      const gradFn = this.makeGradFn(t, x, y);
      const result = withSavedWeights(this.model, () => gradFn(this.params));
      return { loss: result.loss, grads: result.grads as CurveParams };
    });
  }

  /** One step at a freshly drawn t; returns the loss before the step. */
  trainOnBatch(x: tf.Tensor, y: tf.Tensor): number {
    return runEntryPoint('ModelCurveTrainer.trainOnBatch', () => {
      checkXY('ModelCurveTrainer.trainOnBatch', x, y);
      checkInputShape('ModelCurveTrainer.trainOnBatch', this.model, x);
      return this.stepAt('ModelCurveTrainer.trainOnBatch', x, y, this.random());
    });
  }

  /** One step at a given t in [0, 1]. The model's weights and statistics are left as they were. */
  trainOnBatchAt(x: tf.Tensor, y: tf.Tensor, t: number): number {
    return runEntryPoint('ModelCurveTrainer.trainOnBatchAt', () => this.stepAt('ModelCurveTrainer.trainOnBatchAt', x, y, t));
  }

  private stepAt(owner: string, x: tf.Tensor, y: tf.Tensor, t: number): number {
    this.ready(owner, x, y, t);
    // A failing step leaves params, state and the model as they were (core's step contract).
    const gradFn = this.makeGradFn(t, x, y);
    const result = withSavedWeights(this.model, () => stepWithGradFn(this.transform, gradFn, this.params, this.state, this.stepOptions));
    treeDispose(this.params);
    treeDispose(this.state);
    this.params = result.params as CurveParams;
    this.state = result.state;
    this.steps += 1;
    this.lastT = t;
    return readScalar(result.loss);
  }

  /** Mini-batch training for some epochs (one t per batch); returns each epoch's mean loss. */
  fit(x: tf.Tensor, y: tf.Tensor, options: FitOptions = {}): Promise<number[]> {
    return runEntryPoint('ModelCurveTrainer.fit', () => {
      if (this.disposed) throw new BasinError('ModelCurveTrainer.fit: the trainer was disposed');
      checkXY('ModelCurveTrainer.fit', x, y);
      checkInputShape('ModelCurveTrainer.fit', this.model, x);
      return fitEpochs('ModelCurveTrainer.fit', x, y, (xb, yb) => this.trainOnBatch(xb, yb), options);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    treeDispose(this.params);
    treeDispose(this.state);
  }
}

