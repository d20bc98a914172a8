import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, Tree, treeClone, treeDispose, treeDot, treeGlobalNorm, treeMap, treeSub } from '@basin/core';
import type { PointEvaluation, PointEvaluator } from './evaluate';
import type { Path } from './path';
import { linspace01 } from './path';

/**
 * The 2-D plane through three weight sets (Garipov et al. 2018, figure 1; the reference's
 * `plane.py`): origin `w0`, unit `u` along `w2 - w0`, unit `v` along the part of `w1 - w0`
 * orthogonal to `u` (Gram-Schmidt). A point `(x, y)` is `w0 + x u + y v`; coordinates are in
 * weight-space distance units, so the picture has true proportions.
 */
export class Plane {
  private readonly origin: Tree;
  private readonly u: Tree;
  private readonly v: Tree;
  /** Coordinates of the three anchors: `[0, 0]`, the bend, `[|w2 - w0|, 0]`. */
  readonly anchors: [number, number][];

  constructor(w0: Tree, w1: Tree, w2: Tree) {
    const read = (s: tf.Scalar): number => { const v = s.dataSync()[0]; s.dispose(); return v; };
    const d2 = treeSub(w2, w0);
    const d1 = treeSub(w1, w0);
    const dx = read(treeGlobalNorm(d2));
    if (!(dx > 0)) { treeDispose([d1, d2]); throw new BasinError('Plane: the two endpoints coincide; a plane needs distinct endpoints'); }
    const u = treeMap((x) => tf.div(x, dx), d2);
    const along = read(treeDot(d1, u));
    const vRaw = treeMap((x, ux) => tf.tidy(() => tf.sub(x, tf.mul(ux, along))), d1, u);
    const dy = read(treeGlobalNorm(vRaw));
    treeDispose([d1, d2]);
    if (!(dy > 1e-6 * dx)) {
      treeDispose([u, vRaw]);
      throw new BasinError('Plane: the bend lies on the line through the endpoints (train the curve first, or pass a bend off the line)');
    }
    this.v = treeMap((x) => tf.div(x, dy), vRaw);
    treeDispose(vRaw);
    this.u = u;
    this.origin = treeClone(w0);
    this.anchors = [[0, 0], [along, dy], [dx, 0]];
  }

  /** The point `origin + x u + y v` (fresh tensors). */
  pointAt(x: number, y: number): Tree {
    return treeMap((o, u, v) => tf.tidy(() => tf.add(o, tf.add(tf.mul(u, x), tf.mul(v, y)))), this.origin, this.u, this.v);
  }

  /** Coordinates of the orthogonal projection of `point` onto the plane. */
  project(point: Tree): [number, number] {
    const [x, y] = tf.tidy(() => {
      const d = treeSub(point, this.origin);
      return [treeDot(d, this.u), treeDot(d, this.v)];
    });
    const out: [number, number] = [x.dataSync()[0], y.dataSync()[0]];
    tf.dispose([x, y]);
    return out;
  }

  /** Coordinates of a path's points at `points` evenly spaced t (a curve through the plane). */
  trace(path: Path, points = 61): [number, number][] {
    return linspace01(points).map((t) => {
      const p = path.pointAt(t);
      try {
        return this.project(p);
      } finally {
        treeDispose(p);
      }
    });
  }

  dispose(): void {
    treeDispose([this.origin, this.u, this.v]);
  }
}

export interface PlaneGridOptions {
  /** Grid points per side (default 21). */
  grid?: number;
  /** Extra room around the anchors, as a fraction of the anchors' extent (default 0.2). */
  margin?: number;
  onProgress?: (info: { index: number; total: number }) => void;
}

export interface PlaneEvaluation {
  xs: number[];
  ys: number[];
  /** `values[j][i]` is the evaluation at `(xs[i], ys[j])`. */
  values: PointEvaluation[][];
  anchors: [number, number][];
}

/** Evaluates the loss surface on a grid over the plane, covering the anchors with a margin. */
export async function evaluatePlane(plane: Plane, evaluator: PointEvaluator, options: PlaneGridOptions = {}): Promise<PlaneEvaluation> {
  const grid = checkNumber('evaluatePlane', 'grid', options.grid ?? 21, { min: 2, integer: true });
  const margin = checkNumber('evaluatePlane', 'margin', options.margin ?? 0.2, { min: 0 });
  const ax = plane.anchors.map((a) => a[0]);
  const ay = plane.anchors.map((a) => a[1]);
  const range = (lo: number, hi: number): number[] => {
    const pad = margin * (hi - lo);
    return linspace01(grid).map((s) => lo - pad + s * (hi - lo + 2 * pad));
  };
  const xs = range(Math.min(...ax), Math.max(...ax));
  const ys = range(Math.min(...ay), Math.max(...ay));
  const values: PointEvaluation[][] = [];
  let index = 0;
  for (const y of ys) {
    const row: PointEvaluation[] = [];
    for (const x of xs) {
      const p = plane.pointAt(x, y);
      try {
        row.push(await evaluator(p));
      } finally {
        treeDispose(p);
      }
      options.onProgress?.({ index: index++, total: grid * grid });
    }
    values.push(row);
    await tf.nextFrame();
  }
  return { xs, ys, values, anchors: plane.anchors.map((a) => [a[0], a[1]] as [number, number]) };
}
