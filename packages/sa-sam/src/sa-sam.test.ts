import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { step, Trainer, treeDispose } from '@basin/core';
import type { GradFn, StepResult, Tree } from '@basin/core';
import { saSam, saSgd } from './sa-sam';
import type { SaSamState } from './sa-sam';

// Per-batch quadratic L_a(w) = 0.5 sum(a w^2) + sum(c w): gradient a w + c, known exactly.
type Batch = { a: tf.Tensor; c: tf.Tensor };
const loss = (params: Tree, batch: Batch): tf.Scalar =>
  tf.tidy(() => {
    const w = (params as { w: tf.Tensor }).w;
    return tf.add(tf.mul(0.5, tf.sum(tf.mul(batch.a, tf.square(w)))), tf.sum(tf.mul(batch.c, w))) as tf.Scalar;
  });
const BATCHES = [
  { a: [1, 3, 0.5, 2], c: [0.1, -0.2, 0, 0.3] },
  { a: [1.5, 2, 0.7, 1], c: [-0.1, 0.1, 0.2, 0] },
];
const W0 = [1, -0.5, 2, 0.8];
const grad = (w: number[], b: { a: number[]; c: number[] }) => w.map((x, i) => b.a[i] * x + b.c[i]);
const dist = (u: number[], v: number[]) => Math.hypot(...u.map((x, i) => x - v[i]));

/** Float64 transcription of the algorithm (fixtures README, `sasam` case). */
function reference(steps: number, batchAt: (t: number) => { a: number[]; c: number[] }, opts: { eta0: number; ascent: boolean; factor?: number; growth?: number; theta0?: number; eps?: number }) {
  const { eta0, ascent, factor = 2, growth = 1, theta0 = Infinity, eps = 0 } = opts;
  let w = W0.slice();
  let prev = W0.slice();
  let eta = eta0;
  let theta = theta0;
  const out: { w: number[]; eta: number }[] = [];
  for (let t = 0; t < steps; t++) {
    const b = batchAt(t);
    const g = grad(w, b);
    if (t > 0) {
      const local = dist(w, prev) / (factor * dist(g, grad(prev, b)) + eps);
      const next = Math.min(local, Math.sqrt(1 + growth * theta) * eta);
      theta = next / eta;
      eta = next;
    }
    let d = g;
    if (ascent) {
      const n = Math.hypot(...g);
      const rho = Math.sqrt(eta);
      d = grad(w.map((x, i) => x + (rho * g[i]) / n), b);
    }
    prev = w;
    w = w.map((x, i) => x - eta * d[i]);
    out.push({ w, eta });
  }
  return out;
}

const makeBatch = (b: { a: number[]; c: number[] }): Batch => ({ a: tf.tensor1d(b.a), c: tf.tensor1d(b.c) });

function run(transform: ReturnType<typeof saSam>, steps: number, batchAt: (t: number) => { a: number[]; c: number[] }) {
  const batches = BATCHES.map(makeBatch);
  let params: Tree = { w: tf.tensor1d(W0) };
  let state = transform.init(params);
  const out: { w: number[]; eta: number; rho: number }[] = [];
  for (let t = 0; t < steps; t++) {
    const b = batchAt(t);
    const r: StepResult<SaSamState> = step(transform, loss, params, state, batches[BATCHES.indexOf(b)]);
    treeDispose([params, state, r.loss]);
    params = r.params;
    state = r.state;
    out.push({ w: Array.from((params as { w: tf.Tensor }).w.dataSync()), eta: state.eta, rho: state.rho });
  }
  treeDispose([params, state, batches]);
  return out;
}

describe('saSam / saSgd', () => {
  it('follows the paper algorithm step for step (full batch)', () => {
    const ours = run(saSam({ initialLearningRate: 0.1 }), 8, () => BATCHES[0]);
    const ref = reference(8, () => BATCHES[0], { eta0: 0.1, ascent: true });
    ours.forEach((o, t) => {
      expectClose(o.w, ref[t].w, 1e-5);
      expectClose([o.eta], [ref[t].eta], 1e-4);
      expectClose([o.rho], [Math.sqrt(ref[t].eta)], 1e-4);
    });
    expect(ours[0].eta).toBe(0.1); // the first step is SAM with eta_0
  });

  it('takes g(w_{t-1}) on the current batch when batches change', () => {
    const alternate = (t: number) => BATCHES[t % 2];
    const ours = run(saSam({ initialLearningRate: 0.05 }), 6, alternate);
    const ref = reference(6, alternate, { eta0: 0.05, ascent: true });
    ours.forEach((o, t) => expectClose(o.w, ref[t].w, 1e-5));
  });

  it('SA-SGD is the same step size without the ascent', () => {
    const ours = run(saSgd({ initialLearningRate: 0.1 }), 8, () => BATCHES[1]);
    const ref = reference(8, () => BATCHES[1], { eta0: 0.1, ascent: false });
    ours.forEach((o, t) => {
      expectClose(o.w, ref[t].w, 1e-5);
      expect(o.rho).toBe(0);
    });
  });

  it("the authors' code variant is reachable through options", () => {
    const opts = { curvatureFactor: 1, growthRate: 0.02, initialTheta: 1, eps: 1e-6 };
    const ours = run(saSam({ initialLearningRate: 0.1, ...opts }), 6, () => BATCHES[0]);
    const ref = reference(6, () => BATCHES[0], { eta0: 0.1, ascent: true, factor: 1, growth: 0.02, theta0: 1, eps: 1e-6 });
    ours.forEach((o, t) => expectClose(o.w, ref[t].w, 1e-5));
  });

  it('resumes from a JSON checkpoint (theta = Infinity included) on the same trajectory', () => {
    const batch = makeBatch(BATCHES[0]);
    const make = () => new Trainer({ transform: saSam({ initialLearningRate: 0.1 }), loss, params: { w: tf.tensor1d(W0) } });
    const a = make();
    a.step(batch);
    const saved = JSON.parse(JSON.stringify(a.save()));
    expect((a.state as { theta: number }).theta).toBe(Infinity);
    a.step(batch);
    a.step(batch);
    const b = make();
    b.restore(saved);
    b.step(batch);
    b.step(batch);
    expectClose((b.params as { w: tf.Tensor }).w.dataSync(), (a.params as { w: tf.Tensor }).w.dataSync(), 1e-7);
    a.dispose();
    b.dispose();
    treeDispose(batch);
  });

  it('errors: bad options, missing gradFn, gradFn of another shape', () => {
    expect(() => saSam({} as never)).toThrow(/saSam: initialLearningRate must be a finite number/);
    expect(() => saSgd({ initialLearningRate: 0 })).toThrow(/saSgd: initialLearningRate must be a number > 0/);
    const opt = saSam({ initialLearningRate: 0.1 });
    const params = { w: tf.tensor1d(W0) };
    const state = opt.init(params);
    const g = { w: tf.tensor1d([1, 1, 1, 1]) };
    const bad: GradFn = () => ({ loss: tf.scalar(0), grads: { w: tf.zeros([2, 2]) } });
    const before = tf.memory().numTensors;
    expect(() => opt.update(g, state, params)).toThrow(/saSam: extras\.gradFn is missing/);
    expect(() => opt.update(g, state, params, { gradFn: bad })).toThrow(/saSam: .*'w'.*expected shape \[4\], got \[2, 2\]/);
    const other = { w: tf.zeros([3]) };
    expect(() => opt.update(other, state, other, { gradFn: bad })).toThrow(/saSam: the state does not belong to this saSam.*state\.prevParams\.w expected a float32 tensor of shape \[3\], got a float32 tensor of shape \[4\]/);
    other.w.dispose();
    expect(tf.memory().numTensors).toBe(before);
    treeDispose([params, state, g]);
  });

  it('a zero gradient gives a zero step, never NaN', () => {
    const batch = { a: tf.tensor1d([1, 1, 1, 1]), c: tf.zeros([4]) };
    const opt = saSam({ initialLearningRate: 0.1 });
    let params: Tree = { w: tf.zeros([4]) };
    let state = opt.init(params);
    for (let t = 0; t < 3; t++) {
      const r: StepResult<SaSamState> = step(opt, loss, params, state, batch);
      treeDispose([params, state, r.loss]);
      params = r.params;
      state = r.state;
    }
    expect(Array.from((params as { w: tf.Tensor }).w.dataSync())).toEqual([0, 0, 0, 0]);
    // t = 1: no information (both terms infinite), eta stays 0.1 and theta = 1; t = 2: the cap sqrt(2) * 0.1.
    expect(state.eta).toBeCloseTo(0.1 * Math.SQRT2, 12);
    treeDispose([params, state, batch]);
  });

  it('leaks no tensors per step', () => {
    const batch = makeBatch(BATCHES[0]);
    for (const opt of [saSam({ initialLearningRate: 0.1 }), saSgd({ initialLearningRate: 0.1 })]) {
      let params: Tree = { w: tf.tensor1d(W0) };
      let state = opt.init(params);
      expectNoLeak(() => {
        const r = step(opt, loss, params, state, batch);
        treeDispose([params, state, r.loss]);
        params = r.params;
        state = r.state;
      });
      treeDispose([params, state]);
    }
    treeDispose(batch);
  });
});
