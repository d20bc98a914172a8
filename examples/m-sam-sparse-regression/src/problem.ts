// The sparse-regression problem of Andriushchenko & Flammarion (ICML 2022, sec. 4): a diagonal
// linear network f(x) = <x, u * v> fitted to n = 20 noiseless points in d = 30 dimensions whose
// target is 3-sparse. Data are Gaussian; everything is seeded, so runs are reproducible.
import { mulberry32 } from '@basin/core';

export interface SparseRegression {
  n: number;
  d: number;
  X: number[][];
  y: number[];
  XTest: number[][];
  yTest: number[];
  betaStar: number[];
}

function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** x ~ N(0, I_d), y = <x, beta*>, beta* = 1 on the first `sparsity` coordinates, 0 elsewhere. */
export function makeSparseRegression({ n = 20, d = 30, sparsity = 3, nTest = 1000, seed = 0 } = {}): SparseRegression {
  const normal = gaussian(mulberry32(seed + 1));
  const betaStar = Array.from({ length: d }, (_, j) => (j < sparsity ? 1 : 0));
  const rows = (m: number) => Array.from({ length: m }, () => Array.from({ length: d }, normal));
  const label = (x: number[]) => x.reduce((s, v, j) => s + v * betaStar[j], 0);
  const X = rows(n);
  const XTest = rows(nTest);
  return { n, d, X, y: X.map(label), XTest, yTest: XTest.map(label), betaStar };
}

/** Mean squared error of beta = u * v on (X, y), in float64. */
export function mse(beta: ArrayLike<number>, X: number[][], y: number[]): number {
  let s = 0;
  for (let i = 0; i < X.length; i++) {
    let p = 0;
    for (let j = 0; j < beta.length; j++) p += X[i][j] * beta[j];
    s += (p - y[i]) ** 2;
  }
  return s / X.length;
}
