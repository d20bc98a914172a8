import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transform';
import { BasinError } from '../errors';
import { describePath, Tree, treeDispose, treeFlatten, treeLeaves, treeMap, treeUnflatten, treeZerosLike } from '../tree';
import { checkNumber } from '../validate';
import { assertUpdatesMatch, checkOptions, requireParams } from './state-checks';
import { publicTransform } from '../entry/public-transform';

export interface ScaleByNovogradOptions {
  /** Momentum of the normalized gradients, in [0, 1). Default 0.9. */
  b1?: number;
  /** Decay of each leaf's squared gradient norm, in [0, 1). Default 0.25. */
  b2?: number;
  /** Added to the root of the second moment. Default 1e-8 (the `novograd` alias uses 1e-6). */
  eps?: number;
  /** Added inside the root of the second moment. Default 0. */
  epsRoot?: number;
  /** Coefficient of the params added to each normalized gradient, >= 0. Default 0. */
  weightDecay?: number;
}

export interface NovogradState {
  count: number;
  /** Momentum of the normalized (and decayed) gradients, shaped like the params. */
  mu: Tree;
  /** Running average of each leaf's squared gradient norm: one scalar per leaf. */
  nu: Tree;
}

/** Validates NovoGrad's options under `owner` (the function the user called). */
export function checkNovogradOptions(owner: string, o: ScaleByNovogradOptions): Required<ScaleByNovogradOptions> {
  return {
    b1: checkNumber(owner, 'b1', o.b1 ?? 0.9, { min: 0, max: 1, maxExclusive: true }),
    b2: checkNumber(owner, 'b2', o.b2 ?? 0.25, { min: 0, max: 1, maxExclusive: true }),
    eps: checkNumber(owner, 'eps', o.eps ?? 1e-8, { min: 0 }),
    epsRoot: checkNumber(owner, 'epsRoot', o.epsRoot ?? 0, { min: 0 }),
    weightDecay: checkNumber(owner, 'weightDecay', o.weightDecay ?? 0, { min: 0 }),
  };
}

/**
 * The per-leaf norms of `state.nu` in the order of `paths` (the updates' leaves): `nu` holds one
 * scalar per leaf, so it is paired with the updates by path, not by shape.
 */
function normsByPath(nu: Tree, paths: string[]): tf.Tensor[] {
  const entries = treeLeaves(nu, undefined, 'state.nu');
  const byPath = new Map(entries.map((e) => [e.path, e.leaf]));
  return paths.map((path) => {
    const n = byPath.get(path);
    if (n === undefined || n.rank !== 0 || entries.length !== paths.length) {
      throw new BasinError(`scaleByNovograd: state.nu must hold one scalar per updates leaf; ${n === undefined ? `it has none for ${describePath(path)}` : n.rank !== 0 ? `at ${describePath(path)} it has shape [${n.shape.join(', ')}]` : `it has ${entries.length} leaves for ${paths.length} updates leaves`}`);
    }
    return n;
  });
}

/**
 * NovoGrad's layer-wise rescaling (Ginsburg et al. 2019, "Stochastic Gradient Methods with
 * Layer-wise Adaptive Moments for Training of Deep Networks"), as optax's `scale_by_novograd`
 * (optax/_src/transform.py). Per leaf: `nu = b2 nu + (1-b2) ||g||^2` (a scalar; `||g||^2` itself on
 * the first step), `mu = b1 mu + g / (sqrt(nu + epsRoot) + eps) + weightDecay * p` (without the
 * `b1 mu` term on the first step), and the update is `mu`. No bias correction. Reads the params
 * when `weightDecay` is not 0.
 */
export const scaleByNovograd = publicTransform('scaleByNovograd', function scaleByNovograd(options: ScaleByNovogradOptions = {}): Transform<NovogradState> {
  const { b1, b2, eps, epsRoot, weightDecay } = checkNovogradOptions('scaleByNovograd', checkOptions('scaleByNovograd', options, '{ b1: 0.9, b2: 0.25 }', true));
  return {
    init: (params) => ({ count: 0, mu: treeZerosLike(params), nu: treeMap(() => tf.scalar(0, 'float32'), params) }),
    update: (updates, state, params) => {
      assertUpdatesMatch('scaleByNovograd', state.mu, updates, 'state.mu');
      const p = weightDecay === 0 ? undefined : requireParams('scaleByNovograd', params, updates);
      const grads = treeLeaves(updates);
      const norms = normsByPath(state.nu, grads.map((e) => e.path));
      const moments = treeFlatten(state.mu);
      const weights = p === undefined ? undefined : treeFlatten(p);
      const first = state.count === 0;
      const nu: tf.Tensor[] = [];
      const mu: tf.Tensor[] = [];
      try {
        grads.forEach(({ leaf: g }, i) => {
          const n = tf.tidy(() => {
            const sq = tf.sum(tf.square(g));
            return first ? sq : tf.add(tf.mul(norms[i], b2), tf.mul(sq, 1 - b2));
          });
          nu.push(n);
          mu.push(
            tf.tidy(() => {
              let u = tf.div(g, tf.add(tf.sqrt(epsRoot === 0 ? n : tf.add(n, epsRoot)), eps));
              if (weights !== undefined) u = tf.add(u, tf.mul(weights[i], weightDecay));
              return first ? u : tf.add(tf.mul(moments[i], b1), u);
            }),
          );
        });
      } catch (e) {
        treeDispose([nu, mu]);
        throw e;
      }
      const muTree = treeUnflatten(updates, mu);
      return [treeMap((m) => tf.clone(m), muTree), { count: state.count + 1, mu: muTree, nu: treeUnflatten(updates, nu) }];
    },
  };
});
