import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { adam, applyUpdates, collectTensors, decodeTree, encodeTree, makeGradFn, sgd, step, Trainer, treeDispose } from '@basin/core';
import type { GradFn, Transform, Tree } from '@basin/core';
import { lookSam } from './look-sam';
import type { LookSamState } from './look-sam';
import { sam } from './sam';
import { adam64, Base64, dot64, expectIntact, leastSquaresProblem, maxRelError, norm64, samPoint64, sgd64, snapshot } from '../test-helpers';

const P = leastSquaresProblem();

/**
 * Float64 reference of LookSAM (Liu et al. 2022, Algorithm 1), steps counted from 0:
 * at t % k == 0, g_s = grad(w + rho g / ||g||) and g_v = g_s - ||g_s|| cos(theta) g / ||g||
 * with cos(theta) = <g, g_s> / (||g|| ||g_s||), i.e. g_s - (<g, g_s> / ||g||^2) g; the base
 * steps with g_s. Otherwise the base steps with g + alpha * ||g|| / ||g_v|| * g_v.
 */
function lookSamReference(base: Base64, steps: number, rho: number, k: number, alpha: number): number[][] {
  let w = P.start.slice();
  let gv = new Array(8).fill(0);
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const g = P.grad(w);
    let d: number[];
    if (t % k === 0) {
      const gs = P.grad(samPoint64(w, g, rho));
      const cos = dot64(g, gs) / (norm64(g) * norm64(gs));
      gv = gs.map((s, i) => s - ((norm64(gs) * cos) / norm64(g)) * g[i]);
      d = gs;
    } else {
      const c = (alpha * norm64(g)) / norm64(gv);
      d = g.map((x, i) => x + c * gv[i]);
    }
    w = base.step(w, d);
    out.push(w);
  }
  return out;
}

/** Runs a transform in a plain loop (the clean gradient computed here, gradFn passed in extras). */
function run(opt: Transform<any>, steps: number, onCall?: () => void): { traj: number[][]; states: unknown[] } {
  const batch = P.batch();
  let params: Tree = P.params(P.start);
  let state = opt.init(params);
  const traj: number[][] = [];
  const states: unknown[] = [];
  for (let k = 0; k < steps; k++) {
    const inner = makeGradFn(P.loss, batch);
    const gradFn: GradFn = (p, mb) => {
      onCall?.();
      return inner(p, mb);
    };
    const { loss, grads } = inner(params);
    const [u, next] = opt.update(grads, state, params, { gradFn });
    const p2 = applyUpdates(params, u);
    treeDispose([loss, grads, u, params, state]);
    params = p2;
    state = next;
    traj.push(P.read(params));
    states.push(JSON.parse(JSON.stringify(encodeTree(state))));
  }
  treeDispose([params, state, batch]);
  return { traj, states };
}

describe('lookSam', () => {
  it.each([
    ['sgd with momentum, k = 3, alpha = 0.5', () => sgd({ learningRate: 0.05, momentum: 0.9 }), () => sgd64(0.05, 0.9), 3, 0.5],
    ['adam, k = 2, alpha = 0.7', () => adam({ learningRate: 0.02 }), () => adam64(0.02), 2, 0.7],
    ['sgd, k = 5, alpha = 2', () => sgd({ learningRate: 0.1 }), () => sgd64(0.1), 5, 2],
  ] as const)('follows a float64 reference of the paper\'s Algorithm 1 on least squares (%s), within 2e-5', (_, make, ref, k, alpha) => {
    const steps = 12;
    const { traj } = run(lookSam(make() as Transform<any>, { rho: 0.1, k, alpha }), steps);
    const expected = lookSamReference(ref(), steps, 0.1, k, alpha);
    // float32 against float64 over 12 steps; the measured error is ~1e-6.
    if (process.env.BASIN_REPORT_ERRORS) console.log(`lookSam ${_}: ${maxRelError(traj, expected).toExponential(2)}`);
    expect(maxRelError(traj, expected)).toBeLessThan(2e-5);
    // And it is not SAM or plain descent in between: the reused component moves the params.
    const plain = lookSamReference(ref(), steps, 0.1, k, 0);
    expect(maxRelError(expected, plain)).toBeGreaterThan(1e-3);
  });

  it('k = 1 is sam, bit for bit (same options: rho schedule, p, adaptive)', () => {
    for (const options of [{ rho: 0.1 }, { rho: (n: number) => 0.05 * (1 + n), p: 3, adaptive: true }]) {
      const a = run(lookSam(adam({ learningRate: 0.05 }), { ...options, k: 1, alpha: 0.7 }), 6).traj;
      const b = run(sam(adam({ learningRate: 0.05 }), options), 6).traj;
      expect(a).toEqual(b);
    }
  });

  it('calls gradFn on steps 0, k, 2k, ... only, keeps g_v orthogonal to g, and reuses it unchanged in between', () => {
    let calls = 0;
    const { states } = run(lookSam(sgd({ learningRate: 0.05 }), { rho: 0.1, k: 3, alpha: 0.5 }), 7, () => calls++);
    expect(calls).toBe(3); // steps 0, 3, 6
    const gvAt = (i: number) => {
      const gv = decodeTree(states[i] as never) as unknown as LookSamState;
      const v = P.read(gv.gv);
      treeDispose(gv);
      return v;
    };
    expect(gvAt(1)).toEqual(gvAt(0));
    expect(gvAt(2)).toEqual(gvAt(0));
    expect(gvAt(3)).not.toEqual(gvAt(0));
    // g_v at step 0 is orthogonal to g at the start point: <g, g_v> ~ 0 relative to the norms.
    const g = P.grad(P.start);
    expect(Math.abs(dot64(g, gvAt(0))) / (norm64(g) * norm64(gvAt(0)))).toBeLessThan(1e-5);
  });

  it('alpha = 0 steps with the plain gradient between SAM steps; a zero gradient gives finite updates', () => {
    const { traj } = run(lookSam(sgd({ learningRate: 0.05 }), { rho: 0.1, k: 4, alpha: 0 }), 4);
    expect(maxRelError(traj, lookSamReference(sgd64(0.05), 4, 0.1, 4, 0))).toBeLessThan(2e-5);
    // At a point where g = 0 and g_v = 0 (before any SAM step is reused): no NaN.
    const opt = lookSam(sgd({ learningRate: 0.1 }), { rho: 0.1, k: 2, alpha: 1 });
    const params = { w: tf.zeros([2]) };
    const zeroLoss = (p: Tree) => tf.tidy(() => tf.sum(tf.mul(0, (p as { w: tf.Tensor }).w)) as tf.Scalar);
    let state = opt.init(params);
    for (let i = 0; i < 3; i++) {
      const gradFn = makeGradFn(zeroLoss, {});
      const { loss, grads } = gradFn(params);
      const [u, next] = opt.update(grads, state, params, { gradFn });
      expect(Array.from((u as { w: tf.Tensor }).w.dataSync()).every((x) => x === 0)).toBe(true); // 0 or -0, never NaN
      treeDispose([loss, grads, u, state]);
      state = next;
    }
    treeDispose([params, state]);
  });

  it('leaks no tensors on SAM steps and on reuse steps (sgd momentum, adam, adaptive)', () => {
    const batch = P.batch();
    for (const opt of [
      lookSam(sgd({ learningRate: 0.05, momentum: 0.9 }), { rho: 0.1, k: 2, alpha: 0.5 }),
      lookSam(adam({ learningRate: 0.05 }), { rho: 0.1, k: 3, alpha: 0.5, adaptive: true }),
    ]) {
      let params: Tree = P.params(P.start);
      let state = opt.init(params);
      // Six steps per check: every branch, whatever the phase.
      expectNoLeak(() => {
        for (let i = 0; i < 6; i++) {
          const r = step(opt, P.loss, params, state, batch);
          treeDispose([params, state, r.loss]);
          params = r.params;
          state = r.state;
        }
      });
      treeDispose([params, state]);
    }
    treeDispose(batch);
  });

  it('returns fresh tensors on both kinds of step, and leaves its inputs alive and unchanged', () => {
    const batch = P.batch();
    const opt = lookSam(adam({ learningRate: 0.05 }), { rho: 0.1, k: 2, alpha: 0.5 });
    const params = P.params(P.start);
    let state = opt.init(params);
    for (let i = 0; i < 4; i++) {
      const gradFn = makeGradFn(P.loss, batch);
      const { loss, grads } = gradFn(params);
      const inputs = snapshot([grads, state, params]);
      const [u, next] = opt.update(grads, state, params, { gradFn });
      const inputTensors = collectTensors([grads, state, params]);
      for (const x of collectTensors([u, next])) expect(inputTensors.has(x)).toBe(false);
      expectIntact(inputs, [grads, state, params]);
      const outputs = snapshot([u, next]);
      treeDispose([loss, grads, state]);
      expectIntact(outputs, [u, next]);
      treeDispose(u);
      state = next;
    }
    treeDispose([params, state, batch]);
  });

  it('gives identical results whatever the key order of params, updates and gradFn grads', () => {
    const batch = P.batch();
    const reversed = (t: Tree): Tree => Object.fromEntries(Object.entries(t as Record<string, tf.Tensor>).reverse());
    const once = (order: 'wb' | 'bw', flip: boolean) => {
      const opt = lookSam(adam({ learningRate: 0.05 }), { rho: 0.1, k: 2, alpha: 0.5 });
      let params: Tree = P.params(P.start, order);
      let state = opt.init(P.params(P.start, order === 'wb' ? 'bw' : 'wb'));
      const inner = makeGradFn(P.loss, batch);
      const gradFn: GradFn = (p) => {
        const r = inner(p);
        return { loss: r.loss, grads: flip ? reversed(r.grads) : r.grads };
      };
      const out: number[][] = [];
      for (let k = 0; k < 5; k++) {
        const { loss, grads } = inner(params);
        const [u, next] = opt.update(flip ? reversed(grads) : grads, state, params, { gradFn });
        out.push(P.read(u));
        const p2 = applyUpdates(params, u);
        treeDispose([loss, grads, u, params, state]);
        params = p2;
        state = next;
      }
      treeDispose([params, state]);
      return out;
    };
    const canonical = once('wb', false);
    expect(once('bw', true)).toEqual(canonical);
    expect(once('bw', false)).toEqual(canonical);
    expect(once('wb', true)).toEqual(canonical);
    treeDispose(batch);
  });

  it('resumes from a JSON checkpoint between SAM steps on the same trajectory (g_v is in the state)', () => {
    const batch = P.batch();
    const make = () => new Trainer({ transform: lookSam(adam({ learningRate: 0.05 }), { rho: 0.1, k: 3, alpha: 0.5 }), loss: P.loss, params: P.params(P.start) });
    const a = make();
    a.step(batch);
    a.step(batch);
    const saved = JSON.parse(JSON.stringify(a.save()));
    a.step(batch);
    a.step(batch);
    const b = make();
    b.restore(saved);
    b.step(batch);
    b.step(batch);
    expectClose(P.read(b.params), P.read(a.params), 1e-7);
    expect((b.state as LookSamState).count).toBe(4);
    a.dispose();
    b.dispose();
    treeDispose(batch);
  });
});
