import * as tf from '@tensorflow/tfjs-core';
import {
  BasinError,
  checkNumber,
  describeValue,
  publicTransform,
  treeDispose,
  treeLeaves,
  treeMap,
  treeUnflatten,
  treeZerosLike,
  assertUpdatesMatch,
  type Transform,
  type Tree,
  checkBoolean,
  checkKnownOptions as checkOptions,
} from '@basin/core';
import { pathShapes, withPathCheck } from './checks';
import { viewOf, type MatrixView } from './matrix-shape';
import { makePlan, NEWTON_SCHULZ_OPTIONS, orthogonalize, type NewtonSchulzOptions } from './newton-schulz';

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

/** The option names of `scaleByMuon` (`muon` accepts these and its own). */
export const SCALE_BY_MUON_OPTIONS: readonly string[] = ['beta', 'nesterov', 'biasCorrection', 'scale', 'rmsFactor', 'adaptive', ...NEWTON_SCHULZ_OPTIONS];

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
  const t = guardedScaleByMuon(options);
  // A plain transform comes back when another Basin factory builds with it: that one checks.
  return t.name === 'scaleByMuon' ? withPathCheck('scaleByMuon', t, muonStatePaths) : t;
}

const guardedScaleByMuon = publicTransform('scaleByMuon', function scaleByMuon(options: ScaleByMuonOptions = {}): Transform<MuonState> {
  return makeScaleByMuon('scaleByMuon', checkOptions('scaleByMuon', options, SCALE_BY_MUON_OPTIONS) as ScaleByMuonOptions);
});

/** The paths and shapes a `scaleByMuon` state (or one in `muon`'s branches) was made for. */
export function muonStatePaths(state: unknown): Map<string, number[]> | undefined {
  const s = state as Partial<MuonState> | null | undefined;
  if (s === null || typeof s !== 'object' || typeof s.count !== 'number' || s.mu === null || typeof s.mu !== 'object') return undefined;
  return pathShapes(s.mu);
}

/** Checks `scaleByMuon`'s options under the name of the function the user called. */
export function checkMuonOptions(owner: string, options: ScaleByMuonOptions) {
  const beta = checkNumber(owner, 'beta', options.beta ?? 0.95, { min: 0, max: 1, maxExclusive: true });
  const rmsFactor = checkNumber(owner, 'rmsFactor', options.rmsFactor ?? 0.2, { min: 0, minExclusive: true });
  const nesterov = checkBoolean(owner, 'nesterov', options.nesterov ?? true);
  const biasCorrection = checkBoolean(owner, 'biasCorrection', options.biasCorrection ?? true);
  const adaptive = checkBoolean(owner, 'adaptive', options.adaptive ?? false);
  const scale = options.scale ?? 'shape';
  if (!['shape', 'rms', 'none'].includes(scale)) {
    throw new BasinError(`${owner}: scale must be 'shape', 'rms' or 'none', got ${describeValue(scale)}`);
  }
  const plan = makePlan(owner, options);
  return { beta, rmsFactor, nesterov, biasCorrection, adaptive, scale, plan };
}

/** The transform without the public checks; `owner` names it in errors (`muon` for the alias's branch). */
export function makeScaleByMuon(owner: string, options: ScaleByMuonOptions): Transform<MuonState> {
  const { beta, rmsFactor, nesterov, biasCorrection, adaptive, scale, plan } = checkMuonOptions(owner, options);
  const correction = (k: number): number => (biasCorrection ? 1 - Math.pow(beta, k) : 1);

  // Shapes are checked for the whole tree before any tensor is made, so a bad leaf leaks nothing.
  const views = (tree: Tree, what: string): MatrixView[] => treeLeaves(tree, undefined, what).map((e) => viewOf(owner, e.path, e.leaf.shape));

  return {
    init: (params) => {
      views(params, 'params');
      return { count: 0, mu: treeZerosLike(params) };
    },
    update: (updates, state) => {
      if (state === null || typeof state !== 'object' || typeof state.count !== 'number' || state.mu === undefined) {
        throw new BasinError(`${owner}: the state is ${describeValue(state)}; expected the { count, mu } that ${owner}'s init(params) returns`);
      }
      assertUpdatesMatch(owner, state.mu, updates, 'state.mu');
      const shapes = views(updates, 'updates');
      const count = state.count + 1;
      const mu = treeMap((g, m) => tf.tidy(() => tf.add(tf.mul(m, beta), tf.mul(g, 1 - beta))), updates, state.mu);
      const gLeaves = treeLeaves(updates);
      const muLeaves = treeLeaves(mu);
      const out: tf.Tensor[] = [];
      try {
        gLeaves.forEach(({ leaf: g }, i) => {
          out.push(
            tf.tidy(() => {
              const m = muLeaves[i].leaf;
              const momentum = nesterov
                ? tf.add(tf.mul(m, beta / correction(count + 1)), tf.mul(g, (1 - beta) / correction(count)))
                : tf.div(m, correction(count));
              const view = shapes[i];
              const matrix = tf.reshape(momentum, [view.fanIn, view.fanOut]) as tf.Tensor2D;
              let o: tf.Tensor = orthogonalize(matrix, plan);
              if (adaptive) o = tf.mul(o, tf.sum(tf.mul(matrix, o)));
              return tf.reshape(tf.mul(o, scaleFactor(scale as MuonScale, rmsFactor, view)), g.shape);
            }),
          );
        });
      } catch (e) {
        treeDispose([mu, out]);
        throw e;
      }
      return [treeUnflatten(updates, out), { count, mu }];
    },
  };
}
