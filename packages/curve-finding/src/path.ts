import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, entryPoint, runEntryPoint, Tree, treeClone, treeDispose, treeGlobalNorm, treeMap, treeSub, checkMatches, floatLeaves } from '@basin/core';
import { describeGot, isRecord } from './checks';

/** A path through weight space: `pointAt(t)` for `t` in [0, 1] returns fresh tensors the caller owns. */
export interface Path {
  pointAt(t: number): Tree;
}

/** `n` evenly spaced values of t from 0 to 1 (both included). */
export const linspace01 = entryPoint('linspace01', function linspace01(n: number): number[] {
  checkNumber('linspace01', 'points', n, { min: 2, integer: true });
  return Array.from({ length: n }, (_, k) => k / (n - 1));
});

/**
 * The straight line `(1 - t) start + t end`, the baseline a curve is compared with. Keeps its own
 * copies of the endpoints: call `dispose()` when done.
 */
export const linePath = entryPoint('linePath', function linePath(start: Tree, end: Tree): Path & { dispose(): void } {
  floatLeaves('linePath', 'start', start);
  // Endpoints are paired by path (record keys in any insertion order), never by position.
  checkMatches('linePath', start, 'start', end, 'end', 'endpoint trees do not match: ');
  const a = treeClone(start);
  const b = treeClone(end);
  let disposed = false;
  return {
    pointAt(t: number): Tree {
      return runEntryPoint('linePath.pointAt', () => {
        checkNumber('linePath.pointAt', 't', t, { min: 0, max: 1 });
        if (disposed) throw new BasinError('linePath.pointAt: the path was disposed');
        if (t === 0) return treeClone(a);
        if (t === 1) return treeClone(b);
        return treeMap((x, y) => tf.tidy(() => tf.add(tf.mul(x, 1 - t), tf.mul(y, t))), a, b);
      });
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      treeDispose([a, b]);
    },
  };
});

/** Checks that `path` has a `pointAt(t)` function. */
export function checkPath(owner: string, path: unknown): void {
  if (!isRecord(path) || typeof path.pointAt !== 'function') {
    throw new BasinError(`${owner}: path must have a pointAt(t) function (curve.path(params) or linePath(start, end)), got ${describeGot(path)}`);
  }
}

/** `path.pointAt(t)`, checked to return a tree of float32 tensors. */
export function pointOf(path: Path, t: number): Tree {
  const point = path.pointAt(t);
  try {
    floatLeaves('path.pointAt', `the point at t = ${t}`, point);
  } catch (e) {
    treeDispose(point);
    throw e;
  }
  return point;
}

/**
 * Length of the polygon through `path` at `ts`: `sum_k ||theta(t_{k+1}) - theta(t_k)||_2`, a lower
 * bound on the arc length that converges to it as the points get denser.
 */
export const arcLength = entryPoint('arcLength', function arcLength(path: Path, ts: readonly number[]): number {
  checkPath('arcLength', path);
  if (!Array.isArray(ts)) throw new BasinError(`arcLength: ts must be an array of numbers in [0, 1], got ${describeGot(ts)}`);
  ts.forEach((t, k) => checkNumber('arcLength', `ts[${k}]`, t, { min: 0, max: 1 }));
  let total = 0;
  let prev: Tree | undefined;
  try {
    for (const t of ts) {
      const point = pointOf(path, t);
      const last = prev;
      prev = point; // disposed in `finally` if the segment fails
      if (last !== undefined) {
        try {
          total += segmentLength(last, point);
        } finally {
          treeDispose(last);
        }
      }
    }
  } finally {
    treeDispose(prev);
  }
  return total;
});

/** `||b - a||_2` over a whole tree, read back as a number. */
export function segmentLength(a: Tree, b: Tree): number {
  const norm = tf.tidy(() => treeGlobalNorm(treeSub(b, a)));
  const v = norm.dataSync()[0];
  norm.dispose();
  return v;
}
