import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { BasinError } from '../errors';
import { assertSameStructure, Tree, treeFlatten, treeLeaves, treeMap, treeUnflatten } from '../tree';
import { checkBoolean, checkNumber } from '../validate';
import { checkOptions } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByFactoredRmsOptions {
  /** Factor the second moment of matrices (Adafactor); false keeps a full one for every leaf. Default true. */
  factored?: boolean;
  /** Exponent of the second-moment decay schedule `1 - t^(-decayRate)`, >= 0. Default 0.8. */
  decayRate?: number;
  /** Step the decay schedule starts from (fine-tuning from a restored state), an integer >= 0. Default 0. */
  stepOffset?: number;
  /** A leaf is factored when its two largest dimensions are both at least this size. Default 128. */
  minDimSizeToFactor?: number;
  /** Added to the squared gradient, >= 0. Default 1e-30. */
  eps?: number;
}

export interface FactoredRmsState {
  count: number;
  /**
   * Per factored leaf: the row statistics (the leaf's shape without its largest dimension);
   * an empty `[0]` tensor for leaves that are not factored.
   */
  vRow: Tree;
  /**
   * Per factored leaf: the column statistics (the shape without its second largest dimension);
   * an empty `[0]` tensor for leaves that are not factored.
   */
  vCol: Tree;
  /** Per unfactored leaf: the full second moment; an empty `[0]` tensor for factored leaves. */
  v: Tree;
}

/** Validates scaleByFactoredRms's options (shared by adafactor, which names them itself). */
export function checkFactoredRmsOptions(
  owner: string,
  o: ScaleByFactoredRmsOptions,
  offsetName = 'stepOffset',
): Required<ScaleByFactoredRmsOptions> {
  return {
    factored: checkBoolean(owner, 'factored', o.factored ?? true),
    decayRate: checkNumber(owner, 'decayRate', o.decayRate ?? 0.8, { min: 0 }),
    stepOffset: checkNumber(owner, offsetName, o.stepOffset ?? 0, { min: 0, integer: true }),
    minDimSizeToFactor: checkNumber(owner, 'minDimSizeToFactor', o.minDimSizeToFactor ?? 128, { min: 0, integer: true }),
    eps: checkNumber(owner, 'eps', o.eps ?? 1e-30, { min: 0 }),
  };
}

/**
 * The two dimensions a leaf's second moment is factored over, `[d1, d0]` with `d0` the largest
 * and `d1` the second largest (ties go to the earlier axis, as numpy's argsort does for small
 * ranks), or undefined when the leaf keeps a full second moment (optax's `_factored_dims`).
 */
export function factoredDims(shape: readonly number[], factored: boolean, minDimSizeToFactor: number): [number, number] | undefined {
  if (!factored || shape.length < 2) return undefined;
  const order = shape.map((_, i) => i).sort((a, b) => shape[a] - shape[b] || a - b);
  const d1 = order[order.length - 2];
  const d0 = order[order.length - 1];
  return shape[d1] < minDimSizeToFactor ? undefined : [d1, d0];
}

const without = (shape: readonly number[], axis: number): number[] => shape.filter((_, i) => i !== axis);

/**
 * Adafactor's rescaling (Shazeer & Stern 2018, "Adafactor: Adaptive Learning Rates with
 * Sublinear Memory Cost", Algorithms 4 and 5), as optax's `scale_by_factored_rms`
 * (optax/_src/factorized.py). With `beta2_t = 1 - t^(-decayRate)`, `t` the 1-based step less
 * `stepOffset`, and `G = g^2 + eps`:
 * - a leaf whose two largest dimensions are both `>= minDimSizeToFactor` keeps only row and
 *   column means: `R = beta2_t R + (1 - beta2_t) mean(G, d0)`, `C = beta2_t C + (1 - beta2_t) mean(G, d1)`,
 *   and the update is `g / sqrt(R C / mean(R))` (so a `[256, 512]` matrix keeps 256 + 512 numbers);
 * - any other leaf keeps the full `v = beta2_t v + (1 - beta2_t) G` and the update is `g / sqrt(v)`.
 *
 * It reads the shape from the updates, so unlike optax it does not need params. `offsetName` is
 * the name errors give the offset (adafactor calls it `decayOffset`).
 */
export const scaleByFactoredRms = publicTransform('scaleByFactoredRms', function scaleByFactoredRms(
  options: ScaleByFactoredRmsOptions = {},
  offsetName = 'stepOffset',
): Transform<FactoredRmsState> {
  const owner = 'scaleByFactoredRms';
  const { factored, decayRate, stepOffset, minDimSizeToFactor, eps } = checkFactoredRmsOptions(
    owner,
    checkOptions(owner, options, '{ decayRate: 0.8, minDimSizeToFactor: 128 }', true),
    offsetName,
  );
  const dimsOf = (x: tf.Tensor) => factoredDims(x.shape, factored, minDimSizeToFactor);
  const empty = () => tf.zeros([0]);
  return {
    init: (params) => ({
      count: 0,
      vRow: treeMap((p) => {
        const dims = dimsOf(p);
        return dims ? tf.zeros(without(p.shape, dims[1])) : empty();
      }, params),
      vCol: treeMap((p) => {
        const dims = dimsOf(p);
        return dims ? tf.zeros(without(p.shape, dims[0])) : empty();
      }, params),
      v: treeMap((p) => (dimsOf(p) ? empty() : tf.zerosLike(p)), params),
    }),
    update: (updates, state) => {
      for (const name of ['vRow', 'vCol', 'v'] as const) {
        try {
          assertSameStructure(state[name], updates, [`state.${name}`, 'updates'], { checkShapes: false });
        } catch (e) {
          throw new BasinError(`${owner}: ${(e as Error).message}`);
        }
      }
      const t = state.count - stepOffset + 1;
      if (t < 1) {
        throw new BasinError(
          `${owner}: the step count (${state.count}) is before ${offsetName} (${stepOffset}); ${offsetName} is for a state restored at that step, so start from 0 or continue the restored count`,
        );
      }
      const decay = 1 - Math.pow(t, -decayRate);
      const entries = treeLeaves(updates);
      const [vRows, vCols, vs] = [treeFlatten(state.vRow), treeFlatten(state.vCol), treeFlatten(state.v)];
      const results = tf.tidy(() =>
        entries.map(({ path, leaf: g }, i) => {
          const dims = dimsOf(g);
          const gradSqr = tf.add(tf.square(g), eps);
          if (dims === undefined) {
            if (!tf.util.arraysEqual(vs[i].shape, g.shape)) {
              throw new BasinError(`${owner}: state.v at '${path}' has shape [${vs[i].shape.join(', ')}], the updates [${g.shape.join(', ')}]`);
            }
            const v = tf.add(tf.mul(vs[i], decay), tf.mul(gradSqr, 1 - decay));
            return { out: tf.mul(g, tf.rsqrt(v)), vRow: empty(), vCol: empty(), v };
          }
          const [d1, d0] = dims;
          const rowShape = without(g.shape, d0);
          const colShape = without(g.shape, d1);
          if (!tf.util.arraysEqual(vRows[i].shape, rowShape) || !tf.util.arraysEqual(vCols[i].shape, colShape)) {
            throw new BasinError(
              `${owner}: the factored state at '${path}' has shapes [${vRows[i].shape.join(', ')}] and [${vCols[i].shape.join(', ')}], the updates [${g.shape.join(', ')}] need [${rowShape.join(', ')}] and [${colShape.join(', ')}]`,
            );
          }
          const vRow = tf.add(tf.mul(vRows[i], decay), tf.mul(tf.mean(gradSqr, d0), 1 - decay));
          const vCol = tf.add(tf.mul(vCols[i], decay), tf.mul(tf.mean(gradSqr, d1), 1 - decay));
          const reducedD1 = d1 > d0 ? d1 - 1 : d1;
          const rowFactor = tf.rsqrt(tf.div(vRow, tf.mean(vRow, reducedD1, true)));
          const colFactor = tf.rsqrt(vCol);
          const out = tf.mul(tf.mul(g, tf.expandDims(rowFactor, d0)), tf.expandDims(colFactor, d1));
          return { out, vRow, vCol, v: empty() };
        }),
      );
      const pick = (key: 'out' | 'vRow' | 'vCol' | 'v') => treeUnflatten(updates, results.map((r) => r[key])) as Tree;
      return [pick('out'), { count: state.count + 1, vRow: pick('vRow'), vCol: pick('vCol'), v: pick('v') }];
    },
  };
});
