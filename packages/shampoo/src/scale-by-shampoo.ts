import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, describePath, treeDispose, treeLeaves, treeUnflatten, type Transform, type Tree } from '@basin/core';
import { joinBlocks, splitBlocks } from './blocking';
import { GRAFTING_TYPES, graftingStep, graftNorm, GraftingLeafState, GraftingOptions, GraftingType, initGraftingLeaf } from './grafting';
import {
  blockStatistic,
  computeRoot,
  initialRoot,
  initialStatistic,
  LayoutOptions,
  LeafPlan,
  planLeaf,
  preconditionBlock,
  RootOptions,
} from './preconditioner';

export interface ScaleByShampooOptions {
  /**
   * Decay of the statistics: `L = beta2 L + (1 - beta2) G G^T`. 1 accumulates sums
   * (`L += G G^T`, the original Shampoo). Default 0.999.
   */
  beta2?: number;
  /** Ridge added before every root: `(L + epsilon I)^(-1/4)`. Must be > 0. Default 1e-6. */
  epsilon?: number;
  /** Recompute the roots every this many steps (the statistics update every step). Default 1. */
  updateEvery?: number;
  /** Steps before preconditioning starts; until then the grafted step (or the gradient) is used. Default 0. */
  startPreconditioningStep?: number;
  /** Which method lends its step norm to the Shampoo direction. Default 'rmsprop'. */
  grafting?: GraftingType;
  /** Adam grafting's first-moment decay. Default 0.9. */
  graftingBeta1?: number;
  /** RMSProp/Adam grafting's second-moment decay, in [0, 1). Default 0.999. */
  graftingBeta2?: number;
  /** Added to the grafted method's denominator. Default 1e-8. */
  graftingEpsilon?: number;
  /** Cut dimensions longer than this into blocks with their own preconditioners. Default: no blocking. */
  blockSize?: number;
  /** Dimensions longer than this (after blocking) get a diagonal statistic. Default 1024. */
  maxPreconditionerDim?: number;
  /** Merge adjacent small dimensions (`[3, 3, 64, 128]` -> `[576, 128]`). Default true. */
  mergeSmallDims?: boolean;
  /** Most coupled-Newton iterations per root. Default 100. */
  rootMaxIterations?: number;
  /** Coupled-Newton stopping tolerance on `||M - I||_F`. Default 1e-6. */
  rootTolerance?: number;
  /** A root whose final `||M - I||_F` exceeds this failed. Default 0.1. */
  rootFailureThreshold?: number;
  /** Retries of a failed root, each with the ridge times `retryRidgeFactor`. Default 2. */
  rootRetries?: number;
  /** Default 10. */
  retryRidgeFactor?: number;
}

/** One parameter's statistics and roots: `stats[block][dim]`, `roots[block][dim]`. */
export interface ShampooLeafState {
  stats: tf.Tensor[][];
  roots: tf.Tensor[][];
  grafting: GraftingLeafState;
}

export interface ShampooState {
  /** Steps taken. */
  count: number;
  /** Roots that failed every retry so far (their previous root was kept). */
  rootFailures: number;
  /** One entry per parameter, in `treeLeaves` order. */
  leaves: ShampooLeafState[];
}

const OWNER = 'scaleByShampoo';

interface Resolved {
  beta2: number;
  updateEvery: number;
  start: number;
  layout: LayoutOptions;
  root: RootOptions;
  grafting: GraftingOptions;
}

function resolveOptions(o: ScaleByShampooOptions): Resolved {
  const grafting = o.grafting ?? 'rmsprop';
  if (!GRAFTING_TYPES.includes(grafting)) {
    throw new BasinError(`${OWNER}: grafting must be one of ${GRAFTING_TYPES.map((t) => `'${t}'`).join(', ')}, got ${JSON.stringify(grafting)}`);
  }
  if (o.mergeSmallDims !== undefined && typeof o.mergeSmallDims !== 'boolean') {
    throw new BasinError(`${OWNER}: mergeSmallDims must be a boolean, got ${JSON.stringify(o.mergeSmallDims)}`);
  }
  const epsilon = checkNumber(OWNER, 'epsilon', o.epsilon ?? 1e-6, { min: 0, minExclusive: true });
  return {
    beta2: checkNumber(OWNER, 'beta2', o.beta2 ?? 0.999, { min: 0, max: 1 }),
    updateEvery: checkNumber(OWNER, 'updateEvery', o.updateEvery ?? 1, { min: 1, integer: true }),
    start: checkNumber(OWNER, 'startPreconditioningStep', o.startPreconditioningStep ?? 0, { min: 0, integer: true }),
    layout: {
      blockSize: o.blockSize === undefined ? Infinity : checkNumber(OWNER, 'blockSize', o.blockSize, { min: 1, integer: true }),
      maxPreconditionerDim: checkNumber(OWNER, 'maxPreconditionerDim', o.maxPreconditionerDim ?? 1024, { min: 1, integer: true }),
      mergeSmallDims: o.mergeSmallDims ?? true,
    },
    root: {
      epsilon,
      maxIterations: checkNumber(OWNER, 'rootMaxIterations', o.rootMaxIterations ?? 100, { min: 1, integer: true }),
      errorTolerance: checkNumber(OWNER, 'rootTolerance', o.rootTolerance ?? 1e-6, { min: 0 }),
      failureThreshold: checkNumber(OWNER, 'rootFailureThreshold', o.rootFailureThreshold ?? 0.1, { min: 0 }),
      retries: checkNumber(OWNER, 'rootRetries', o.rootRetries ?? 2, { min: 0, integer: true }),
      retryRidgeFactor: checkNumber(OWNER, 'retryRidgeFactor', o.retryRidgeFactor ?? 10, { min: 1 }),
    },
    grafting: {
      type: grafting,
      beta1: checkNumber(OWNER, 'graftingBeta1', o.graftingBeta1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
      beta2: checkNumber(OWNER, 'graftingBeta2', o.graftingBeta2 ?? 0.999, { min: 0, max: 1, maxExclusive: true }),
      epsilon: checkNumber(OWNER, 'graftingEpsilon', o.graftingEpsilon ?? 1e-8, { min: 0 }),
    },
  };
}

/** Checks that the updates have one leaf per state entry, shaped as planned at `init`. */
function checkLeaves(updates: Tree, state: ShampooState, plans: Map<string, LeafPlan>, layout: LayoutOptions) {
  const entries = treeLeaves(updates);
  if (!state || !Array.isArray(state.leaves) || typeof state.count !== 'number') {
    throw new BasinError(`${OWNER}: state must come from ${OWNER}(...).init, got ${JSON.stringify(state && Object.keys(state))}`);
  }
  if (entries.length !== state.leaves.length) {
    throw new BasinError(`${OWNER}: updates have ${entries.length} leaves, the state was built for ${state.leaves.length}`);
  }
  return entries.map(({ path, leaf }, i) => {
    const plan = planFor(leaf.shape, plans, layout);
    const s = state.leaves[i];
    const ok =
      s.stats.length === plan.blocks.length &&
      plan.blocks.every((b, j) => s.stats[j].length === b.kinds.length && b.kinds.every((k, d) => s.stats[j][d].shape[0] === b.shape[d]));
    if (!ok) {
      throw new BasinError(`${OWNER}: updates at ${describePath(path)} have shape [${leaf.shape.join(', ')}], which does not match the state built at init`);
    }
    return { path, leaf, plan };
  });
}

function planFor(shape: readonly number[], plans: Map<string, LeafPlan>, layout: LayoutOptions): LeafPlan {
  const key = shape.join(',');
  let plan = plans.get(key);
  if (!plan) {
    plan = planLeaf(shape, layout);
    plans.set(key, plan);
  }
  return plan;
}

/**
 * Shampoo's preconditioning (Gupta, Koren & Singer 2018, "Shampoo: Preconditioned Stochastic
 * Tensor Optimization"; with the practical extensions of Anil et al. 2020, "Scalable second
 * order optimization for deep learning"). For a matrix gradient `G`:
 *
 *   L = beta2 L + (1 - beta2) G G^T,   R = beta2 R + (1 - beta2) G^T G
 *   update = (L + eps I)^(-1/4) G (R + eps I)^(-1/4)
 *
 * An order-k tensor keeps one statistic per dimension and uses the exponent `-1/(2k)`. Vectors
 * and dimensions longer than `maxPreconditionerDim` keep only a diagonal statistic. Roots come
 * from a matmul-only coupled Newton iteration (`inversePthRoot`), recomputed every
 * `updateEvery` steps; a root that fails after its retries leaves the previous one in place.
 * With grafting the update takes the Shampoo direction and the grafted method's step norm.
 *
 * The update is a descent direction; chain `scaleByLearningRate` (or use `shampoo`).
 */
export function scaleByShampoo(options: ScaleByShampooOptions = {}): Transform<ShampooState> {
  const o = resolveOptions(options);
  const plans = new Map<string, LeafPlan>();
  const w1 = o.beta2 < 1 ? o.beta2 : 1;
  const w2 = o.beta2 < 1 ? 1 - o.beta2 : 1;

  return {
    init: (params) => ({
      count: 0,
      rootFailures: 0,
      leaves: treeLeaves(params).map(({ leaf }) => {
        const plan = planFor(leaf.shape, plans, o.layout);
        return {
          stats: plan.blocks.map((b) => b.kinds.map((k, d) => initialStatistic(b.shape[d], k))),
          roots: plan.blocks.map((b) => b.kinds.map((k, d) => initialRoot(b.shape[d], k))),
          grafting: initGraftingLeaf(leaf, o.grafting.type),
        };
      }),
    }),

    update: (updates, state) => {
      const entries = checkLeaves(updates, state, plans, o.layout);
      const t = state.count;
      const active = t >= o.start;
      const recompute = active && (t - o.start) % o.updateEvery === 0;
      let rootFailures = state.rootFailures;
      const made: unknown[] = [];
      try {
        const outLeaves: tf.Tensor[] = [];
        const newLeaves: ShampooLeafState[] = [];
        entries.forEach(({ leaf, plan }, i) => {
          const old = state.leaves[i];
          const g = tf.cast(leaf, 'float32');
          made.push(g);
          const blocks = tf.tidy(() => splitBlocks(tf.reshape(g, plan.merged), plan.grid));
          made.push(blocks);
          const stats = plan.blocks.map((b, j) =>
            b.kinds.map((k, d) => tf.tidy(() => tf.add(tf.mul(old.stats[j][d], w1), tf.mul(blockStatistic(blocks[j], d, k), w2)))),
          );
          made.push(stats);
          const roots = plan.blocks.map((b, j) =>
            b.kinds.map((k, d) => {
              if (!recompute) return tf.clone(old.roots[j][d]);
              const root = computeRoot(stats[j][d], k, plan.p, o.root);
              if (root === undefined) {
                rootFailures++;
                return tf.clone(old.roots[j][d]);
              }
              return root;
            }),
          );
          made.push(roots);
          const graft = graftingStep(g, old.grafting, t + 1, o.grafting);
          made.push(graft);
          const out = tf.tidy(() => {
            if (!active) return tf.clone(graft.update);
            const preconditioned = blocks.map((b, j) => preconditionBlock(b, roots[j], plan.blocks[j].kinds));
            const direction = tf.reshape(joinBlocks(preconditioned, plan.grid), leaf.shape);
            return o.grafting.type === 'none' ? direction : graftNorm(direction, graft.update);
          });
          outLeaves.push(out);
          made.push(out);
          newLeaves.push({ stats, roots, grafting: graft.state });
          tf.dispose([g, ...blocks, graft.update]);
        });
        return [treeUnflatten(updates, outLeaves), { count: t + 1, rootFailures, leaves: newLeaves }];
      } catch (e) {
        treeDispose(made);
        throw e;
      }
    },
  };
}
