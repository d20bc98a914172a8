import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { adam, applyUpdates, collectTensors, makeGradFn, sgd, step, Trainer, treeDispose } from '@basin/core';
import type { GradFn, StepResult, Transform, Tree } from '@basin/core';
import { gsam } from './gsam';
import type { GsamState } from './gsam';
import { sam } from './sam';
import { adam64, Base64, dot64, expectIntact, leastSquaresProblem, maxRelError, samPoint64, sgd64, snapshot } from '../test-helpers';

const P = leastSquaresProblem();

/**
 * Float64 reference of GSAM (Zhuang et al. 2022, Algorithm 1, as big_vision's gsam_gradient
 * with minimize_fp): g_p = grad(w + rho g / ||g||); g_clean_residual = g - <g, g_p / ||g_p||> g_p / ||g_p||;
 * the base steps with g_p - alpha * g_clean_residual.
 */
function gsamDirection64(w: number[], rho: number, alpha: number): { d: number[]; gp: number[]; g: number[] } {
  const g = P.grad(w);
  const gp = P.grad(samPoint64(w, g, rho));
  const n = Math.sqrt(dot64(gp, gp));
  const unit = gp.map((x) => x / n);
  const proj = dot64(unit, g);
  const residual = g.map((x, i) => x - proj * unit[i]);
  return { d: gp.map((x, i) => x - alpha * residual[i]), gp, g };
}
function gsamReference(base: Base64, steps: number, rho: number, alpha: number): number[][] {
  let w = P.start.slice();
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    w = base.step(w, gsamDirection64(w, rho, alpha).d);
    out.push(w);
  }
  return out;
}

function run(opt: Transform<unknown>, steps: number): number[][] {
  const batch = P.batch();
  let params: Tree = P.params(P.start);
  let state: unknown = opt.init(params);
  const traj: number[][] = [];
  for (let k = 0; k < steps; k++) {
    const r: StepResult<unknown> = step(opt, P.loss, params, state, batch);
    treeDispose([params, state, r.loss]);
    params = r.params;
    state = r.state;
    traj.push(P.read(params));
  }
  treeDispose([params, state, batch]);
  return traj;
}

describe('gsam', () => {
  it.each([
    ['sgd with momentum, alpha = 0.3', () => sgd({ learningRate: 0.05, momentum: 0.9 }), () => sgd64(0.05, 0.9), 0.3],
    ['adam, alpha = 0.1', () => adam({ learningRate: 0.02 }), () => adam64(0.02), 0.1],
    ['sgd, alpha = 2', () => sgd({ learningRate: 0.1 }), () => sgd64(0.1), 2],
  ] as const)('follows a float64 reference of the paper\'s Algorithm 1 on least squares (%s), within 2e-5', (_, make, ref, alpha) => {
    const steps = 12;
    const traj = run(gsam(make() as Transform<any>, { rho: 0.1, alpha }), steps);
    const expected = gsamReference(ref(), steps, 0.1, alpha);
    if (process.env.BASIN_REPORT_ERRORS) console.log(`gsam ${_}: ${maxRelError(traj, expected).toExponential(2)}`);
    expect(maxRelError(traj, expected)).toBeLessThan(2e-5);
    expect(maxRelError(expected, gsamReference(ref(), steps, 0.1, 0))).toBeGreaterThan(1e-4);
  });

  it('alpha = 0 is sam, bit for bit (same options: rho schedule, p, adaptive, unnormalised)', () => {
    for (const options of [{ rho: 0.1 }, { rho: (n: number) => 0.05 * (1 + n), p: 3, adaptive: true }, { rho: 0.02, normalize: false }]) {
      expect(run(gsam(adam({ learningRate: 0.05 }), { ...options, alpha: 0 }), 6)).toEqual(run(sam(adam({ learningRate: 0.05 }), options), 6));
    }
  });

  it('the correction is orthogonal to g_p and raises the clean loss: <d - g_p, g_p> = 0, <d - g_p, g> = -alpha ||g_perp||^2', () => {
    const batch = P.batch();
    const params = P.params(P.start);
    // sgd with learning rate -1 hands back the direction itself.
    const opt = gsam(sgd({ learningRate: -1 }), { rho: 0.1, alpha: 0.5 });
    const state = opt.init(params);
    const gradFn = makeGradFn(P.loss, batch);
    const { loss, grads } = gradFn(params);
    const [u, next] = opt.update(grads, state, params, { gradFn });
    const d = P.read(u);
    const ref = gsamDirection64(P.start, 0.1, 0.5);
    expectClose(d, ref.d, 1e-6);
    const corr = d.map((x, i) => x - ref.gp[i]);
    expect(Math.abs(dot64(corr, ref.gp)) / (Math.hypot(...corr) * Math.hypot(...ref.gp))).toBeLessThan(1e-5);
    const perp2 = dot64(corr, corr) / 0.25; // ||alpha g_perp||^2 / alpha^2
    expectClose([dot64(corr, ref.g)], [-0.5 * perp2], 1e-5);
    treeDispose([params, state, batch, loss, grads, u, next]);
  });

  it('leaks no tensors per step (sgd momentum, adam, adaptive, p = 3)', () => {
    const batch = P.batch();
    for (const opt of [
      gsam(sgd({ learningRate: 0.05, momentum: 0.9 }), { rho: 0.1, alpha: 0.2 }),
      gsam(adam({ learningRate: 0.05 }), { rho: 0.1, alpha: 0.2, adaptive: true, p: 3 }),
    ]) {
      let params: Tree = P.params(P.start);
      let state = opt.init(params);
      expectNoLeak(() => {
        const r = step(opt, P.loss, params, state, batch);
        treeDispose([params, state, r.loss]);
        params = r.params;
        state = r.state;
      });
      treeDispose([params, state]);
    }
    treeDispose(batch);
  });

  it('returns fresh tensors and leaves its inputs alive and unchanged; a zero gradient gives finite updates', () => {
    const batch = P.batch();
    const opt = gsam(adam({ learningRate: 0.05 }), { rho: 0.1, alpha: 0.3 });
    const params = P.params(P.start);
    let state = opt.init(params);
    for (let i = 0; i < 2; i++) {
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
    const zero = { w: tf.zeros([2]) };
    const zeroLoss = (p: Tree) => tf.tidy(() => tf.sum(tf.mul(0, (p as { w: tf.Tensor }).w)) as tf.Scalar);
    const z = gsam(sgd({ learningRate: 0.1 }), { alpha: 0.5 });
    const zs = z.init(zero);
    const r = step(z, zeroLoss, zero, zs, {});
    expect(Array.from((r.params as { w: tf.Tensor }).w.dataSync())).toEqual([0, 0]);
    treeDispose([zero, zs, r]);
  });

  it('gives identical results whatever the key order of params, updates and gradFn grads', () => {
    const batch = P.batch();
    const reversed = (t: Tree): Tree => Object.fromEntries(Object.entries(t as Record<string, tf.Tensor>).reverse());
    const once = (order: 'wb' | 'bw', flip: boolean) => {
      const opt = gsam(adam({ learningRate: 0.05 }), { rho: 0.1, alpha: 0.3 });
      let params: Tree = P.params(P.start, order);
      let state = opt.init(P.params(P.start, order === 'wb' ? 'bw' : 'wb'));
      const inner = makeGradFn(P.loss, batch);
      const gradFn: GradFn = (p) => {
        const r = inner(p);
        return { loss: r.loss, grads: flip ? reversed(r.grads) : r.grads };
      };
      const out: number[][] = [];
      for (let k = 0; k < 3; k++) {
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

  it('resumes from a JSON checkpoint on the same trajectory', () => {
    const batch = P.batch();
    const make = () => new Trainer({ transform: gsam(adam({ learningRate: 0.05 }), { rho: (k) => 0.1 / (1 + k), alpha: 0.2 }), loss: P.loss, params: P.params(P.start) });
    const a = make();
    a.step(batch);
    const saved = JSON.parse(JSON.stringify(a.save()));
    a.step(batch);
    const b = make();
    b.restore(saved);
    b.step(batch);
    expectClose(P.read(b.params), P.read(a.params), 1e-7);
    expect((b.state as GsamState).count).toBe(2);
    a.dispose();
    b.dispose();
    treeDispose(batch);
  });
});
