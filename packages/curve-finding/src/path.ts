import * as tf from '@tensorflow/tfjs-core';
import { assertSameStructure, BasinError, checkNumber, Tree, treeClone, treeDispose, treeGlobalNorm, treeMap, treeSub } from '@basin/core';

/** A path through weight space: `pointAt(t)` for `t` in [0, 1] returns fresh tensors the caller owns. */
export interface Path {
  pointAt(t: number): Tree;
}

/** `n` evenly spaced values of t from 0 to 1 (both included). */
export function linspace01(n: number): number[] {
  checkNumber('linspace01', 'points', n, { min: 2, integer: true });
  return Array.from({ length: n }, (_, k) => k / (n - 1));
}

/**
 * The straight line `(1 - t) start + t end`, the baseline a curve is compared with. Keeps its own
 * copies of the endpoints: call `dispose()` when done.
 */
export function linePath(start: Tree, end: Tree): Path & { dispose(): void } {
  try {
    assertSameStructure(start, end, ['start', 'end']);
  } catch (e) {
    throw new BasinError(`linePath: endpoint trees do not match: ${(e as Error).message}`);
  }
  const a = treeClone(start);
  const b = treeClone(end);
  return {
    pointAt(t: number): Tree {
      checkNumber('linePath', 't', t, { min: 0, max: 1 });
      if (t === 0) return treeClone(a);
      if (t === 1) return treeClone(b);
      return treeMap((x, y) => tf.tidy(() => tf.add(tf.mul(x, 1 - t), tf.mul(y, t))), a, b);
    },
    dispose(): void {
      treeDispose([a, b]);
    },
  };
}

/**
 * Length of the polygon through `path` at `ts`: `sum_k ||theta(t_{k+1}) - theta(t_k)||_2`, a lower
 * bound on the arc length that converges to it as the points get denser.
 */
export function arcLength(path: Path, ts: readonly number[]): number {
  let total = 0;
  let prev: Tree | undefined;
  for (const t of ts) {
    const point = path.pointAt(t);
    if (prev !== undefined) total += segmentLength(prev, point);
    treeDispose(prev);
    prev = point;
  }
  treeDispose(prev);
  return total;
}

/** `||b - a||_2` over a whole tree, read back as a number. */
export function segmentLength(a: Tree, b: Tree): number {
  const norm = tf.tidy(() => treeGlobalNorm(treeSub(b, a)));
  const v = norm.dataSync()[0];
  norm.dispose();
  return v;
}
