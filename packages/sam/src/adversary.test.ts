// sam's `adversary` option (optax.contrib.sam's `adv_optimizer`), and the default ascent step
// left exactly as it was.
import { tf, expectClose, expectNoLeak } from '@basin/testing';
import {
  adam, applyUpdates, chain, collectTensors, makeGradFn, normalizeByGlobalNorm, sgd, step, Trainer, treeDispose,
} from '@basin/core';
import type { GradFn, Schedule, StepResult, Transform, Tree } from '@basin/core';
import { sam, perturbed } from './sam';
import type { SamState } from './sam';
import { Base64, adam64, expectIntact, leastSquaresProblem, maxRelError, norm64, sgd64, snapshot } from '../test-helpers';

const P = leastSquaresProblem();

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

/**
 * Float64 reference of optax.contrib.sam (optax/contrib/_sam.py, opaque_update_fn, sync_period 2)
 * with adv_optimizer = chain(normalize(), sgd(lr, momentum)):
 *   `adv_updates, adv_state = adv_optimizer.update(adv_updates, adv_state, adv_params)`
 *   `adv_updates = jax.tree.map(lambda x: -x, adv_updates)`
 *   `adv_params = update.apply_updates(adv_params, adv_updates)`, `adv_updates = grad_fn(adv_params, i)`
 *   `if reset_state: adv_state = adv_optimizer.init(outer_params)`
 *   `updates, opt_state = optimizer.update(adv_updates, state.opt_state, outer_params)`
 * normalize(): `g / global_norm(g)`; sgd: trace `g + decay * t`, then `-lr(count) * t`.
 */
function optaxSamReference(base: Base64, steps: number, adv: { lr: Schedule; momentum: number; reset: boolean }): number[][] {
  let w = P.start.slice();
  let trace: number[] | undefined;
  let count = 0;
  const out: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const g = P.grad(w);
    const n = norm64(g);
    const normalized = g.map((x) => x / n);
    trace = normalized.map((x, i) => x + (trace ? adv.momentum * trace[i] : 0));
    const lr = adv.lr(count);
    count += 1;
    const advUpdates = trace.map((x) => -(-lr * x));
    const gs = P.grad(w.map((x, i) => x + advUpdates[i]));
    if (adv.reset) {
      trace = undefined;
      count = 0;
    }
    w = base.step(w, gs);
    out.push(w);
  }
  return out;
}

// Updates of the built-in sam, recorded before `adversary` existed (packages/sam/src/sam.ts at
// commit 03bf485, CPU backend): four steps on L = 0.5 sum(a x^2), a = [1, 4, 0.5 | 2], from
// w = [1, -0.5, 2], b = [0.3]. The default path must still give exactly these float32 values.
const GOLDEN: [string, () => Transform<any>, number[][]][] = [
  ['adam, default options', () => sam(adam({ learningRate: 0.1 })), [
    [-0.10000000149011612, 0.09999998658895493, -0.10000000149011612, -0.10000000149011612],
    [-0.09960757941007614, 0.09892453998327255, -0.09984099119901657, -0.09712056815624237],
    [-0.09888872504234314, 0.09666233509778976, -0.09956680983304977, -0.08989701420068741],
    [-0.09778521955013275, 0.09264986962080002, -0.09917102754116058, -0.07566187530755997]]],
  ['adam, rho 0.2', () => sam(adam({ learningRate: 0.1 }), { rho: 0.2 }), [
    [-0.09999998658895493, 0.10000000149011612, -0.09999998658895493, -0.09999999403953552],
    [-0.09966034442186356, 0.09915704280138016, -0.0998620018362999, -0.09733431786298752],
    [-0.09905441850423813, 0.09737051278352737, -0.0996328815817833, -0.0904521569609642],
    [-0.09814619272947311, 0.09406150132417679, -0.09931643307209015, -0.07613103836774826]]],
  ['sgd momentum, p 3, adaptive', () => sam(sgd({ learningRate: 0.1, momentum: 0.9 }), { rho: 0.3, p: 3, adaptive: true }), [
    [-0.11783762276172638, 0.23620639741420746, -0.12503911554813385, -0.06469897925853729],
    [-0.2103136032819748, 0.3300352692604065, -0.23167918622493744, -0.10866811126470566],
    [-0.26764020323753357, 0.26948562264442444, -0.3140011727809906, -0.12435859441757202],
    [-0.28604942560195923, 0.08182423561811447, -0.36678048968315125, -0.11238273233175278]]],
  ['sgd, p Infinity, rho schedule', () => sam(sgd({ learningRate: 0.05 }), { rho: (k) => 0.1 / (1 + k), p: Infinity }), [
    [-0.055000003427267075, 0.12000000476837158, -0.05249999836087227, -0.04000000283122063],
    [-0.04975000023841858, 0.0860000029206276, -0.049937497824430466, -0.031000003218650818],
    [-0.046429168432950974, 0.06546666473150253, -0.04827239736914635, -0.026233335956931114],
    [-0.043691039085388184, 0.050706665962934494, -0.04685725271701813, -0.022776668891310692]]],
  ['sgd, unnormalised', () => sam(sgd({ learningRate: 0.05 }), { rho: 0.1, normalize: false }), [
    [-0.055000003427267075, 0.14000000059604645, -0.05249999836087227, -0.036000002175569534],
    [-0.05197500064969063, 0.10080000013113022, -0.051121871918439865, -0.03167999908328056],
    [-0.04911637306213379, 0.07257600873708725, -0.04977992922067642, -0.027878401800990105],
    [-0.046414975076913834, 0.05225471779704094, -0.04847320541739464, -0.024532992392778397]]],
];

type Q = { w: tf.Tensor; b: tf.Tensor };
const quadratic = (params: Tree, batch: { aw: tf.Tensor; ab: tf.Tensor }): tf.Scalar => {
  const p = params as Q;
  return tf.tidy(() => tf.mul(0.5, tf.add(tf.sum(tf.mul(batch.aw, tf.square(p.w))), tf.sum(tf.mul(batch.ab, tf.square(p.b))))) as tf.Scalar);
};

describe('sam: the default ascent step is unchanged', () => {
  it.each(GOLDEN)('gives the float32 updates recorded before adversary existed, bit for bit (%s)', (_, make, expected) => {
    const opt = make();
    const batch = { aw: tf.tensor1d([1, 4, 0.5]), ab: tf.tensor1d([2]) };
    let params: Tree = { w: tf.tensor1d([1, -0.5, 2]), b: tf.tensor1d([0.3]) };
    let state = opt.init(params);
    for (let k = 0; k < 4; k++) {
      const gradFn: GradFn = makeGradFn(quadratic, batch);
      const { loss, grads } = gradFn(params);
      const [u, next] = opt.update(grads, state, params, { gradFn });
      expect([...(u as Q).w.dataSync(), ...(u as Q).b.dataSync()]).toEqual(expected[k]);
      const p2 = applyUpdates(params, u);
      treeDispose([loss, grads, u, params, state]);
      params = p2;
      state = next;
    }
    expect(Object.keys(state)).toEqual(['count', 'base']);
    treeDispose([params, state, batch]);
  });

  it('is the base step with the gradient at perturbed(g, w, { rho }), bit for bit', () => {
    const batch = P.batch();
    const params = P.params(P.start);
    const opt = sam(adam({ learningRate: 0.05 }), { rho: 0.1 });
    const base = adam({ learningRate: 0.05 });
    const gradFn = makeGradFn(P.loss, batch);
    const { loss, grads } = gradFn(params);
    const [u, s] = opt.update(grads, opt.init(params), params, { gradFn });
    const point = perturbed(grads, params, { rho: 0.1 });
    const at = gradFn(point);
    const [expected, s2] = base.update(at.grads, base.init(params), params);
    expect(P.read(u)).toEqual(P.read(expected));
    treeDispose([batch, params, loss, grads, u, s, point, at, expected, s2]);
  });
});

describe('sam: adversary (optax.contrib.sam adv_optimizer)', () => {
  const rho = 0.1;
  it.each([
    ['sgd with momentum', () => sgd({ learningRate: 0.05, momentum: 0.9 }), () => sgd64(0.05, 0.9)],
    ['adam', () => adam({ learningRate: 0.02 }), () => adam64(0.02)],
  ] as const)('chain(normalizeByGlobalNorm(), sgd({ learningRate: rho })) gives optax\'s numbers (%s), within 1e-5', (_, make, ref) => {
    const opt = sam(make() as Transform<any>, { adversary: chain(normalizeByGlobalNorm(), sgd({ learningRate: rho })) });
    const traj = run(opt, 10);
    const expected = optaxSamReference(ref(), 10, { lr: () => rho, momentum: 0, reset: true });
    if (process.env.BASIN_REPORT_ERRORS) console.log(`adversary ${_}: ${maxRelError(traj, expected).toExponential(2)}`);
    expect(maxRelError(traj, expected)).toBeLessThan(1e-5);
    // It is the built-in step (w + rho g / ||g||), up to float32 rounding in another order of ops.
    expect(maxRelError(traj, run(sam(make() as Transform<any>, { rho }), 10))).toBeLessThan(1e-5);
  });

  it('the sign is optax\'s: the point is w - adversary(g), so sgd({ learningRate: -rho }) would descend to w - rho g / ||g||', () => {
    const wrong = run(sam(sgd({ learningRate: 0.05 }), { adversary: chain(normalizeByGlobalNorm(), sgd({ learningRate: -rho })) }), 6);
    // optax's reference with a negative rate: the gradient is taken at w - rho g / ||g||.
    const descent = optaxSamReference(sgd64(0.05), 6, { lr: () => -rho, momentum: 0, reset: true });
    expect(maxRelError(wrong, descent)).toBeLessThan(1e-5);
    const right = optaxSamReference(sgd64(0.05), 6, { lr: () => rho, momentum: 0, reset: true });
    expect(maxRelError(descent, right)).toBeGreaterThan(1e-3);
  });

  it('resetAdversaryState (default true) starts the adversary afresh each step; false carries its momentum and step count, as optax\'s reset_state', () => {
    const lr: Schedule = (n) => 0.05 * (1 + n);
    const make = (reset?: boolean) =>
      sam(sgd({ learningRate: 0.05 }), { adversary: chain(normalizeByGlobalNorm(), sgd({ learningRate: lr, momentum: 0.5 })), ...(reset === undefined ? {} : { resetAdversaryState: reset }) });
    const fresh = optaxSamReference(sgd64(0.05), 8, { lr, momentum: 0.5, reset: true });
    const carried = optaxSamReference(sgd64(0.05), 8, { lr, momentum: 0.5, reset: false });
    expect(maxRelError(run(make(), 8), fresh)).toBeLessThan(1e-5);
    expect(maxRelError(run(make(true), 8), fresh)).toBeLessThan(1e-5);
    expect(maxRelError(run(make(false), 8), carried)).toBeLessThan(1e-5);
    expect(maxRelError(fresh, carried)).toBeGreaterThan(1e-3);
  });

  it('keeps the adversary\'s state in its own (checkpointed) and leaks nothing', () => {
    const batch = P.batch();
    const make = () => new Trainer({
      transform: sam(adam({ learningRate: 0.05 }), { adversary: chain(normalizeByGlobalNorm(), sgd({ learningRate: 0.1, momentum: 0.5 })), resetAdversaryState: false }),
      loss: P.loss,
      params: P.params(P.start),
    });
    const a = make();
    a.step(batch);
    a.step(batch);
    expect(Object.keys(a.state as SamState)).toEqual(['count', 'base', 'adversary']);
    const saved = JSON.parse(JSON.stringify(a.save()));
    a.step(batch);
    const b = make();
    b.restore(saved);
    b.step(batch);
    expectClose(P.read(b.params), P.read(a.params), 1e-7);
    a.dispose();
    b.dispose();
    for (const reset of [true, false]) {
      const opt = sam(sgd({ learningRate: 0.05, momentum: 0.9 }), { adversary: chain(normalizeByGlobalNorm(), sgd({ learningRate: 0.1, momentum: 0.5 })), resetAdversaryState: reset });
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

  it('returns fresh tensors and leaves its inputs alive and unchanged; key order does not matter', () => {
    const batch = P.batch();
    const opt = sam(adam({ learningRate: 0.05 }), { adversary: chain(normalizeByGlobalNorm(), sgd({ learningRate: 0.1, momentum: 0.5 })), resetAdversaryState: false });
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
    treeDispose([params, state]);
    const reversed = (t: Tree): Tree => Object.fromEntries(Object.entries(t as Record<string, tf.Tensor>).reverse());
    const once = (order: 'wb' | 'bw') => {
      const o = sam(adam({ learningRate: 0.05 }), { adversary: chain(normalizeByGlobalNorm(), sgd({ learningRate: 0.1 })) });
      const p = P.params(P.start, order);
      const s = o.init(P.params(P.start, order === 'wb' ? 'bw' : 'wb'));
      const inner = makeGradFn(P.loss, batch);
      const gradFn: GradFn = (q) => {
        const r = inner(q);
        return { loss: r.loss, grads: order === 'bw' ? reversed(r.grads) : r.grads };
      };
      const { loss, grads } = inner(p);
      const [u, s2] = o.update(order === 'bw' ? reversed(grads) : grads, s, p, { gradFn });
      const values = P.read(u);
      treeDispose([p, s, loss, grads, u, s2]);
      return values;
    };
    expect(once('bw')).toEqual(once('wb'));
    treeDispose(batch);
  });
});
