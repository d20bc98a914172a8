import * as tf from '@tensorflow/tfjs-core';
import { BasinError, checkNumber, runEntryPoint, Tree, treeClone, treeDispose, treeFlatten, treeMap, treeUnflatten, checkMatches, floatLeaves } from '@basin/core';
import { curveCoefficients, CurveKind } from './coefficients';
import type { Path } from './path';
import { checkBoolean, describeGot, isRecord, oneOf, optionsRecord } from './checks';

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

  private disposed = false;

  constructor(start: Tree, end: Tree, options: CurveOptions = {}) {
    const checked = runEntryPoint('Curve', () => {
      const owner = 'Curve';
      const o = optionsRecord(owner, options, "{ kind: 'bezier', bends: 1 }");
      const kind = oneOf(owner, 'kind', o.kind, ['bezier', 'polychain'] as const, 'bezier');
      const bends = checkNumber(owner, 'bends', o.bends ?? 1, { min: 0, integer: true });
      const fixStart = checkBoolean(owner, 'fixStart', o.fixStart, true);
      const fixEnd = checkBoolean(owner, 'fixEnd', o.fixEnd, true);
      floatLeaves(owner, 'start', start);
      // Endpoints are paired by path (record keys in any insertion order), never by position.
      checkMatches(owner, start, 'start', end, 'end', 'endpoint trees do not match: ');
      if (bends === 0 && fixStart && fixEnd) throw new BasinError(`${owner}: a curve with 0 bends and both endpoints fixed has nothing to train; use linePath`);
      return { kind, bends, fixStart, fixEnd };
    });
    this.kind = checked.kind;
    this.bends = checked.bends;
    this.fixStart = checked.fixStart;
    this.fixEnd = checked.fixEnd;
    this.numPoints = checked.bends + 2;
    this.start = treeClone(start);
    this.end = treeClone(end);
  }

  private alive(owner: string): void {
    if (this.disposed) throw new BasinError(`${owner}: the curve was disposed`);
  }

  /** Weights `c_i(t)` of the control points (endpoints included), for `t` in [0, 1]. */
  coefficients(t: number): number[] {
    return runEntryPoint('Curve.coefficients', () => this.weightsAt('Curve.coefficients', t));
  }

  private weightsAt(owner: string, t: number): number[] {
    checkNumber(owner, 't', t, { min: 0, max: 1 });
    return curveCoefficients(this.kind, t, this.numPoints);
  }

  /**
   * Initial parameters: bend j sits on the straight line at `j / (bends + 1)` (as the reference's
   * `init_linear`), so the untrained curve is the line itself. Fresh tensors the caller owns.
   */
  init(): CurveParams {
    return runEntryPoint('Curve.init', () => {
      this.alive('Curve.init');
      return tf.tidy(() => {
        const bends = Array.from({ length: this.bends }, (_, j) => {
          const alpha = (j + 1) / (this.bends + 1);
          return treeMap((a, b) => tf.add(tf.mul(a, 1 - alpha), tf.mul(b, alpha)), this.start, this.end);
        });
        const params: { bends: Tree[]; start?: Tree; end?: Tree } = { bends };
        if (!this.fixStart) params.start = treeClone(this.start);
        if (!this.fixEnd) params.end = treeClone(this.end);
        return params as unknown as tf.TensorContainer;
      }) as unknown as CurveParams;
    });
  }

  /** Throws a BasinError naming the first place where `params` is not a params tree of this curve. */
  checkParams(params: unknown, name = 'curve params'): void {
    runEntryPoint('Curve.checkParams', () => this.assertParams('Curve.checkParams', params, name));
  }

  private assertParams(owner: string, params: unknown, name: string): void {
    this.alive(owner);
    const p = params as CurveParams;
    if (!isRecord(p) || !Array.isArray(p.bends)) {
      const hint = typeof params === 'number' ? ' (the curve params come first: pointAt(params, t), or curve.path(params).pointAt(t))' : '';
      throw new BasinError(`${owner}: ${name} must be a record { bends: [...] } from curve.init() or a trainer${hint}; got ${describeGot(params)}`);
    }
    if (p.bends.length !== this.bends) throw new BasinError(`${owner}: ${name}.bends must have ${this.bends} entries (one per bend), got ${p.bends.length}`);
    const expectedKeys = ['bends', ...(this.fixStart ? [] : ['start']), ...(this.fixEnd ? [] : ['end'])];
    const extra = Object.keys(p).filter((k) => !expectedKeys.includes(k));
    const missing = expectedKeys.filter((k) => !(k in p));
    if (extra.length || missing.length) {
      throw new BasinError(`${owner}: ${name} must have keys {${expectedKeys.join(', ')}}${missing.length ? `; missing {${missing.join(', ')}}` : ''}${extra.length ? `; unexpected {${extra.join(', ')}} (an endpoint is only a parameter when it is free)` : ''}`);
    }
    p.bends.forEach((b, j) => checkMatches(owner, this.start, 'the endpoints', b, `${name}.bends[${j}]`));
    if (!this.fixStart) checkMatches(owner, this.start, 'the endpoints', p.start, `${name}.start`);
    if (!this.fixEnd) checkMatches(owner, this.start, 'the endpoints', p.end, `${name}.end`);
  }

  /** All control points in order, endpoints included (references, not copies). */
  controlPoints(params: CurveParams): Tree[] {
    return runEntryPoint('Curve.controlPoints', () => {
      this.assertParams('Curve.controlPoints', params, 'params');
      return this.points(params);
    });
  }

  private points(params: CurveParams): Tree[] {
    return [this.fixStart ? this.start : params.start!, ...params.bends, this.fixEnd ? this.end : params.end!];
  }

  /**
   * The point `theta(t) = sum_i c_i(t) theta_i` for `t` in [0, 1], as fresh tensors;
   * differentiable in the control points.
   */
  pointAt(params: CurveParams, t: number): Tree {
    return runEntryPoint('Curve.pointAt', () => {
      const owner = 'Curve.pointAt';
      this.alive(owner);
      if (typeof params === 'number' && t === undefined) {
        throw new BasinError(`${owner}: pointAt takes (params, t), got only t = ${params}; pass the curve params first, or use curve.path(params).pointAt(t)`);
      }
      const coeffs = this.weightsAt(owner, t);
      this.assertParams(owner, params, 'params');
      // Control points are paired leaf by leaf by path (the canonical order), so their record keys
      // may be listed in any order.
      const leaves = this.points(params).map((p) => treeFlatten(p));
      // Every control point enters, even with weight zero, so gradients reach all of them (zero
      // where the weight is zero) and tf.grads never sees a disconnected input. With one-hot weights
      // (the endpoints) the sum is still exact: x * 1 + y * 0 = x for finite y.
      const out = leaves[0].map((_, k) => tf.tidy(() => tf.addN(leaves.map((ls, i) => tf.mul(ls[k], coeffs[i])))));
      return treeUnflatten(this.start, out);
    });
  }

  /**
   * Gradients with respect to the curve params from the gradient `g` at the point `theta(t)`:
   * since the point is linear in the control points, `dL/dtheta_i = c_i(t) g` exactly (the chain
   * rule). Fresh tensors shaped like `CurveParams`; `g` is left alone.
   */
  controlPointGrads(pointGrads: Tree, t: number): CurveParams {
    return runEntryPoint('Curve.controlPointGrads', () => {
      const owner = 'Curve.controlPointGrads';
      this.alive(owner);
      const c = this.weightsAt(owner, t);
      checkMatches(owner, this.start, 'the endpoints', pointGrads, 'pointGrads');
      return tf.tidy(() => {
        const scaled = (ci: number): Tree => treeMap((g) => tf.mul(g, ci), pointGrads);
        const grads: { bends: Tree[]; start?: Tree; end?: Tree } = {
          bends: Array.from({ length: this.bends }, (_, j) => scaled(c[j + 1])),
        };
        if (!this.fixStart) grads.start = scaled(c[0]);
        if (!this.fixEnd) grads.end = scaled(c[this.numPoints - 1]);
        return grads as unknown as tf.TensorContainer;
      }) as unknown as CurveParams;
    });
  }

  /** The curve with these params as a `Path` (it reads `params` when called: keep them alive). */
  path(params: CurveParams): Path {
    runEntryPoint('Curve.path', () => this.assertParams('Curve.path', params, 'params'));
    return { pointAt: (t: number) => this.pointAt(params, t) };
  }

  /** Copies of the fixed endpoints (fresh tensors). */
  endpoints(): [Tree, Tree] {
    return runEntryPoint('Curve.endpoints', () => {
      this.alive('Curve.endpoints');
      return [treeClone(this.start), treeClone(this.end)] as [Tree, Tree];
    });
  }

  /** Frees the curve's copies of the endpoints (a second call does nothing). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    treeDispose([this.start, this.end]);
  }
}

/** Checks that `curve` is a `Curve` (made with `new Curve(start, end, options)`). */
export function checkCurve(owner: string, curve: unknown): Curve {
  const c = curve as Partial<Record<'pointAt' | 'controlPointGrads' | 'checkParams' | 'init', unknown>> | null;
  const ok = curve instanceof Curve || (typeof c === 'object' && c !== null && ['pointAt', 'controlPointGrads', 'checkParams', 'init'].every((m) => typeof c[m as keyof typeof c] === 'function'));
  if (!ok) throw new BasinError(`${owner}: curve must be a Curve (new Curve(start, end, options)), got ${describeGot(curve)}`);
  return curve as Curve;
}
