import * as tf from '@tensorflow/tfjs-core';
import {
  BasinError,
  LossAndGrads,
  LossFn,
  Tree,
  batchSize,
  checkNumber,
  describePath,
  treeLeaves,
  entryPoint,
  isModelAdapter,
  isTensor,
  modelAdapter,
  runEntryPoint,
  treeAddScaled,
  treeDispose,
  treeFlatten,
  treeInWeightLayout,
  treeScale,
  treeSize,
  treeUnflatten,
  checkFn,
  checkMatches,
  describeArgument as describeGot,
  floatLeaves,
  oneOf,
} from '@basin/core';
import type { LayersModelLike, ModelAdapter, ModelBatch, OutputLoss, OutputLossName } from '@basin/core';
import { withSecondOrderGradients } from './second-order/registry';
import { tidyTree } from './tidy-tree';
import { optionsRecord } from './checks';

/**
 * A loss over a params tree, averaged over some data, at a base point `params`. Every Hessian
 * quantity in this package is taken of an objective: build one with `functionObjective` (a
 * functional loss, or core's model adapter) or `modelObjective` (a `tf.LayersModel`).
 */
export interface Objective {
  /** The base point (not owned by the objective's caller: do not dispose it through here). */
  readonly params: Tree;
  /** Number of scalar parameters. */
  readonly size: number;
  /** Loss averaged over the data at `params` (default: the base point). The caller owns it. */
  loss(params?: Tree): tf.Scalar;
  /** Loss and gradient averaged over the data at `params` (default: the base point). */
  valueAndGrad(params?: Tree): LossAndGrads;
  /**
   * Exact Hessian-vector product at the base point by double backprop, with Basin's
   * second-order-safe gradients installed for the call. `vector` must match `params`.
   */
  exactHvp(vector: Tree): Tree;
}

/** Data for a functional objective: one batch, or several whose losses are averaged. */
export interface ObjectiveData<B> {
  batch?: B;
  batches?: readonly B[];
  /**
   * How batches are weighted: by their number of rows (default; the average then equals the loss
   * on all rows when the loss is a mean over rows) or equally.
   */
  weighting?: 'rows' | 'equal';
}

/**
 * Checks a vector tree against the params (float32 leaves, the same keys in any insertion order,
 * the same shapes) and names the first difference.
 */
export function assertVectorMatches(params: Tree, vector: Tree, name = 'vector', owner = 'hvp'): void {
  checkMatches(owner, params, 'params', vector, name);
}

function scalarOf(loss: unknown, where: string): tf.Scalar {
  if (!isTensor(loss) || loss.rank !== 0 || loss.dtype !== 'float32') {
    const got = isTensor(loss) ? `a ${loss.dtype === 'float32' ? '' : `${loss.dtype} `}tensor of shape [${loss.shape.join(', ')}]` : describeGot(loss);
    throw new BasinError(`${where}: the loss must be a scalar tensor, got ${got} (a float32 scalar is needed)`);
  }
  return loss as tf.Scalar;
}

/** Checks that the objective's base point is still alive (it belongs to the caller). */
function checkBase(owner: string, params: Tree): void {
  for (const { path, leaf } of treeLeaves(params)) {
    if (leaf.isDisposed) throw new BasinError(`${owner}: the objective's params at ${describePath(path)} were disposed; keep them alive while you use the objective`);
  }
}

/**
 * d/dx <grad f(x), v> by double backprop: the exact Hessian-vector product of `f` at `xs`.
 * Leaves the loss does not depend on get zeros. Call with second-order gradients installed.
 */
export const doubleBackpropHvp = entryPoint('doubleBackpropHvp', function doubleBackpropHvp(f: (xs: tf.Tensor[]) => tf.Scalar, xs: tf.Tensor[], vs: tf.Tensor[]): tf.Tensor[] {
  const owner = 'doubleBackpropHvp';
  checkFn(owner, 'f', f, 'a function (xs) => tf.Scalar');
  if (!Array.isArray(xs)) throw new BasinError(`${owner}: xs must be an array of float32 tensors, got ${describeGot(xs)}`);
  checkMatches(owner, xs, 'xs', vs, 'vs');
  const engine = tf.engine();
  return tf.tidy(() => {
    const { grads } = engine.gradients(
      () => {
        const inner = engine.gradients(() => scalarOf(f(xs), 'hvp'), xs, undefined, true).grads;
        const terms = inner.flatMap((g, i) => (g ? [tf.sum(tf.mul(g, vs[i]))] : []));
        return (terms.length === 0 ? tf.scalar(0) : tf.addN(terms)) as tf.Scalar;
      },
      xs,
      undefined,
      true,
    );
    return grads.map((g, i) => (g ? g : tf.zerosLike(xs[i])));
  });
});

/** Sum over batches of weight * f(batch), keeping one running total (intermediates disposed). */
function weightedSum(count: number, weight: (i: number) => number, f: (i: number) => Tree): Tree {
  let acc: Tree | undefined;
  try {
    for (let i = 0; i < count; i++) {
      const next = f(i);
      const w = weight(i);
      if (acc === undefined && w === 1) {
        acc = next;
        continue;
      }
      const prev = acc;
      try {
        acc = tidyTree(() => (prev === undefined ? treeScale(next, w) : treeAddScaled(prev, next, w)));
      } finally {
        treeDispose(next);
      }
      treeDispose(prev);
    }
  } catch (e) {
    // A batch failed: the running total is ours, never the caller's.
    treeDispose(acc);
    throw e;
  }
  return acc as Tree;
}

function batchWeights(owner: string, sizes: number[], weighting: 'rows' | 'equal'): number[] {
  if (weighting === 'equal') return sizes.map(() => 1 / sizes.length);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total <= 0) throw new BasinError(`${owner}: the batches have no rows`);
  return sizes.map((n) => n / total);
}

/**
 * What an objective needs of its loss (the functional form): loss, loss and gradient at params
 * that were checked against the base point (or are the base point itself), and the exact
 * Hessian-vector product at the base point, on one batch.
 */
interface LossForm<B> {
  /** How messages name the base point (`'objective params'`, `'model params'`). */
  reference: string;
  loss(p: Tree, batch: B): tf.Scalar;
  valueAndGrad(p: Tree, batch: B): LossAndGrads;
  exactHvp(vector: Tree, batch: B): Tree;
}

/** The form of a functional loss: differentiated with respect to the leaves of the params tree. */
function functionalForm<B>(owner: string, lossFn: LossFn<B>, params: Tree): LossForm<B> {
  const leaves = treeFlatten(params);
  return {
    reference: 'objective params',
    loss: (p, batch) => scalarOf(lossFn(p, batch), owner),
    valueAndGrad(p, batch) {
      const pl = treeFlatten(p);
      const { value, grads } = tf.engine().gradients(() => scalarOf(lossFn(treeUnflatten(p, pl), batch), owner), pl, undefined, true);
      return { loss: value as tf.Scalar, grads: treeUnflatten(p, grads.map((g, i) => g ?? tf.zerosLike(pl[i]))) };
    },
    exactHvp: (vector, batch) => treeUnflatten(params, doubleBackpropHvp((xs) => lossFn(treeUnflatten(params, xs), batch), leaves, treeFlatten(vector))),
  };
}

/**
 * The form of a model adapter (core's `modelAdapter`): params are matched to the weights by name,
 * other params are swapped into the model and the weights put back, and the exact HVP is taken
 * with respect to the model's variables at the base point. `prepare` turns a batch into the
 * adapter's `{ x, y }` (modelObjective cuts row ranges lazily) and disposes what it made.
 */
function adapterForm<B>(adapter: ModelAdapter, params: Tree, prepare: <R>(batch: B, use: (b: ModelBatch) => R) => R): LossForm<B> {
  const at = (p: Tree): Tree | undefined => (p === params ? undefined : p);
  return {
    reference: 'model params',
    loss: (p, batch) => prepare(batch, (b) => adapter.loss(at(p), b)),
    valueAndGrad: (p, batch) => prepare(batch, (b) => adapter.valueAndGrad(at(p), b)),
    exactHvp(vector, batch) {
      const vars = adapter.leaves(params);
      const vs = adapter.leaves(vector, 'vector');
      return prepare(batch, (b) => treeInWeightLayout(params, adapter.model.trainableWeights, doubleBackpropHvp(() => adapter.forward(b), vars, vs)));
    },
  };
}

/**
 * The objective over a loss form: the loss averaged over batches with `weights`, at a base point
 * `params` the caller owns. `functionObjective` and `modelObjective` both build it.
 */
function objectiveOver<B>(owner: string, form: LossForm<B>, params: Tree, batches: readonly B[], weights: readonly number[]): Objective {
  const size = treeSize(params);
  const at = (name: string, p: Tree | undefined): Tree => {
    checkBase(name, params);
    if (p === undefined || p === params) return params;
    checkMatches(name, params, form.reference, p, 'params');
    return p;
  };
  return {
    params,
    size,
    loss(p) {
      const name = `${owner}.loss`;
      return runEntryPoint(name, () => {
        const q = at(name, p);
        return tf.tidy(() => tf.addN(batches.map((b, i) => tf.mul(form.loss(q, b), weights[i]))) as tf.Scalar);
      });
    },
    valueAndGrad(p) {
      const name = `${owner}.valueAndGrad`;
      return runEntryPoint(name, () => {
        const q = at(name, p);
        return weightedSum(batches.length, (i) => weights[i], (i) => {
          const r = form.valueAndGrad(q, batches[i]);
          return { loss: r.loss, grads: r.grads } as unknown as Tree;
        }) as unknown as LossAndGrads;
      });
    },
    exactHvp(vector) {
      const name = `${owner}.exactHvp`;
      return runEntryPoint(name, () => {
        checkBase(name, params);
        assertVectorMatches(params, vector, 'vector', name);
        return withSecondOrderGradients(() => weightedSum(batches.length, (i) => weights[i], (i) => form.exactHvp(vector, batches[i])));
      });
    },
  };
}

/**
 * An objective from a functional loss `(params, batch) => tf.Scalar`, on one batch or averaged
 * over batches. `params` stays owned by the caller and must outlive the objective.
 *
 * `lossFn` may also be a model adapter (core's `modelAdapter(model, { loss, training: false })`),
 * with `params` its `params()` and batches `{ x, y }`: params are then matched to the model's
 * weights by name and the model runs as the adapter says. `modelObjective` is this over an adapter.
 */
export const functionObjective = entryPoint('functionObjective', function functionObjective<B>(lossFn: LossFn<B> | ModelAdapter, params: Tree, data: ObjectiveData<B>): Objective {
  const owner = 'functionObjective';
  const adapter = isModelAdapter(lossFn) ? lossFn : undefined;
  if (adapter === undefined) checkFn(owner, 'lossFn', lossFn, 'a function (params, batch) => tf.Scalar, or a model adapter (modelAdapter(model, { loss }))');
  floatLeaves(owner, 'params', params);
  if (adapter !== undefined) {
    try {
      adapter.leaves(params);
    } catch (e) {
      throw new BasinError(`${owner}: params must be the model's weights, as adapter.params() gives (${(e as Error).message.replace(/^[\w.]+: /, '')})`);
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data) || isTensor(data)) {
    throw new BasinError(`${owner}: data must be a record { batch } or { batches }, got ${describeGot(data)}`);
  }
  if ((data.batch === undefined) === (data.batches === undefined)) {
    throw new BasinError(`${owner}: data must have exactly one of 'batch' or 'batches', got ${describeGot(data)}`);
  }
  if (data.batches !== undefined && !Array.isArray(data.batches)) throw new BasinError(`${owner}: data.batches must be an array of batches, got ${describeGot(data.batches)}`);
  const batches: readonly B[] = data.batches ?? [data.batch as B];
  if (batches.length === 0) throw new BasinError(`${owner}: data.batches is empty`);
  const weighting = oneOf(owner, 'data.weighting', data.weighting, ['rows', 'equal'] as const, 'rows');
  const rowsOf = (b: B, i: number): number => {
    try {
      return batchSize(b as unknown as Tree);
    } catch (e) {
      throw new BasinError(`${owner}: data.batches[${i}] has no row count for 'rows' weighting (${(e as Error).message.replace(/^batchSize: /, '')}); pass weighting: 'equal' for batches that are not trees of tensors`);
    }
  };
  // One batch needs no row count: its weight is 1 either way.
  const weights = batches.length === 1 ? [1] : batchWeights(owner, weighting === 'rows' ? batches.map(rowsOf) : batches.map(() => 1), weighting);
  const form = adapter === undefined
    ? functionalForm(owner, lossFn as LossFn<B>, params)
    : adapterForm<B>(adapter, params, (batch, use) => use(adapter.checkBatch(batch, owner)));
  return objectiveOver(owner, form, params, batches, weights);
});

export interface ModelObjectiveOptions {
  x: tf.Tensor;
  y: tf.Tensor;
  /** A loss on (yTrue, yPred), or one of core's named losses. */
  loss: OutputLoss | OutputLossName;
  /** Rows per forward pass; the loss is averaged over all rows. Default: all rows at once. */
  batchSize?: number;
}

/**
 * An objective from a `tf.LayersModel` on data (x, y): the objective of core's model adapter,
 * `modelAdapter(model, { loss, training: false })` (see `functionObjective`), with the rows cut
 * into batches of `batchSize` as it goes. The params tree is `{ [weight name]: variable }` for
 * the trainable weights (as core's `ModelTrainer`), matched by name; the model runs with
 * `training: false` (inference-mode BatchNormalization and no dropout), and losses at other
 * params swap weights in and restore them afterwards.
 *
 * The objective is the training objective `model.fit` minimises: the output loss averaged over
 * the data plus the model's own losses (weight regularizers such as `kernelRegularizer`, `addLoss`
 * terms; core's `modelRegularizationLoss`), so its gradient, Hessian and landscape include the
 * regularizers' curvature. tfjs-layers' `model.evaluate` reports the output loss alone.
 */
export const modelObjective = entryPoint('modelObjective', function modelObjective(model: LayersModelLike, options: ModelObjectiveOptions): Objective {
  const owner = 'modelObjective';
  if (typeof model !== 'object' || model === null || !Array.isArray(model.trainableWeights) || typeof (model as { apply?: unknown }).apply !== 'function') {
    throw new BasinError(`${owner}: model must be a tf.LayersModel (with trainableWeights and apply), got ${describeGot(model)}`);
  }
  if (model.trainableWeights.length === 0) throw new BasinError(`${owner}: model has no trainable weights`);
  const o = optionsRecord(owner, options);
  const { x, y } = o;
  if (!isTensor(x) || x.isDisposed) throw new BasinError(`${owner}: options.x must be a tensor of inputs, got ${x !== undefined && isTensor(x) ? 'a disposed tensor' : describeGot(x)}`);
  if (!isTensor(y) || y.isDisposed) throw new BasinError(`${owner}: options.y must be a tensor of targets, got ${y !== undefined && isTensor(y) ? 'a disposed tensor' : describeGot(y)}`);
  if (x.rank === 0 || y.rank === 0) throw new BasinError(`${owner}: x and y must have a first (row) dimension, got shapes [${x.shape.join(', ')}] and [${y.shape.join(', ')}]`);
  if (x.shape[0] !== y.shape[0]) throw new BasinError(`${owner}: x has ${x.shape[0]} rows but y has ${y.shape[0]}`);
  if (x.shape[0] === 0) throw new BasinError(`${owner}: x and y have no rows`);
  const adapter = modelAdapter(model, { loss: o.loss, training: false });
  const rows = x.shape[0];
  const bs = o.batchSize === undefined ? rows : checkNumber(owner, 'batchSize', o.batchSize, { min: 1, integer: true });
  const ranges: [number, number][] = [];
  for (let s = 0; s < rows; s += bs) ranges.push([s, Math.min(rows, s + bs)]);
  const weights = ranges.map(([s, e]) => (e - s) / rows);
  const params = adapter.params();
  floatLeaves(owner, 'the trainable weights', params);
  // Each batch's term carries the regularizers; the batch weights sum to one, so the average is
  // (mean output loss) + (regularizers), as in model.fit. Rows are cut as they are needed.
  const cut = <R>([s, e]: [number, number], use: (b: ModelBatch) => R): R => {
    if (ranges.length === 1) return use({ x, y });
    const b = { x: tf.slice(x, s, e - s), y: tf.slice(y, s, e - s) };
    try {
      return use(b);
    } finally {
      tf.dispose([b.x, b.y]);
    }
  };
  return objectiveOver(owner, adapterForm(adapter, params, cut), params, ranges, weights);
});
