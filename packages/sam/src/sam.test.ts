import { tf, expectClose, expectNoLeak } from '@basin/testing';
import {
  addDecayedWeights, adam, BasinError, chain, makeGradFn, sgd, step, Trainer, treeDispose,
} from '@basin/core';
import type { GradFn, Tree } from '@basin/core';
import { sam } from './sam';

type P = { w: tf.Tensor; b: tf.Tensor };
type Batch = { aw: tf.Tensor; ab: tf.Tensor };

// L(w, b) = 0.5 sum(aw w^2) + 0.5 sum(ab b^2): gradient (aw w, ab b), known in closed form.
const quadratic = (params: Tree, batch: Batch): tf.Scalar => {
  const p = params as P;
  return tf.tidy(() => tf.mul(0.5, tf.add(tf.sum(tf.mul(batch.aw, tf.square(p.w))), tf.sum(tf.mul(batch.ab, tf.square(p.b))))) as tf.Scalar);
};
const A = { w: [1, 4, 0.5], b: [2] };
const W0 = { w: [1, -0.5, 2], b: [0.3] };
const makeParams = (v = W0): P => ({ w: tf.tensor1d(v.w), b: tf.tensor1d(v.b) });
const makeBatch = (): Batch => ({ aw: tf.tensor1d(A.w), ab: tf.tensor1d(A.b) });
const flatA = [...A.w, ...A.b];
const read = (p: Tree): number[] => [...(p as P).w.dataSync(), ...(p as P).b.dataSync()];

/** Float64 reference: one SAM step with SGD on the quadratic. */
function samSgdReference(w: number[], lr: number, rho: number, decay = 0): number[] {
  const g = w.map((x, i) => flatA[i] * x);
  const n = Math.hypot(...g);
  const adv = w.map((x, i) => x + (n === 0 ? 0 : (rho * g[i]) / n));
  return w.map((x, i) => x - lr * (flatA[i] * adv[i] + decay * x));
}

describe('sam', () => {
  it('takes the base step with the gradient at w + rho g / ||g||, through core step()', () => {
    const params = makeParams();
    const batch = makeBatch();
    const opt = sam(sgd({ learningRate: 0.1 }), { rho: 0.2 });
    const state = opt.init(params);
    const r = step(opt, quadratic, params, state, batch);
    expectClose(read(r.params), samSgdReference([...W0.w, ...W0.b], 0.1, 0.2), 1e-6);
    treeDispose([params, batch, state, r]);
  });

  it('works in a plain update loop given gradFn, matching step() over several steps', () => {
    const batch = makeBatch();
    const opt = sam(sgd({ learningRate: 0.1 }), { rho: 0.2 });
    let params: Tree = makeParams();
    let state = opt.init(params);
    let expected = [...W0.w, ...W0.b];
    for (let k = 0; k < 3; k++) {
      const gradFn: GradFn = makeGradFn(quadratic, batch);
      const { loss, grads } = gradFn(params);
      const [updates, next] = opt.update(grads, state, params, { gradFn });
      const p2 = tf.tidy(() => ({ w: tf.add((params as P).w, (updates as P).w), b: tf.add((params as P).b, (updates as P).b) }));
      treeDispose([loss, grads, updates, params, state]);
      params = p2;
      state = next;
      expected = samSgdReference(expected, 0.1, 0.2);
      expectClose(read(params), expected, 1e-5);
    }
    expect(state.count).toBe(3);
    treeDispose([params, state, batch]);
  });

  it('rho = 0 is the base transform, and rho follows a schedule of the step count', () => {
    const batch = makeBatch();
    const opt = sam(sgd({ learningRate: 0.1 }), { rho: (k) => (k === 0 ? 0 : 0.3) });
    const params = makeParams();
    const state = opt.init(params);
    const r1 = step(opt, quadratic, params, state, batch);
    const plain = [...W0.w, ...W0.b].map((x, i) => x - 0.1 * flatA[i] * x);
    expectClose(read(r1.params), plain, 1e-6);
    const r2 = step(opt, quadratic, r1.params, r1.state, batch);
    expectClose(read(r2.params), samSgdReference(plain, 0.1, 0.3), 1e-6);
    treeDispose([params, state, batch, r1, r2]);
  });

  it('keeps weight decay in the base transform: the decay sees w, not w + eps', () => {
    const batch = makeBatch();
    const opt = sam(chain(addDecayedWeights({ weightDecay: 0.5 }), sgd({ learningRate: 0.1 })), { rho: 0.2 });
    const params = makeParams();
    const state = opt.init(params);
    const r = step(opt, quadratic, params, state, batch);
    expectClose(read(r.params), samSgdReference([...W0.w, ...W0.b], 0.1, 0.2, 0.5), 1e-6);
    treeDispose([params, state, batch, r]);
  });

  it('unnormalised and adaptive variants take their gradient at the documented point', () => {
    const batch = makeBatch();
    const w = [...W0.w, ...W0.b];
    const g = w.map((x, i) => flatA[i] * x);
    for (const [options, adv] of [
      [{ normalize: false, rho: 0.1 }, w.map((x, i) => x + 0.1 * g[i])],
      [{ adaptive: true, rho: 0.5, eta: 0.01 }, (() => {
        const t = w.map((x) => Math.abs(x) + 0.01);
        const n = Math.hypot(...g.map((x, i) => x * t[i]));
        return w.map((x, i) => x + (0.5 * t[i] * t[i] * g[i]) / n);
      })()],
    ] as const) {
      const opt = sam(sgd({ learningRate: 1 }), options);
      const params = makeParams();
      const state = opt.init(params);
      const r = step(opt, quadratic, params, state, batch);
      expectClose(read(r.params), w.map((x, i) => x - flatA[i] * adv[i]), 1e-5);
      treeDispose([params, state, r]);
    }
    batch.aw.dispose();
    batch.ab.dispose();
  });

  it('a zero gradient gives a finite step (no NaN from the norm)', () => {
    const batch = makeBatch();
    const opt = sam(adam({ learningRate: 0.1 }));
    const params = makeParams({ w: [0, 0, 0], b: [0] });
    const state = opt.init(params);
    const r = step(opt, quadratic, params, state, batch);
    expect(read(r.params)).toEqual([0, 0, 0, 0]);
    treeDispose([params, state, batch, r]);
  });

  it('throws a BasinError naming extras.gradFn when it is missing, and params when they are missing', () => {
    const opt = sam(sgd({ learningRate: 0.1 }));
    const params = makeParams();
    const state = opt.init(params);
    const g = makeParams();
    expect(() => opt.update(g, state, params)).toThrow(BasinError);
    expect(() => opt.update(g, state, params, {})).toThrow(/sam: extras\.gradFn is missing/);
    const batch = makeBatch();
    expect(() => opt.update(g, state, undefined, { gradFn: makeGradFn(quadratic, batch) })).toThrow(/sam: update needs params/);
    treeDispose([params, state, g, batch]);
  });

  it('throws naming the path when gradFn returns a tree of another shape, leaking nothing', () => {
    const opt = sam(sgd({ learningRate: 0.1 }));
    const params = makeParams();
    const state = opt.init(params);
    const g = makeParams();
    const wrongShape: GradFn = () => ({ loss: tf.scalar(0), grads: { w: tf.zeros([2]), b: tf.zeros([1]) } });
    const wrongKeys: GradFn = () => ({ loss: tf.scalar(0), grads: { w: tf.zeros([3]) } });
    const before = tf.memory().numTensors;
    expect(() => opt.update(g, state, params, { gradFn: wrongShape })).toThrow(/sam: .*gradFn.*'w'.*expected shape \[3\], got \[2\]/);
    expect(() => opt.update(g, state, params, { gradFn: wrongKeys })).toThrow(/sam: .*missing \{b\}/);
    expect(tf.memory().numTensors).toBe(before);
    expect(read(params)).toEqual(read(makeParams()));
    treeDispose([params, state, g]);
  });

  it('leaks no tensors per step (sgd with momentum, adam, and adaptive)', () => {
    const batch = makeBatch();
    for (const opt of [
      sam(sgd({ learningRate: 0.1, momentum: 0.9 })),
      sam(adam({ learningRate: 0.1 }), { p: 3 }),
      sam(adam({ learningRate: 0.1 }), { adaptive: true, rho: 0.5 }),
    ]) {
      let params: Tree = makeParams();
      let state = opt.init(params);
      expectNoLeak(() => {
        const r = step(opt, quadratic, params, state, batch);
        treeDispose([params, state, r.loss]);
        params = r.params;
        state = r.state;
      });
      treeDispose([params, state]);
    }
    treeDispose(batch);
  });

  it.each([
    ['p = 2', {}],
    ['p = 3, adaptive', { p: 3, adaptive: true }],
  ])('gives identical results whatever the key order of params, updates and gradFn grads (%s)', (_, options) => {
    const batch = makeBatch();
    const reversed = (t: Tree): Tree => Object.fromEntries(Object.entries(t as Record<string, tf.Tensor>).reverse());
    // `order` builds params and incoming gradients; `flip` reverses the keys gradFn returns; `initOrder` the tree given to init.
    const run = (order: 'wb' | 'bw', flip: boolean, initOrder: 'wb' | 'bw') => {
      const make = (o: 'wb' | 'bw', v = W0): Tree => (o === 'wb' ? makeParams(v) : reversed(makeParams(v)));
      const opt = sam(adam({ learningRate: 0.1 }), { rho: 0.2, ...options });
      const initParams = make(initOrder);
      let state = opt.init(initParams);
      treeDispose(initParams);
      let params = make(order);
      const inner = makeGradFn(quadratic, batch);
      const gradFn: GradFn = (p) => {
        const r = inner(p);
        return { loss: r.loss, grads: flip ? reversed(r.grads) : r.grads };
      };
      const out: Record<string, number[]>[] = [];
      for (let k = 0; k < 3; k++) {
        const { loss, grads } = inner(params);
        const incoming = order === 'wb' ? grads : reversed(grads);
        const [u, next] = opt.update(incoming, state, params, { gradFn });
        const up = u as P;
        out.push({ uw: Array.from(up.w.dataSync()), ub: Array.from(up.b.dataSync()) });
        const p2 = tf.tidy(() => ({ w: tf.add((params as P).w, up.w), b: tf.add((params as P).b, up.b) }));
        treeDispose([loss, grads, u, params, state]);
        params = order === 'wb' ? p2 : reversed(p2);
        state = next;
      }
      treeDispose([params, state]);
      return out;
    };
    const canonical = run('wb', false, 'wb');
    expect(run('bw', true, 'bw')).toEqual(canonical);
    expect(run('bw', false, 'wb')).toEqual(canonical);
    expect(run('wb', true, 'bw')).toEqual(canonical);
    // Through core's step() as well.
    const viaStep = (order: 'wb' | 'bw') => {
      const opt = sam(adam({ learningRate: 0.1 }), { rho: 0.2, ...options });
      const params = order === 'wb' ? makeParams() : reversed(makeParams());
      const state = opt.init(params);
      const r = step(opt, quadratic, params, state, batch);
      const values = read(r.params);
      treeDispose([params, state, r]);
      return values;
    };
    expect(viaStep('bw')).toEqual(viaStep('wb'));
    treeDispose(batch);
  });

  it('resumes from a checkpoint on the same trajectory', () => {
    const batch = makeBatch();
    const make = () => new Trainer({ transform: sam(adam({ learningRate: 0.05 }), { rho: (k) => 0.1 / (1 + k) }), loss: quadratic, params: makeParams() });
    const a = make();
    a.step(batch);
    const saved = a.save();
    a.step(batch);
    const b = make();
    b.restore(JSON.parse(JSON.stringify(saved)));
    b.step(batch);
    expectClose(read(b.params), read(a.params), 1e-7);
    expect((b.state as { count: number }).count).toBe(2);
    a.dispose();
    b.dispose();
    treeDispose(batch);
  });
});
