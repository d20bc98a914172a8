// Helpers shared by the wrappers' tests (excluded from the build).
import { tf } from '@basin/testing';
import { BasinError } from '../src/errors';
import type { Extras, Transform } from '../src/transform';
import { isTensor, Tree, treeDispose, treeLeaves } from '../src/tree';
import { step } from '../src/training/step';
import type { LossFn } from '../src/training/value-and-grad';
import { sliceBatch } from '../src/training/microbatch';
import { leafValues } from '.';

/** The same tree with every record's keys inserted in reverse order (tensors cloned). */
export function reversedKeys(tree: Tree): Tree {
  const visit = (node: unknown): unknown => {
    if (isTensor(node)) return tf.clone(node);
    if (Array.isArray(node)) return node.map(visit);
    const record = node as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).reverse().map((k) => [k, visit(record[k])]));
  };
  return visit(tree) as Tree;
}

/** Every tensor's values keyed by path, for comparing a state with numbers as well as tensors. */
export function stateValues(state: unknown): unknown {
  if (isTensor(state)) return Array.from(state.dataSync());
  if (Array.isArray(state)) return state.map(stateValues);
  if (typeof state === 'object' && state !== null) {
    const record = state as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).sort().map((k) => [k, stateValues(record[k])]));
  }
  return state;
}

export interface SamLikeState {
  calls: number;
}

/**
 * A SAM-like transform (Foret et al. 2021's two-gradient step, written here so core's tests do
 * not depend on @basin/sam): returns the gradient at `params + rho * g / ||g||` from
 * `extras.gradFn`, and refuses to run without it.
 */
export function samLike(rho = 0.05): Transform<SamLikeState> {
  return {
    init: () => ({ calls: 0 }),
    update: (updates, state, params, extras?: Extras) => {
      if (!extras?.gradFn) throw new BasinError('samLike: needs extras.gradFn');
      if (!params) throw new BasinError('samLike: needs params');
      const leaves = treeLeaves(updates);
      const perturbed = tf.tidy(() => {
        const norm = tf.sqrt(tf.addN(leaves.map((e) => tf.sum(tf.square(e.leaf)))));
        const p = treeLeaves(params);
        return Object.fromEntries(p.map((e, i) => [e.path, tf.add(e.leaf, tf.mul(tf.div(leaves[i].leaf, norm), rho))]));
      });
      // The least-squares params are a flat record { b, w }, so paths are keys.
      const { loss, grads } = extras.gradFn(perturbed as Tree);
      treeDispose([perturbed, loss]);
      return [grads, { calls: state.calls + 1 }];
    },
  };
}

/** Runs `step` over `batches` (or over the microbatches of one batch) and returns each step's params as plain arrays. */
export function trainSteps<B extends Tree>(
  transform: Transform<any>,
  lossFn: LossFn<B>,
  params: Tree,
  batches: B[],
  { checkFinite = true }: { checkFinite?: boolean } = {},
): { trajectory: Record<string, number[]>[]; params: Tree; state: unknown } {
  let p = params;
  let state = transform.init(params);
  const trajectory: Record<string, number[]>[] = [];
  for (const batch of batches) {
    const result = step(transform, lossFn, p, state, batch, { checkFinite });
    if (p !== params) treeDispose(p);
    treeDispose([state, result.loss]);
    p = result.params;
    state = result.state;
    trajectory.push(leafValues(p));
  }
  return { trajectory, params: p, state };
}

/** The `count` equal consecutive microbatches of a batch (fresh tensors). */
export function microbatches<B extends Tree>(batch: B, count: number): B[] {
  return Array.from({ length: count }, (_, index) => sliceBatch(batch, { index, count }) as B);
}
