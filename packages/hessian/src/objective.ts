import * as tf from '@tensorflow/tfjs-core';
import {
  addModelLosses,
  BasinError,
  LossAndGrads,
  LossFn,
  Tree,
  assertSameStructure,
  batchSize,
  checkNumber,
  isTensor,
  resolveOutputLoss,
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

/** Checks a vector tree against the params and names the first difference. */
export function assertVectorMatches(params: Tree, vector: Tree, name = 'vector'): void {
  assertSameStructure(params, vector, ['params', name]);
}

function scalarOf(loss: unknown, where: string): tf.Scalar {
  if (!isTensor(loss) || loss.rank !== 0) {
    const got = isTensor(loss) ? `a tensor of shape [${loss.shape.join(', ')}]` : typeof loss;
    throw new BasinError(`${where}: the loss must be a scalar tensor, got ${got}`);
  }
  return loss as tf.Scalar;
}

/**
 * d/dx <grad f(x), v> by double backprop: the exact Hessian-vector product of `f` at `xs`.
 * Leaves the loss does not depend on get zeros. Call with second-order gradients installed.
 */
export function doubleBackpropHvp(f: (xs: tf.Tensor[]) => tf.Scalar, xs: tf.Tensor[], vs: tf.Tensor[]): tf.Tensor[] {
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
}

/** Sum over batches of weight * f(batch), keeping one running total (intermediates disposed). */
function weightedSum(count: number, weight: (i: number) => number, f: (i: number) => Tree): Tree {
  let acc: Tree | undefined;
  for (let i = 0; i < count; i++) {
    const next = f(i);
    const w = weight(i);
    if (acc === undefined && w === 1) {
      acc = next;
      continue;
    }
    const prev = acc;
    acc = tidyTree(() => (prev === undefined ? treeScale(next, w) : treeAddScaled(prev, next, w)));
    treeDispose(prev);
    treeDispose(next);
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
export function functionObjective<B>(lossFn: LossFn<B>, params: Tree, data: ObjectiveData<B>): Objective {
  const owner = 'functionObjective';
  if (typeof lossFn !== 'function') throw new BasinError(`${owner}: lossFn must be a function (params, batch) => tf.Scalar`);
  treeFlatten(params); // checks the tree
  if (!data || (data.batch === undefined) === (data.batches === undefined)) {
    throw new BasinError(`${owner}: data must have exactly one of 'batch' or 'batches'`);
  }
  const batches: readonly B[] = data.batches ?? [data.batch as B];
  if (batches.length === 0) throw new BasinError(`${owner}: data.batches is empty`);
  const weighting = data.weighting ?? 'rows';
  if (weighting !== 'rows' && weighting !== 'equal') throw new BasinError(`${owner}: data.weighting must be 'rows' or 'equal', got '${String(weighting)}'`);
  const weights = batchWeights(owner, weighting === 'rows' ? batches.map((b) => batchSize(b as unknown as Tree)) : batches.map(() => 1), weighting);
  const leaves = treeFlatten(params);
  const size = treeSize(params);
  const at = (p: Tree | undefined): Tree => {
    if (p === undefined) return params;
    assertSameStructure(params, p, ['objective params', 'params']);
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
      const q = at(p);
      return tf.tidy(() => tf.addN(batches.map((b, i) => tf.mul(scalarOf(lossFn(q, b), owner), weights[i]))) as tf.Scalar);
    },
    valueAndGrad(p) {
      const q = at(p);
      const out = weightedSum(batches.length, (i) => weights[i], (i) => {
        const r = valueAndGradOne(q, batches[i]);
        return { loss: r.loss, grads: r.grads } as unknown as Tree;
      }) as unknown as LossAndGrads;
      return out;
    },
    exactHvp(vector) {
      assertVectorMatches(params, vector);
      const vs = treeFlatten(vector);
      return withSecondOrderGradients(() =>
        weightedSum(batches.length, (i) => weights[i], (i) =>
          treeUnflatten(params, doubleBackpropHvp((xs) => lossFn(treeUnflatten(params, xs), batches[i]), leaves, vs)),
        ),
      );
    },
  };
}

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
export function modelObjective(model: LayersModelLike, options: ModelObjectiveOptions): Objective {
  const owner = 'modelObjective';
  if (!model || !Array.isArray(model.trainableWeights)) throw new BasinError(`${owner}: model must be a tf.LayersModel (it has no trainableWeights)`);
  if (model.trainableWeights.length === 0) throw new BasinError(`${owner}: model has no trainable weights`);
  const { x, y } = options;
  if (!isTensor(x) || !isTensor(y)) throw new BasinError(`${owner}: x and y must be tensors`);
  if (x.shape[0] !== y.shape[0]) throw new BasinError(`${owner}: x has ${x.shape[0]} rows but y has ${y.shape[0]}`);
  const lossFn = resolveOutputLoss(options.loss);
  const rows = x.shape[0];
  const bs = options.batchSize === undefined ? rows : checkNumber(owner, 'batchSize', options.batchSize, { min: 1, integer: true });
  const ranges: [number, number][] = [];
  for (let s = 0; s < rows; s += bs) ranges.push([s, Math.min(rows, s + bs)]);
  const weights = ranges.map(([s, e]) => (e - s) / rows);
  const names = model.trainableWeights.map((w) => w.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new BasinError(`${owner}: two trainable weights are both named '${duplicate}'`);
  const vars = model.trainableWeights.map((w) => w.read());
  const params: Record<string, tf.Tensor> = Object.fromEntries(names.map((n, i) => [n, vars[i]]));
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
  const withWeights = <T>(p: Tree | undefined, fn: () => T): T => {
    if (p === undefined || p === params) return fn();
    assertSameStructure(params, p, ['model params', 'params']);
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
      return withWeights(p, () => tf.tidy(() => tf.addN(ranges.map((_, i) => tf.mul(forward(i), weights[i]))) as tf.Scalar));
    },
    valueAndGrad(p) {
      return withWeights(p, () =>
        weightedSum(ranges.length, (i) => weights[i], (i) => {
          const { value, grads } = tf.engine().gradients(() => forward(i), vars, undefined, true);
          return { loss: value, grads: byName(grads.map((g, j) => g ?? tf.zerosLike(vars[j]))) } as unknown as Tree;
        }) as unknown as LossAndGrads,
      );
    },
    exactHvp(vector) {
      assertVectorMatches(params, vector);
      const vs = inWeightOrder(vector);
      return withSecondOrderGradients(() =>
        weightedSum(ranges.length, (i) => weights[i], (i) => byName(doubleBackpropHvp(() => forward(i), vars, vs))),
      );
    },
  };
}
