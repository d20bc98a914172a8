import * as tf from '@tensorflow/tfjs-core';
import {
  assertSameStructure,
  BasinError,
  checkNumber,
  Tree,
  treeClone,
  treeDispose,
  treeFlatten,
  treeLeaves,
  treeMap,
  treeUnflatten,
} from '@basin/core';
import { curveCoefficients, CurveKind } from './coefficients';
import type { Path } from './path';

export interface CurveOptions {
  /** `'bezier'` (default) or `'polychain'`. */
  kind?: CurveKind;
  /** Number of trainable points between the endpoints (default 1: a quadratic Bezier curve). */
  bends?: number;
  /** Keep the start point fixed (default true); otherwise it is trained too. */
  fixStart?: boolean;
  /** Keep the end point fixed (default true). */
  fixEnd?: boolean;
}

/**
 * The trainable parameters of a curve: the middle control points in order, plus the endpoints
 * when they are free. This is an ordinary params tree, so any Basin transform can train it.
 */
export type CurveParams = {
  bends: Tree[];
  start?: Tree;
  end?: Tree;
};

/**
 * A curve `theta(t) = sum_i c_i(t) theta_i` between two weight trees (Garipov et al., "Loss
 * Surfaces, Mode Connectivity, and Fast Ensembling of DNNs", NeurIPS 2018, section 3). The curve
 * object holds the shape of the curve and copies of the endpoints; the control points it is
 * trained on live in a `CurveParams` tree the caller (or a trainer) owns.
 */
export class Curve {
  readonly kind: CurveKind;
  readonly bends: number;
  readonly fixStart: boolean;
  readonly fixEnd: boolean;
  /** Control points including the endpoints. */
  readonly numPoints: number;
  private readonly start: Tree;
  private readonly end: Tree;

  constructor(start: Tree, end: Tree, options: CurveOptions = {}) {
    const { kind = 'bezier', bends = 1, fixStart = true, fixEnd = true } = options;
    if (kind !== 'bezier' && kind !== 'polychain') throw new BasinError(`Curve: kind must be 'bezier' or 'polychain', got '${String(kind)}'`);
    checkNumber('Curve', 'bends', bends, { min: 0, integer: true });
    if (typeof fixStart !== 'boolean') throw new BasinError('Curve: fixStart must be a boolean');
    if (typeof fixEnd !== 'boolean') throw new BasinError('Curve: fixEnd must be a boolean');
    try {
      assertSameStructure(start, end, ['start', 'end']);
    } catch (e) {
      throw new BasinError(`Curve: endpoint trees do not match: ${(e as Error).message}`);
    }
    const leaves = treeLeaves(start);
    if (leaves.length === 0) throw new BasinError('Curve: endpoint trees have no tensors');
    const endLeaves = treeFlatten(end);
    leaves.forEach(({ path, leaf }, i) => {
      if (leaf.dtype !== 'float32' || endLeaves[i].dtype !== 'float32') {
        throw new BasinError(`Curve: endpoint leaf '${path}' must be float32, got ${leaf.dtype} and ${endLeaves[i].dtype}`);
      }
    });
    if (bends === 0 && fixStart && fixEnd) throw new BasinError('Curve: a curve with 0 bends and both endpoints fixed has nothing to train; use linePath');
    this.kind = kind;
    this.bends = bends;
    this.fixStart = fixStart;
    this.fixEnd = fixEnd;
    this.numPoints = bends + 2;
    this.start = treeClone(start);
    this.end = treeClone(end);
  }

  /** Weights `c_i(t)` of the control points (endpoints included). */
  coefficients(t: number): number[] {
    return curveCoefficients(this.kind, t, this.numPoints);
  }

  /**
   * Initial parameters: bend j sits on the straight line at `j / (bends + 1)` (as the reference's
   * `init_linear`), so the untrained curve is the line itself. Fresh tensors the caller owns.
   */
  init(): CurveParams {
    const bends = Array.from({ length: this.bends }, (_, j) => {
      const alpha = (j + 1) / (this.bends + 1);
      return treeMap((a, b) => tf.tidy(() => tf.add(tf.mul(a, 1 - alpha), tf.mul(b, alpha))), this.start, this.end);
    });
    const params: { bends: Tree[]; start?: Tree; end?: Tree } = { bends };
    if (!this.fixStart) params.start = treeClone(this.start);
    if (!this.fixEnd) params.end = treeClone(this.end);
    return params as CurveParams;
  }

  /** Throws a BasinError naming the first place where `params` is not a params tree of this curve. */
  checkParams(params: unknown, name = 'curve params'): void {
    const p = params as CurveParams;
    if (typeof p !== 'object' || p === null || !Array.isArray(p.bends)) {
      throw new BasinError(`${name} must be a record { bends: [...] }; got ${p === null ? 'null' : typeof p}`);
    }
    if (p.bends.length !== this.bends) throw new BasinError(`${name}.bends must have ${this.bends} entries (one per bend), got ${p.bends.length}`);
    const expectedKeys = ['bends', ...(this.fixStart ? [] : ['start']), ...(this.fixEnd ? [] : ['end'])];
    const extra = Object.keys(p).filter((k) => !expectedKeys.includes(k));
    const missing = expectedKeys.filter((k) => !(k in p));
    if (extra.length || missing.length) {
      throw new BasinError(`${name} must have keys {${expectedKeys.join(', ')}}${missing.length ? `; missing {${missing.join(', ')}}` : ''}${extra.length ? `; unexpected {${extra.join(', ')}} (an endpoint is only a parameter when it is free)` : ''}`);
    }
    const check = (tree: Tree, label: string): void => {
      try {
        assertSameStructure(this.start, tree, ['the endpoints', label]);
      } catch (e) {
        throw new BasinError((e as Error).message);
      }
    };
    p.bends.forEach((b, j) => check(b, `${name}.bends[${j}]`));
    if (!this.fixStart) check(p.start!, `${name}.start`);
    if (!this.fixEnd) check(p.end!, `${name}.end`);
  }

  /** All control points in order, endpoints included (references, not copies). */
  controlPoints(params: CurveParams): Tree[] {
    this.checkParams(params);
    return [this.fixStart ? this.start : params.start!, ...params.bends, this.fixEnd ? this.end : params.end!];
  }

  /** The point `theta(t) = sum_i c_i(t) theta_i` as fresh tensors; differentiable in the control points. */
  pointAt(params: CurveParams, t: number): Tree {
    const points = this.controlPoints(params);
    const coeffs = this.coefficients(t);
    const leaves = points.map((p) => treeFlatten(p));
    // Every control point enters, even with weight zero, so gradients reach all of them (zero
    // where the weight is zero) and tf.grads never sees a disconnected input. With one-hot weights
    // (the endpoints) the sum is still exact: x * 1 + y * 0 = x for finite y.
    const out = treeFlatten(this.start).map((_, k) =>
      tf.tidy(() => tf.addN(leaves.map((ls, i) => tf.mul(ls[k], coeffs[i])))),
    );
    return treeUnflatten(this.start, out);
  }

  /**
   * Gradients with respect to the curve params from the gradient `g` at the point `theta(t)`:
   * since the point is linear in the control points, `dL/dtheta_i = c_i(t) g` exactly (the chain
   * rule). Fresh tensors shaped like `CurveParams`; `g` is left alone.
   */
  controlPointGrads(pointGrads: Tree, t: number): CurveParams {
    try {
      assertSameStructure(this.start, pointGrads, ['the endpoints', 'point gradients']);
    } catch (e) {
      throw new BasinError((e as Error).message);
    }
    const c = this.coefficients(t);
    const scaled = (ci: number): Tree => treeMap((g) => tf.mul(g, ci), pointGrads);
    const grads: { bends: Tree[]; start?: Tree; end?: Tree } = {
      bends: Array.from({ length: this.bends }, (_, j) => scaled(c[j + 1])),
    };
    if (!this.fixStart) grads.start = scaled(c[0]);
    if (!this.fixEnd) grads.end = scaled(c[this.numPoints - 1]);
    return grads as CurveParams;
  }

  /** The curve with these params as a `Path` (it reads `params` when called: keep them alive). */
  path(params: CurveParams): Path {
    this.checkParams(params);
    return { pointAt: (t: number) => this.pointAt(params, t) };
  }

  /** Copies of the fixed endpoints (fresh tensors). */
  endpoints(): [Tree, Tree] {
    return [treeClone(this.start), treeClone(this.end)];
  }

  /** Frees the curve's copies of the endpoints. */
  dispose(): void {
    treeDispose([this.start, this.end]);
  }
}
