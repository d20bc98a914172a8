import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, entryPoint, runEntryPoint, Tree, treeClone, treeDispose, treeDot, treeGlobalNorm, treeMap, treeSub, checkMatches, floatLeaves } from '@basin/core';
import { checkEvaluation, PointEvaluation, PointEvaluator } from './evaluate';
import type { Path } from './path';
import { checkPath, linspace01, pointOf } from './path';
import { checkFn, describeGot, isRecord, optionsRecord } from './checks';

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

  private disposed = false;

  constructor(w0: Tree, w1: Tree, w2: Tree) {
    const built = runEntryPoint('Plane', () => {
      const owner = 'Plane';
      floatLeaves(owner, 'w0', w0);
      // The three weight sets are paired by path (record keys in any insertion order).
      checkMatches(owner, w0, 'w0', w1, 'w1');
      checkMatches(owner, w0, 'w0', w2, 'w2');
      const read = (s: tf.Scalar): number => s.dataSync()[0];
      // One tidy: only the basis and the origin survive, also on an error path.
      return tf.tidy(() => {
        const d2 = treeSub(w2, w0);
        const d1 = treeSub(w1, w0);
        const dx = read(treeGlobalNorm(d2));
        if (!(dx > 0)) throw new BasinError(`${owner}: the two endpoints coincide (w0 = w2); a plane needs distinct endpoints`);
        const u = treeMap((x) => tf.div(x, dx), d2);
        const along = read(treeDot(d1, u));
        const vRaw = treeMap((x, ux) => tf.sub(x, tf.mul(ux, along)), d1, u);
        const dy = read(treeGlobalNorm(vRaw));
        if (!(dy > 1e-6 * dx)) throw new BasinError(`${owner}: the bend lies on the line through the endpoints (train the curve first, or pass a bend off the line)`);
        const v = treeMap((x) => tf.div(x, dy), vRaw);
        return { u, v, origin: treeClone(w0), anchors: [[0, 0], [along, dy], [dx, 0]] } as unknown as tf.TensorContainer;
      }) as unknown as { u: Tree; v: Tree; origin: Tree; anchors: [number, number][] };
    });
    this.u = built.u;
    this.v = built.v;
    this.origin = built.origin;
    this.anchors = built.anchors;
  }

  private alive(owner: string): void {
    if (this.disposed) throw new BasinError(`${owner}: the plane was disposed`);
  }

  /** The point `origin + x u + y v` (fresh tensors). */
  pointAt(x: number, y: number): Tree {
    return runEntryPoint('Plane.pointAt', () => {
      this.alive('Plane.pointAt');
      checkNumber('Plane.pointAt', 'x', x);
      checkNumber('Plane.pointAt', 'y', y);
      return treeMap((o, u, v) => tf.tidy(() => tf.add(o, tf.add(tf.mul(u, x), tf.mul(v, y)))), this.origin, this.u, this.v);
    });
  }

  /** Coordinates of the orthogonal projection of `point` onto the plane. */
  project(point: Tree): [number, number] {
    return runEntryPoint('Plane.project', () => {
      this.alive('Plane.project');
      checkMatches('Plane.project', this.origin, 'the plane', point, 'point');
      const [x, y] = tf.tidy(() => {
        const d = treeSub(point, this.origin);
        return [treeDot(d, this.u), treeDot(d, this.v)];
      });
      const out: [number, number] = [x.dataSync()[0], y.dataSync()[0]];
      tf.dispose([x, y]);
      return out;
    });
  }

  /** Coordinates of a path's points at `points` evenly spaced t (a curve through the plane). */
  trace(path: Path, points = 61): [number, number][] {
    return runEntryPoint('Plane.trace', () => {
      this.alive('Plane.trace');
      checkPath('Plane.trace', path);
      return linspace01(checkNumber('Plane.trace', 'points', points, { min: 2, integer: true })).map((t) => {
        const p = pointOf(path, t);
        try {
          return this.project(p);
        } finally {
          treeDispose(p);
        }
      });
    });
  }

  /** Frees the plane's tensors (a second call does nothing). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
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
export const evaluatePlane = entryPoint('evaluatePlane', async function evaluatePlane(plane: Plane, evaluator: PointEvaluator, options: PlaneGridOptions = {}): Promise<PlaneEvaluation> {
  const owner = 'evaluatePlane';
  const candidate = plane as unknown;
  if (!(candidate instanceof Plane) && !(isRecord(candidate) && typeof candidate.pointAt === 'function' && Array.isArray(candidate.anchors))) {
    throw new BasinError(`${owner}: plane must be a Plane (new Plane(w0, w1, w2)), got ${describeGot(plane)}`);
  }
  checkFn(owner, 'evaluator', evaluator, 'a PointEvaluator (point) => { train, test? } (functionalEvaluator or modelEvaluator)');
  const o = optionsRecord(owner, options, '{ grid: 21, margin: 0.2 }');
  const grid = checkNumber(owner, 'grid', o.grid ?? 21, { min: 2, integer: true });
  const margin = checkNumber(owner, 'margin', o.margin ?? 0.2, { min: 0 });
  checkFn(owner, 'onProgress', o.onProgress, 'a function', true);
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
        row.push(checkEvaluation(owner, await evaluator(p), `(${x}, ${y})`));
      } finally {
        treeDispose(p);
      }
      o.onProgress?.({ index: index++, total: grid * grid });
    }
    values.push(row);
    await tf.nextFrame();
  }
  return { xs, ys, values, anchors: plane.anchors.map((a) => [a[0], a[1]] as [number, number]) };
});
