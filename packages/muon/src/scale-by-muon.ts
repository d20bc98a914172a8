import * as tf from '@tensorflow/tfjs-core';
import {
  BasinError,
  checkNumber,
  treeLeaves,
  treeMap,
  treeUnflatten,
  treeZerosLike,
  assertUpdatesMatch,
  type Transform,
  type Tree,
} from '@basin/core';
import { matrixView, type MatrixView } from './matrix-shape';
import { planNewtonSchulz, runNewtonSchulz, type NewtonSchulzOptions } from './newton-schulz';

/**
 * How the orthogonalised update is scaled, for a `[fanIn, fanOut]` matrix:
 * - `'shape'`: `sqrt(max(1, fanOut / fanIn))` (Jordan's reference and optax; default),
 * - `'rms'`: `rmsFactor * sqrt(max(fanIn, fanOut))`, which gives the update about the RMS of an
 *   AdamW update so AdamW's learning rate and weight decay carry over (Liu et al. 2025,
 *   "Muon is Scalable for LLM Training"),
 * - `'none'`: no scaling.
 */
export type MuonScale = 'shape' | 'rms' | 'none';

export interface ScaleByMuonOptions extends NewtonSchulzOptions {
  /** Momentum decay, in [0, 1): `mu <- beta mu + (1 - beta) g`. Default 0.95. */
  beta?: number;
  /** Nesterov momentum: orthogonalise `beta mu + (1 - beta) g` instead of `mu`. Default true. */
  nesterov?: boolean;
  /** Divide the momentum by `1 - beta^t` (optax does; Jordan's reference does not). Default true. */
  biasCorrection?: boolean;
  /** Update scale; see `MuonScale`. Default `'shape'`. */
  scale?: MuonScale;
  /** The factor of the `'rms'` scale. Default 0.2. */
  rmsFactor?: number;
  /**
   * Multiply the orthogonalised update by `<M, O>` (the dual norm of the momentum `M`;
   * Bernstein & Newhouse 2024), as optax's `adaptive`. Default false.
   */
  adaptive?: boolean;
}

export interface MuonState {
  /** Steps taken so far. */
  count: number;
  /** EMA of the gradients, shaped like the params. */
  mu: Tree;
}

function scaleFactor(scale: MuonScale, rmsFactor: number, { fanIn, fanOut }: MatrixView): number {
  if (scale === 'shape') return Math.sqrt(Math.max(1, fanOut / fanIn));
  if (scale === 'rms') return rmsFactor * Math.sqrt(Math.max(fanIn, fanOut));
  return 1;
}

/**
 * Muon's rescaling (Jordan 2024; optax's `scale_by_muon`): an EMA of the gradients, its Nesterov
 * look-ahead, bias correction, Newton-Schulz orthogonalisation of each matrix, and a shape-aware
 * scale. Every leaf must be a matrix `[in, out]` or a conv kernel `[..., in, out]` (treated as
 * `[prod(leading), out]`); use the `muon()` alias to send other leaves to AdamW.
 *
 * With `t` the new count and `c(k) = 1 - beta^k` (or 1 without bias correction):
 * `mu = beta mu + (1 - beta) g`; `M = beta mu / c(t+1) + (1 - beta) g / c(t)` (Nesterov) or
 * `M = mu / c(t)`; update `= s * NS(M)`.
 */
export function scaleByMuon(options: ScaleByMuonOptions = {}): Transform<MuonState> {
  const owner = 'scaleByMuon';
  const beta = checkNumber(owner, 'beta', options.beta ?? 0.95, { min: 0, max: 1, maxExclusive: true });
  const rmsFactor = checkNumber(owner, 'rmsFactor', options.rmsFactor ?? 0.2, { min: 0, minExclusive: true });
  const nesterov = options.nesterov ?? true;
  const biasCorrection = options.biasCorrection ?? true;
  const adaptive = options.adaptive ?? false;
  const scale = options.scale ?? 'shape';
  if (!['shape', 'rms', 'none'].includes(scale)) {
    throw new BasinError(`${owner}: scale must be 'shape', 'rms' or 'none', got ${JSON.stringify(scale)}`);
  }
  const plan = planNewtonSchulz(owner, options);
  const correction = (k: number): number => (biasCorrection ? 1 - Math.pow(beta, k) : 1);

  // Shapes are checked for the whole tree before any tensor is made, so a bad leaf leaks nothing.
  const views = (tree: Tree): MatrixView[] => treeLeaves(tree).map((e) => matrixView(owner, e.path, e.leaf.shape));

  return {
    init: (params) => {
      views(params);
      return { count: 0, mu: treeZerosLike(params) };
    },
    update: (updates, state) => {
      assertUpdatesMatch(owner, state.mu, updates, 'state.mu');
      const shapes = views(updates);
      const count = state.count + 1;
      const mu = treeMap((g, m) => tf.tidy(() => tf.add(tf.mul(m, beta), tf.mul(g, 1 - beta))), updates, state.mu);
      const gLeaves = treeLeaves(updates);
      const muLeaves = treeLeaves(mu);
      const out = gLeaves.map(({ leaf: g }, i) =>
        tf.tidy(() => {
          const m = muLeaves[i].leaf;
          const momentum = nesterov
            ? tf.add(tf.mul(m, beta / correction(count + 1)), tf.mul(g, (1 - beta) / correction(count)))
            : tf.div(m, correction(count));
          const view = shapes[i];
          const matrix = tf.reshape(momentum, [view.fanIn, view.fanOut]) as tf.Tensor2D;
          let o: tf.Tensor = runNewtonSchulz(matrix, plan);
          if (adaptive) o = tf.mul(o, tf.sum(tf.mul(matrix, o)));
          return tf.reshape(tf.mul(o, scaleFactor(scale, rmsFactor, view)), g.shape);
        }),
      );
      return [treeUnflatten(updates, out), { count, mu }];
    },
  };
}
