import * as tf from '@tensorflow/tfjs-core';
import {
  BasinError,
  checkNumber,
  describePath,
  describeValue,
  publicTransform,
  runEntryPoint,
  treeDispose,
  treeLeaves,
  treeUnflatten,
  type Extras,
  type Transform,
  type Tree,
  checkBoolean,
  checkKnownOptions as checkOptions,
  uniqueLeaves,
} from '@basin/core';
import { joinBlocks, splitBlocks } from './blocking';
import { GRAFTING_TYPES, graftingStep, graftNorm, GraftingLeafState, GraftingOptions, GraftingType, initGraftingLeaf } from './grafting';
import {
  blockStatistic,
  computeRoot,
  initialRoot,
  initialStatistic,
  LayoutOptions,
  LeafPlan,
  planShape,
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

/**
 * One parameter's statistics and roots, per block (one block unless `blockSize` cuts the
 * parameter) and per dimension of the block after merging (see `planLeaf`).
 */
export interface ShampooLeafState {
  /**
   * `stats[block][dim]`: the statistic of that dimension, `[n, n]` for a full one
   * (`beta2 L + (1 - beta2) G G^T`) or `[n]` for a diagonal one (vectors, and dimensions longer
   * than `maxPreconditionerDim`).
   */
  stats: tf.Tensor[][];
  /**
   * `roots[block][dim]`: the preconditioner, the inverse p-th root of the statistic (p twice the
   * number of dimensions), shaped like it; the identity (or ones) until the first root is taken.
   */
  roots: tf.Tensor[][];
  /** The grafted method's moments (`nu` for adagrad and rmsprop, `mu` and `nu` for adam). */
  grafting: GraftingLeafState;
}

export interface ShampooState {
  /** Steps taken. */
  count: number;
  /** Roots that failed every retry so far (their previous root was kept). */
  rootFailures: number;
  /**
   * One entry per parameter, keyed by the parameter's path (`w`, `dense.kernel`,
   * `layers[0].bias`; `''` when the params are a single tensor), so a state pairs with the
   * params by name whatever their key order. (Earlier versions kept an array in key order;
   * such a state is refused with an explanation.)
   */
  leaves: Record<string, ShampooLeafState>;
}

/** The option names of `scaleByShampoo` (`shampoo` accepts these and its own). */
export const SCALE_BY_SHAMPOO_OPTIONS: readonly string[] = [
  'beta2', 'epsilon', 'updateEvery', 'startPreconditioningStep', 'grafting', 'graftingBeta1', 'graftingBeta2', 'graftingEpsilon',
  'blockSize', 'maxPreconditionerDim', 'mergeSmallDims', 'rootMaxIterations', 'rootTolerance', 'rootFailureThreshold', 'rootRetries',
  'retryRidgeFactor',
];

export interface ResolvedShampooOptions {
  beta2: number;
  updateEvery: number;
  start: number;
  layout: LayoutOptions;
  root: RootOptions;
  grafting: GraftingOptions;
}

/** Checks `scaleByShampoo`'s options under the name of the function the user called. */
export function resolveShampooOptions(owner: string, o: ScaleByShampooOptions): ResolvedShampooOptions {
  const grafting = o.grafting ?? 'rmsprop';
  if (!GRAFTING_TYPES.includes(grafting)) {
    throw new BasinError(`${owner}: grafting must be one of ${GRAFTING_TYPES.map((t) => `'${t}'`).join(', ')}, got ${describeValue(grafting)}`);
  }
  if (o.mergeSmallDims !== undefined) checkBoolean(owner, 'mergeSmallDims', o.mergeSmallDims);
  const epsilon = checkNumber(owner, 'epsilon', o.epsilon ?? 1e-6, { min: 0, minExclusive: true });
  return {
    beta2: checkNumber(owner, 'beta2', o.beta2 ?? 0.999, { min: 0, max: 1 }),
    updateEvery: checkNumber(owner, 'updateEvery', o.updateEvery ?? 1, { min: 1, integer: true }),
    start: checkNumber(owner, 'startPreconditioningStep', o.startPreconditioningStep ?? 0, { min: 0, integer: true }),
    layout: {
      blockSize: o.blockSize === undefined ? Infinity : checkNumber(owner, 'blockSize', o.blockSize, { min: 1, integer: true }),
      maxPreconditionerDim: checkNumber(owner, 'maxPreconditionerDim', o.maxPreconditionerDim ?? 1024, { min: 1, integer: true }),
      mergeSmallDims: o.mergeSmallDims ?? true,
    },
    root: {
      epsilon,
      maxIterations: checkNumber(owner, 'rootMaxIterations', o.rootMaxIterations ?? 100, { min: 1, integer: true }),
      errorTolerance: checkNumber(owner, 'rootTolerance', o.rootTolerance ?? 1e-6, { min: 0 }),
      failureThreshold: checkNumber(owner, 'rootFailureThreshold', o.rootFailureThreshold ?? 0.1, { min: 0 }),
      retries: checkNumber(owner, 'rootRetries', o.rootRetries ?? 2, { min: 0, integer: true }),
      retryRidgeFactor: checkNumber(owner, 'retryRidgeFactor', o.retryRidgeFactor ?? 10, { min: 1 }),
    },
    grafting: {
      type: grafting,
      beta1: checkNumber(owner, 'graftingBeta1', o.graftingBeta1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
      beta2: checkNumber(owner, 'graftingBeta2', o.graftingBeta2 ?? 0.999, { min: 0, max: 1, maxExclusive: true }),
      epsilon: checkNumber(owner, 'graftingEpsilon', o.graftingEpsilon ?? 1e-8, { min: 0 }),
    },
  };
}

/** Plans by shape, computed once per shape. */
class Planner {
  private readonly plans = new Map<string, LeafPlan>();
  constructor(readonly layout: LayoutOptions) {}
  plan(shape: readonly number[]): LeafPlan {
    const key = shape.join(',');
    let plan = this.plans.get(key);
    if (!plan) {
      plan = planShape(shape, this.layout);
      this.plans.set(key, plan);
    }
    return plan;
  }
}

/** A state in the form an earlier @basin/shampoo saved: per-parameter entries in an array, by position. */
function isPositionalState(state: unknown): boolean {
  return typeof state === 'object' && state !== null && Array.isArray((state as { leaves?: unknown }).leaves) && typeof (state as { count?: unknown }).count === 'number';
}

function positionalStateError(owner: string): BasinError {
  return new BasinError(
    `${owner}: this state was saved by an earlier @basin/shampoo that stored per-parameter state by position ` +
      `(state${owner === 'shampoo' ? '[0]' : ''}.leaves is an array); this version keys it by parameter path. The position ` +
      `followed the params' key order when that state was made, which the state does not record, so it cannot be matched ` +
      `to the params safely. Start a fresh optimizer state with init(params) (the saved params themselves are fine)`,
  );
}

/** A record of per-parameter entries: the form of `ShampooState.leaves`. */
function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof tf.Tensor);
}

const list = (paths: readonly string[]): string => (paths.length === 0 ? 'none' : paths.map(describePath).join(', '));
const shapeOf = (t: unknown): string => (t instanceof tf.Tensor ? `[${t.shape.join(', ')}]` : describeValue(t));

/**
 * Checks the updates against the state by path, before anything is computed: the same
 * parameters (by name), each with the shape its statistics were made for. Returns the
 * updates' leaves with their plans.
 */
function checkState(
  owner: string,
  updates: Tree,
  state: ShampooState,
  planner: Planner,
  grafting: GraftingType,
): { path: string; leaf: tf.Tensor; plan: LeafPlan }[] {
  if (isPositionalState(state)) throw positionalStateError(owner);
  if (!isRecord(state) || !isRecord(state.leaves) || typeof state.count !== 'number' || typeof state.rootFailures !== 'number') {
    throw new BasinError(`${owner}: the state is ${describeValue(state)}; expected the { count, rootFailures, leaves } that ${owner}'s init(params) returns`);
  }
  const entries = uniqueLeaves(owner, 'updates', updates);
  const statePaths = Object.keys(state.leaves).sort();
  const updatePaths = entries.map((e) => e.path);
  const known = new Set(statePaths);
  const given = new Set(updatePaths);
  const missing = statePaths.filter((p) => !given.has(p));
  const extra = updatePaths.filter((p) => !known.has(p));
  if (missing.length > 0 || extra.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`no update for ${list(missing)}`);
    if (extra.length > 0) parts.push(`updates for ${list(extra)}, which the state has no entry for`);
    throw new BasinError(
      `${owner}: the updates do not match the params this state was made for: ${parts.join('; ')} ` +
        `(the state has ${list(statePaths)}; the updates have ${list(updatePaths)})`,
    );
  }
  return entries.map(({ path, leaf }) => {
    if (leaf.size === 0) throw new BasinError(`${owner}: updates at ${describePath(path)} have shape [${leaf.shape.join(', ')}] with no entries; Shampoo needs non-empty tensors`);
    const plan = planner.plan(leaf.shape);
    const s = state.leaves[path] as ShampooLeafState | undefined;
    const where = `state.leaves[${JSON.stringify(path)}]`;
    if (!isRecord(s) || !Array.isArray(s.stats) || !Array.isArray(s.roots) || !isRecord(s.grafting)) {
      throw new BasinError(`${owner}: ${where} is ${describeValue(s)}; expected { stats, roots, grafting } as ${owner}'s init makes`);
    }
    const wanted = plan.blocks.map((b) => b.kinds.map((k, d) => (k === 'full' ? [b.shape[d], b.shape[d]] : [b.shape[d]])));
    const fits = (tensors: unknown) =>
      Array.isArray(tensors) &&
      tensors.length === wanted.length &&
      wanted.every((dims, j) => Array.isArray(tensors[j]) && tensors[j].length === dims.length && dims.every((shape, d) => {
        const t = tensors[j][d];
        return t instanceof tf.Tensor && tf.util.arraysEqual(t.shape, shape);
      }));
    const graftKeys = grafting === 'adam' ? ['mu', 'nu'] : grafting === 'none' || grafting === 'sgd' ? [] : ['nu'];
    const graftFits = graftKeys.every((k) => {
      const t = (s.grafting as Record<string, unknown>)[k];
      return t instanceof tf.Tensor && tf.util.arraysEqual(t.shape, leaf.shape);
    });
    if (!fits(s.stats) || !fits(s.roots) || !graftFits) {
      const have = (s.stats as unknown[]).flat().map(shapeOf).join(', ');
      const need = wanted.flat().map((x) => `[${x.join(', ')}]`).join(', ');
      throw new BasinError(
        `${owner}: updates at ${describePath(path)} have shape [${leaf.shape.join(', ')}], which does not match the state made for that parameter ` +
          `(its statistics have shapes ${have || 'none'}; this shape needs ${need}${graftFits ? '' : `, and ${grafting} grafting moments of shape [${leaf.shape.join(', ')}]`})`,
      );
    }
    for (const t of [...s.stats.flat(), ...s.roots.flat(), ...graftKeys.map((k) => (s.grafting as Record<string, tf.Tensor>)[k])]) {
      if (t.isDisposed) {
        throw new BasinError(`${owner}: ${where} holds a disposed tensor; pass the state the last update returned (the old one may be disposed once you have it)`);
      }
    }
    return { path, leaf, plan };
  });
}

/**
 * The transform itself, without the public checks: `owner` names it in errors (`shampoo` when
 * the alias builds it). Options are already resolved.
 */
export function makeScaleByShampoo(owner: string, o: ResolvedShampooOptions): Transform<ShampooState> {
  const planner = new Planner(o.layout);
  const w1 = o.beta2 < 1 ? o.beta2 : 1;
  const w2 = o.beta2 < 1 ? 1 - o.beta2 : 1;

  return {
    init: (params) => {
      const entries = uniqueLeaves(owner, 'params', params);
      for (const { path, leaf } of entries) {
        if (leaf.size === 0) throw new BasinError(`${owner}: params at ${describePath(path)} have shape [${leaf.shape.join(', ')}] with no entries; Shampoo needs non-empty tensors`);
      }
      const leaves: Record<string, ShampooLeafState> = {};
      for (const { path, leaf } of entries) {
        const plan = planner.plan(leaf.shape);
        leaves[path] = {
          stats: plan.blocks.map((b) => b.kinds.map((k, d) => initialStatistic(b.shape[d], k))),
          roots: plan.blocks.map((b) => b.kinds.map((k, d) => initialRoot(b.shape[d], k))),
          grafting: initGraftingLeaf(leaf, o.grafting.type),
        };
      }
      return { count: 0, rootFailures: 0, leaves };
    },

    update: (updates, state) => {
      const entries = checkState(owner, updates, state, planner, o.grafting.type);
      const t = state.count;
      const active = t >= o.start;
      const recompute = active && (t - o.start) % o.updateEvery === 0;
      let rootFailures = state.rootFailures;
      const made: unknown[] = [];
      try {
        const outLeaves: tf.Tensor[] = [];
        const newLeaves: Record<string, ShampooLeafState> = {};
        for (const { path, leaf, plan } of entries) {
          const old = state.leaves[path];
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
          newLeaves[path] = { stats, roots, grafting: graft.state };
          tf.dispose([g, ...blocks, graft.update]);
        }
        return [treeUnflatten(updates, outLeaves), { count: t + 1, rootFailures, leaves: newLeaves }];
      } catch (e) {
        treeDispose(made);
        throw e;
      }
    },
  };
}

/**
 * Wraps the guarded transform the user holds so that an update first checks, by path, that the
 * Shampoo state (found by `locate`) is in this version's form and belongs to these updates, and
 * says so in plain words (the guard behind it reports other mismatches structurally).
 */
export function withShampooStateCheck<S>(
  name: string,
  guarded: Transform<S>,
  locate: (state: unknown) => unknown,
  o: ResolvedShampooOptions,
): Transform<S> {
  const planner = new Planner(o.layout);
  return {
    ...guarded,
    update: (updates: Tree, state: S, params?: Tree, extras?: Extras) =>
      runEntryPoint(
        name,
        () => {
          const s = locate(state);
          if (isPositionalState(s)) throw positionalStateError(name);
          let valid = false;
          try {
            treeLeaves(updates, undefined, 'updates');
            valid = isRecord(s) && isRecord(s.leaves) && typeof s.count === 'number';
          } catch {
            // Not a tree of tensors: the guard says so with its own message.
          }
          if (valid) checkState(name, updates, s as ShampooState, planner, o.grafting.type);
          return guarded.update(updates, state, params, extras);
        },
        true,
      ),
  };
}

const guardedScaleByShampoo = publicTransform('scaleByShampoo', function scaleByShampoo(options: ScaleByShampooOptions = {}): Transform<ShampooState> {
  const o = checkOptions('scaleByShampoo', options, SCALE_BY_SHAMPOO_OPTIONS) as ScaleByShampooOptions;
  return makeScaleByShampoo('scaleByShampoo', resolveShampooOptions('scaleByShampoo', o));
});

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
 * The state keeps one entry per parameter keyed by its path. The update is a descent
 * direction; chain `scaleByLearningRate` (or use `shampoo`).
 */
export function scaleByShampoo(options: ScaleByShampooOptions = {}): Transform<ShampooState> {
  const t = guardedScaleByShampoo(options);
  // A plain transform comes back when another Basin factory builds with it: that one checks.
  if (t.name !== 'scaleByShampoo') return t;
  return withShampooStateCheck('scaleByShampoo', t, (s) => s, resolveShampooOptions('scaleByShampoo', options));
}
