import * as tf from '@tensorflow/tfjs-core';
import {
  addModelLosses,
  BasinError,
  LossAndGrads,
  LossFn,
  Tree,
  batchSize,
  checkNumber,
  describePath,
  treeLeaves,
  entryPoint,
  isTensor,
  resolveOutputLoss,
  runEntryPoint,
  treeAddScaled,
  treeDispose,
  treeFlatten,
  treeScale,
  treeSize,
  treeUnflatten,
} from '@basin/core';
import type { LayersModelLike, OutputLoss, OutputLossName } from '@basin/core';
import { withSecondOrderGradients } from './second-order/registry';
import { tidyTree } from './tidy-tree';
import { checkFn, checkMatches, describeGot, floatLeaves, oneOf, optionsRecord } from './checks';

/**
 * A loss over a params tree, averaged over some data, at a base point `params`. Every Hessian
 * quantity in this package is taken of an objective: build one with `functionObjective` (a
 * functional loss) or `modelObjective` (a `tf.LayersModel`).
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
 * An objective from a functional loss `(params, batch) => tf.Scalar`, on one batch or averaged
 * over batches. `params` stays owned by the caller and must outlive the objective.
 */
export const functionObjective = entryPoint('functionObjective', function functionObjective<B>(lossFn: LossFn<B>, params: Tree, data: ObjectiveData<B>): Objective {
  const owner = 'functionObjective';
  checkFn(owner, 'lossFn', lossFn, 'a function (params, batch) => tf.Scalar');
  const leaves = floatLeaves(owner, 'params', params).map((e) => e.leaf);
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
  const size = treeSize(params);
  const at = (name: string, p: Tree | undefined): Tree => {
    checkBase(name, params);
    if (p === undefined) return params;
    checkMatches(name, params, 'objective params', p, 'params');
    return p;
  };
  const valueAndGradOne = (p: Tree, batch: B): LossAndGrads => {
    const pl = treeFlatten(p);
    const { value, grads } = tf.engine().gradients(() => scalarOf(lossFn(treeUnflatten(p, pl), batch), owner), pl, undefined, true);
    return { loss: value as tf.Scalar, grads: treeUnflatten(p, grads.map((g, i) => g ?? tf.zerosLike(pl[i]))) };
  };
  return {
    params,
    size,
    loss(p) {
      return runEntryPoint(`${owner}.loss`, () => {
        const q = at(`${owner}.loss`, p);
        return tf.tidy(() => tf.addN(batches.map((b, i) => tf.mul(scalarOf(lossFn(q, b), owner), weights[i]))) as tf.Scalar);
      });
    },
    valueAndGrad(p) {
      return runEntryPoint(`${owner}.valueAndGrad`, () => {
        const q = at(`${owner}.valueAndGrad`, p);
        return weightedSum(batches.length, (i) => weights[i], (i) => {
          const r = valueAndGradOne(q, batches[i]);
          return { loss: r.loss, grads: r.grads } as unknown as Tree;
        }) as unknown as LossAndGrads;
      });
    },
    exactHvp(vector) {
      return runEntryPoint(`${owner}.exactHvp`, () => {
        checkBase(`${owner}.exactHvp`, params);
        assertVectorMatches(params, vector, 'vector', `${owner}.exactHvp`);
        const vs = treeFlatten(vector);
        return withSecondOrderGradients(() =>
          weightedSum(batches.length, (i) => weights[i], (i) =>
            treeUnflatten(params, doubleBackpropHvp((xs) => lossFn(treeUnflatten(params, xs), batches[i]), leaves, vs)),
          ),
        );
      });
    },
  };
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
 * An objective from a `tf.LayersModel` on data (x, y): the params tree is
 * `{ [weight name]: variable }` for the trainable weights (as core's `ModelTrainer`), the model
 * runs with `training: false` (inference-mode BatchNormalization and no dropout), and losses at
 * other params swap weights in and restore them afterwards.
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
  const lossFn = resolveOutputLoss(o.loss);
  const rows = x.shape[0];
  const bs = o.batchSize === undefined ? rows : checkNumber(owner, 'batchSize', o.batchSize, { min: 1, integer: true });
  const ranges: [number, number][] = [];
  for (let s = 0; s < rows; s += bs) ranges.push([s, Math.min(rows, s + bs)]);
  const weights = ranges.map(([s, e]) => (e - s) / rows);
  const names = model.trainableWeights.map((w) => w.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new BasinError(`${owner}: two trainable weights are both named '${duplicate}'`);
  const vars = model.trainableWeights.map((w) => w.read());
  const params: Record<string, tf.Tensor> = Object.fromEntries(names.map((n, i) => [n, vars[i]]));
  floatLeaves(owner, 'the trainable weights', params);
  const size = treeSize(params);
  // Trees are matched to the weights by name, never by leaf order (which need not be the model's
  // weight order): `byName` makes a params-shaped tree of tensors in weight order, `inWeightOrder`
  // lists a params-shaped tree's tensors in weight order.
  const byName = (tensors: tf.Tensor[]): Tree => Object.fromEntries(names.map((n, i) => [n, tensors[i]]));
  const inWeightOrder = (tree: Tree): tf.Tensor[] => names.map((n) => (tree as Record<string, tf.Tensor>)[n]);

  const forward = (i: number): tf.Scalar => {
    const [s, e] = ranges[i];
    const xb = ranges.length === 1 ? x : tf.slice(x, s, e - s);
    const yb = ranges.length === 1 ? y : tf.slice(y, s, e - s);
    const out = model.apply(xb, { training: false });
    if (!isTensor(out)) throw new BasinError(`${owner}: the model must have a single output tensor`);
    // Each batch's term carries the regularizers; the batch weights sum to one, so the average is
    // (mean output loss) + (regularizers), as in model.fit.
    return addModelLosses(model, scalarOf(lossFn(yb, out), owner));
  };
  /** Runs `fn` with the model's weights set to `p` (if given), restoring them afterwards. */
  const withWeights = <T>(name: string, p: Tree | undefined, fn: () => T): T => {
    checkBase(name, params);
    if (p === undefined || p === params) return fn();
    checkMatches(name, params, 'model params', p, 'params');
    const values = inWeightOrder(p);
    const saved = model.trainableWeights.map((w) => tf.clone(w.read()));
    try {
      model.trainableWeights.forEach((w, i) => w.write(values[i]));
      return fn();
    } finally {
      model.trainableWeights.forEach((w, i) => w.write(saved[i]));
      tf.dispose(saved);
    }
  };
  return {
    params,
    size,
    loss(p) {
      const name = `${owner}.loss`;
      return runEntryPoint(name, () => withWeights(name, p, () => tf.tidy(() => tf.addN(ranges.map((_, i) => tf.mul(forward(i), weights[i]))) as tf.Scalar)));
    },
    valueAndGrad(p) {
      const name = `${owner}.valueAndGrad`;
      return runEntryPoint(name, () =>
        withWeights(name, p, () =>
          weightedSum(ranges.length, (i) => weights[i], (i) => {
            const { value, grads } = tf.engine().gradients(() => forward(i), vars, undefined, true);
            return { loss: value, grads: byName(grads.map((g, j) => g ?? tf.zerosLike(vars[j]))) } as unknown as Tree;
          }) as unknown as LossAndGrads,
        ),
      );
    },
    exactHvp(vector) {
      const name = `${owner}.exactHvp`;
      return runEntryPoint(name, () => {
        checkBase(name, params);
        assertVectorMatches(params, vector, 'vector', name);
        const vs = inWeightOrder(vector);
        return withSecondOrderGradients(() =>
          weightedSum(ranges.length, (i) => weights[i], (i) => byName(doubleBackpropHvp(() => forward(i), vars, vs))),
        );
      });
    },
  };
});
