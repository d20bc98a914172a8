import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, entryPoint } from '@basin/core';
import { checkedMatvec, checkOperator, checkProgress, optionsRecord } from '../checks';
import type { LinearOperator } from '../hessian';
import { tridiagonalEigen } from '../linalg/tridiagonal';
import type { ProgressCallback } from '../progress';
import { VectorRandom } from '../random';
import { lanczos } from './lanczos';

export interface DensityOptions {
  /** Lanczos steps per run (HVPs per run). Default 30. */
  steps?: number;
  /** Independent runs (random starts) averaged. Default 4. */
  runs?: number;
  /** Grid points of the returned density. Default 400. */
  points?: number;
  /**
   * Width of the Gaussian kernel, as a fraction of the spectrum's range (max node - min node).
   * Default 0.01.
   */
  sigma?: number;
  seed?: number;
  onProgress?: ProgressCallback;
}

export interface SpectralDensity {
  /** Grid of eigenvalues t. */
  grid: number[];
  /** Smoothed density phi(t) on the grid (integrates to about 1). */
  density: number[];
  /** Quadrature nodes (Ritz values) and weights of each run: the density's raw form. */
  nodes: number[][];
  weights: number[][];
  /** The Gaussian kernel's standard deviation used, in eigenvalue units. */
  sigma: number;
  matvecs: number;
}

/**
 * Spectral density by stochastic Lanczos quadrature (Lin, Saad & Yang 2016; Ghorbani, Krishnan &
 * Xiao 2019; PyHessian, Yao et al. 2020): for each run, m Lanczos steps from a random unit vector
 * give nodes theta_j (Ritz values) and weights tau_j = (first component of T's j-th eigenvector)^2;
 * phi(t) = mean over runs of sum_j tau_j N(t; theta_j, sigma^2).
 */
export const spectralDensity = entryPoint('spectralDensity', function spectralDensity(op: LinearOperator, options: DensityOptions = {}): SpectralDensity {
  const owner = 'spectralDensity';
  checkOperator(owner, op);
  const o = optionsRecord(owner, options);
  const steps = Math.min(op.size, checkNumber(owner, 'steps', o.steps ?? 30, { min: 1, integer: true }));
  const runs = checkNumber(owner, 'runs', o.runs ?? 4, { min: 1, integer: true });
  const points = checkNumber(owner, 'points', o.points ?? 400, { min: 2, integer: true });
  const sigmaFraction = checkNumber(owner, 'sigma', o.sigma ?? 0.01, { min: 0, minExclusive: true });
  const random = new VectorRandom(checkNumber(owner, 'seed', o.seed ?? 0, { integer: true }));
  checkProgress(owner, o.onProgress);
  const checked: LinearOperator = { size: op.size, matvec: checkedMatvec(op) };
  const nodes: number[][] = [];
  const weights: number[][] = [];
  let matvecs = 0;
  // One tidy: nothing survives, also when the operator throws part way.
  tf.tidy(() => {
    for (let r = 0; r < runs; r++) {
      const start = random.unit(op.size);
      const run = lanczos(checked, start, steps, (s) => {
        o.onProgress?.({ task: 'density', done: r * steps + s.alpha.length, total: runs * steps });
        return false;
      });
      start.dispose();
      tf.dispose(run.basis);
      matvecs += run.matvecs;
      const { values, vectors } = tridiagonalEigen(run.alpha, run.beta);
      nodes.push(Array.from(values));
      weights.push(vectors.map((v) => v[0] * v[0]));
    }
  });
  const all = nodes.flat();
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const range = Math.max(hi - lo, 1e-12 * Math.max(1, Math.abs(hi)));
  const sigma = sigmaFraction * range;
  const pad = 5 * sigma;
  const grid = Array.from({ length: points }, (_, i) => lo - pad + ((hi - lo + 2 * pad) * i) / (points - 1));
  const norm = 1 / (runs * sigma * Math.sqrt(2 * Math.PI));
  const density = grid.map((t) => {
    let s = 0;
    nodes.forEach((ns, r) => ns.forEach((theta, j) => (s += weights[r][j] * Math.exp(-((t - theta) ** 2) / (2 * sigma * sigma)))));
    return s * norm;
  });
  return { grid, density, nodes, weights, sigma, matvecs };
});
