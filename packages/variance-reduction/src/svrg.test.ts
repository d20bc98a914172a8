import { tf, expectNoLeak } from '@basin/testing';
import { adam, applyUpdates, makeGradFn, ModelTrainer, sgd, Trainer, treeDispose } from '@basin/core';
import type { GradFn, Transform, Tree } from '@basin/core';
import { refreshSnapshot, svrg } from './svrg';
import type { SvrgState } from './svrg';
import { datasetGradient, modelDatasetGradient } from './full-gradient';
import { svrgVariance } from './variance';
import { dist, leastSquares, lsLoss, maxRelError, seededValues, sgd64, svrg64 } from '../test-helpers';
import type { LsBatch } from '../test-helpers';

const P = leastSquares();
const START = [0.5, -0.5, 0.2, 0];
// A fixed pseudo-random batch order, the same for Basin and the references.
const ORDER = seededValues(9, 2000).map((u) => Math.floor(((u + 1) / 2) * P.batches));
const order = (t: number) => ORDER[t];

/** Runs a transform in a plain loop over the batches `order` picks; returns the iterates. */
function run(opt: Transform<any>, steps: number, options: { onState?: (state: any, params: Tree, t: number) => any } = {}): number[][] {
  const batches = Array.from({ length: P.batches }, (_, b) => P.batch(b));
  let params: Tree = P.params(START);
  let state = opt.init(params);
  const traj: number[][] = [];
  for (let t = 0; t < steps; t++) {
    if (options.onState) {
      const replaced = options.onState(state, params, t);
      if (replaced !== state) {
        treeDispose(state);
        state = replaced;
      }
    }
    const gradFn = makeGradFn(lsLoss, batches[order(t)]);
    const { loss, grads } = gradFn(params);
    const [u, next] = opt.update(grads, state, params, { gradFn });
    const p2 = applyUpdates(params, u);
    treeDispose([loss, grads, u, params, state]);
    params = p2;
    state = next;
    traj.push(P.read(params));
  }
  treeDispose([params, state, batches]);
  return traj;
}

describe('svrg', () => {
  it.each([
    ['sgd (one-argument form), m = 6, full gradient in chunks of 5 rows', () => ({ learningRate: 0.1 }), () => sgd64(0.1), 6, 5],
    ['sgd with momentum 0.5, m = 4, one chunk', () => sgd({ learningRate: 0.05, momentum: 0.5 }), () => sgd64(0.05, 0.5), 4, 1000],
    ['sgd, m = 1 (a snapshot every step: full-batch gradient descent)', () => ({ learningRate: 0.1 }), () => sgd64(0.1), 1, 7],
  ] as const)("follows a float64 reference of Johnson & Zhang's update (option I, full-batch snapshot) on least squares: %s, within 2e-5", (_, make, ref, m, chunk) => {
    const data = P.data();
    const base = make();
    const fullGradient = datasetGradient(lsLoss, data, { batchSize: chunk });
    const opt = 'init' in base ? svrg(base as Transform<unknown>, { fullGradient, snapshotEvery: m }) : svrg({ ...base, fullGradient, snapshotEvery: m });
    const steps = 40;
    const traj = run(opt, steps);
    const expected = svrg64(P, START, order, steps, m, ref());
    // float32 against float64 over 40 steps; the measured error is ~1e-7.
    expect(maxRelError(traj, expected)).toBeLessThan(2e-5);
    // And it is not plain SGD: the correction moves the iterates.
    if (m > 1) {
      const plain = svrg64(P, START, order, steps, 1e9, ref());
      expect(maxRelError(expected, plain)).toBeGreaterThan(1e-3);
    }
    treeDispose(data);
  });

  it('calls fullGradient once per snapshot and extras.gradFn at the snapshot on every other step', () => {
    const data = P.data();
    const inner = datasetGradient(lsLoss, data);
    let full = 0;
    let atSnapshot = 0;
    const opt = svrg({ learningRate: 0.1, fullGradient: (p) => (full++, inner(p)), snapshotEvery: 5 });
    const batch = P.batch(0);
    let params: Tree = P.params(START);
    let state = opt.init(params);
    const fn = makeGradFn(lsLoss, batch);
    const gradFn: GradFn = (p, mb) => {
      atSnapshot++;
      expect(P.read(p)).toEqual(P.read((state as SvrgState).snapshotParams));
      return fn(p, mb);
    };
    for (let t = 0; t < 12; t++) {
      const { loss, grads } = fn(params);
      const [u, next] = opt.update(grads, state, params, { gradFn });
      const p2 = applyUpdates(params, u);
      treeDispose([loss, grads, u, params, state]);
      params = p2;
      state = next;
    }
    expect(full).toBe(3); // steps 0, 5, 10
    expect(atSnapshot).toBe(9);
    expect((state as SvrgState).snapshots).toBe(3);
    expect((state as SvrgState).sinceSnapshot).toBe(2);
    treeDispose([params, state, batch, data]);
  });

  it('Trainer with svrg follows the same trajectory as the plain loop, bit for bit', () => {
    const data = P.data();
    const make = () => svrg({ learningRate: 0.1, fullGradient: datasetGradient(lsLoss, data, { batchSize: 5 }), snapshotEvery: 6 });
    const loop = run(make(), 20);
    const trainer = new Trainer<LsBatch>({ transform: make(), loss: lsLoss, params: P.params(START) });
    const batches = Array.from({ length: P.batches }, (_, b) => P.batch(b));
    const traj: number[][] = [];
    for (let t = 0; t < 20; t++) {
      trainer.step(batches[order(t)]);
      traj.push(P.read(trainer.params));
    }
    expect(traj).toEqual(loop);
    trainer.dispose();
    treeDispose([batches, data]);
  });

  it('refreshSnapshot by hand every m steps gives the automatic snapshots, bit for bit', () => {
    const data = P.data();
    const auto = run(svrg({ learningRate: 0.1, fullGradient: datasetGradient(lsLoss, data), snapshotEvery: 6 }), 24);
    const full = datasetGradient(lsLoss, data);
    const manual = run(svrg(sgd({ learningRate: 0.1 })), 24, {
      onState: (state, params, t) => {
        if (t % 6 !== 0) return state;
        const mu = full(params);
        const next = refreshSnapshot(state as SvrgState, params, mu);
        treeDispose(mu);
        return next;
      },
    });
    expect(manual).toEqual(auto);
    treeDispose(data);
  });

  it('at w = w~ = w* the SVRG direction is the same for every batch (zero variance); the SGD gradients are not', () => {
    // Analytic property: g_b(w*) - g_b(w*) + mu~ = mu~ = grad F(w*) = 0 for every b.
    const opt = svrg(sgd({ learningRate: 1 }));
    const wStar = P.params(P.optimum);
    const data = P.data();
    const mu = datasetGradient(lsLoss, data)(wStar);
    const init = opt.init(wStar);
    const state = refreshSnapshot(init, wStar, mu);
    const directions: number[][] = [];
    const raw: number[][] = [];
    for (let b = 0; b < P.batches; b++) {
      const batch = P.batch(b);
      const gradFn = makeGradFn(lsLoss, batch);
      const { loss, grads } = gradFn(wStar);
      const [u, next] = opt.update(grads, state, wStar, { gradFn });
      directions.push(P.read(u).map((x) => -x));
      raw.push(P.read(grads));
      treeDispose([loss, grads, u, next, batch]);
    }
    for (const d of directions) expect(d).toEqual(directions[0]);
    expect(Math.max(...directions[0].map(Math.abs))).toBeLessThan(1e-5); // the full gradient at w*
    const spread = Math.max(...raw.map((g) => dist(g, raw[0])));
    expect(spread).toBeGreaterThan(0.05);

    // svrgVariance at w = w~ = w*: SVRG's is exactly 0, SGD's is Var_b g_b(w*) (float64, 1e-4).
    const batches = Array.from({ length: P.batches }, (_, b) => P.batch(b));
    const gradientAt = (p: Tree, b: number) => {
      const { loss, grads } = makeGradFn(lsLoss, batches[b])(p);
      loss.dispose();
      return grads;
    };
    const v = svrgVariance({ gradientAt, batches: P.batches, params: wStar, snapshotParams: wStar });
    const gStar = Array.from({ length: P.batches }, (_, b) => P.grad(P.optimum, b));
    const mean = gStar[0].map((_, i) => gStar.reduce((s, g) => s + g[i], 0) / P.batches);
    const expectedSgd = gStar.reduce((s, g) => s + dist(g, mean) ** 2, 0) / P.batches;
    expect(v.total.svrg).toBe(0);
    expect(v.total.ratio).toBe(Infinity);
    expect(Math.abs(v.total.sgd - expectedSgd) / expectedSgd).toBeLessThan(1e-4);
    expect(v.leaves.map((l) => l.path)).toEqual(['b', 'w']);
    treeDispose([wStar, data, mu, init, state, batches]);
  });

  it("svrgVariance matches the float64 variances at any w, w~ (least squares: d_b = H_b (w - w~)), and SVRG's vanishes as w, w~ approach w*", () => {
    const batches = Array.from({ length: P.batches }, (_, b) => P.batch(b));
    const gradientAt = (p: Tree, b: number) => {
      const { loss, grads } = makeGradFn(lsLoss, batches[b])(p);
      loss.dispose();
      return grads;
    };
    const variance64 = (w: number[], ws: number[]) => {
      const g = Array.from({ length: P.batches }, (_, b) => P.grad(w, b));
      const d = Array.from({ length: P.batches }, (_, b) => P.grad(w, b).map((x, i) => x - P.grad(ws, b)[i]));
      const v = (xs: number[][]) => {
        const mean = xs[0].map((_, i) => xs.reduce((s, x) => s + x[i], 0) / xs.length);
        return xs.reduce((s, x) => s + dist(x, mean) ** 2, 0) / xs.length;
      };
      return { sgd: v(g), svrg: v(d) };
    };
    const svrgValues: number[] = [];
    for (const scale of [1, 0.1, 0.01]) {
      const w = P.optimum.map((x, i) => x + scale * [0.4, -0.3, 0.5, 0.2][i]);
      const ws = P.optimum.map((x, i) => x + scale * [-0.2, 0.1, 0.3, -0.4][i]);
      const pw = P.params(w);
      const pws = P.params(ws);
      const got = svrgVariance({ gradientAt, batches: P.batches, params: pw, snapshotParams: pws });
      const want = variance64(w, ws);
      expect(Math.abs(got.total.sgd - want.sgd) / want.sgd).toBeLessThan(1e-4);
      expect(Math.abs(got.total.svrg - want.svrg) / want.svrg).toBeLessThan(1e-3);
      svrgValues.push(got.total.svrg);
      treeDispose([pw, pws]);
    }
    // Var_SVRG scales as ||w - w~||^2: a factor 100 per factor 10 in the distance.
    expect(svrgValues[1] / svrgValues[0]).toBeCloseTo(0.01, 3);
    expect(svrgValues[2] / svrgValues[0]).toBeCloseTo(1e-4, 5);
    treeDispose(batches);
  });

  it('converges linearly on a strongly convex least squares, far below where SGD at the same step size stalls', () => {
    const data = P.data();
    const lr = 0.3;
    const epochs = 20;
    const steps = epochs * P.batches;
    const errorsPerEpoch = (traj: number[][]) => Array.from({ length: epochs + 1 }, (_, e) => dist(e === 0 ? START : traj[e * P.batches - 1], P.optimum));
    const vr = errorsPerEpoch(run(svrg({ learningRate: lr, fullGradient: datasetGradient(lsLoss, data), snapshotEvery: P.batches }), steps));
    const plain = errorsPerEpoch(run(sgd({ learningRate: lr }), steps));
    if (process.env.BASIN_REPORT_ERRORS) console.log(`svrg ${vr.map((x) => x.toExponential(1)).join(' ')}\nsgd ${plain.map((x) => x.toExponential(1)).join(' ')}`);
    // Linear rate: the distance to w* shrinks at least 2x every 5 epochs (float64: 1.6e-2, 3.3e-4,
    // 6.8e-5, 2.0e-5 at epochs 5, 10, 15, 20), 100x from epoch 5 to 20.
    for (let e = 5; e + 5 <= epochs; e += 5) expect(vr[e + 5]).toBeLessThan(vr[e] / 2);
    expect(vr[epochs]).toBeLessThan(vr[5] / 100);
    expect(vr[epochs]).toBeLessThan(1e-4);
    // SGD with the same constant step stays at its noise floor (0.04 to 0.1 here).
    expect(Math.min(...plain.slice(5))).toBeGreaterThan(0.02);
    expect(plain[epochs]).toBeGreaterThan(1000 * vr[epochs]);
    treeDispose(data);
  });

  it('leaks nothing over snapshot and inner steps, with an adam base', () => {
    const data = P.data();
    const batches = Array.from({ length: P.batches }, (_, b) => P.batch(b));
    const opt = svrg(adam({ learningRate: 0.01 }), { fullGradient: datasetGradient(lsLoss, data, { batchSize: 5 }), snapshotEvery: 3 });
    let params: Tree = P.params(START);
    let state = opt.init(params);
    let t = 0;
    expectNoLeak(() => {
      for (let k = 0; k < 4; k++, t++) {
        const gradFn = makeGradFn(lsLoss, batches[order(t)]);
        const { loss, grads } = gradFn(params);
        const [u, next] = opt.update(grads, state, params, { gradFn });
        const p2 = applyUpdates(params, u);
        treeDispose([loss, grads, u, params, state]);
        params = p2;
        state = next;
      }
    });
    treeDispose([params, state, batches, data]);
  });

  it('a checkpoint taken between snapshots resumes the same trajectory (Trainer.save / restore)', () => {
    const data = P.data();
    const make = () => new Trainer<LsBatch>({ transform: svrg({ learningRate: 0.1, fullGradient: datasetGradient(lsLoss, data), snapshotEvery: 6 }), loss: lsLoss, params: P.params(START) });
    const batches = Array.from({ length: P.batches }, (_, b) => P.batch(b));
    const a = make();
    for (let t = 0; t < 14; t++) a.step(batches[order(t)]);
    const b = make();
    for (let t = 0; t < 8; t++) b.step(batches[order(t)]);
    const saved = JSON.parse(JSON.stringify(b.save()));
    b.dispose();
    const c = make();
    c.restore(saved);
    expect((c.state as SvrgState).sinceSnapshot).toBe(2);
    for (let t = 8; t < 14; t++) c.step(batches[order(t)]);
    expect(P.read(c.params)).toEqual(P.read(a.params));
    [a, c].forEach((x) => x.dispose());
    treeDispose([batches, data]);
  });

  it('ModelTrainer with modelDatasetGradient follows the functional run of the same linear model', () => {
    // The model computes x . w + b; ModelTrainer's meanSquaredError is mean (p - y)^2 = 2 * lsLoss.
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 1 })] });
    const [kernel, bias] = model.trainableWeights;
    tf.tidy(() => {
      kernel.write(tf.tensor2d(START.slice(0, 3), [3, 1]));
      bias.write(tf.tensor1d([START[3]]));
    });
    const data = P.data();
    const y2 = tf.reshape(data.y, [-1, 1]);
    const trainer = new ModelTrainer(model, {
      transform: svrg({ learningRate: 0.05, fullGradient: modelDatasetGradient(model, data.x, y2, { loss: 'meanSquaredError', batchSize: 7 }), snapshotEvery: 6 }),
      loss: 'meanSquaredError',
    });
    const traj: number[][] = [];
    for (let t = 0; t < 15; t++) {
      const batch = P.batch(order(t));
      const yb = tf.reshape(batch.y, [-1, 1]);
      trainer.trainOnBatch(batch.x, yb);
      traj.push([...kernel.read().dataSync(), ...bias.read().dataSync()]);
      treeDispose([batch, yb]);
    }
    const expected = svrg64(P, START, order, 15, 6, sgd64(0.1)); // lr 0.05 on twice the loss
    expect(maxRelError(traj, expected)).toBeLessThan(2e-5);
    trainer.dispose();
    model.dispose();
    treeDispose([data, y2]);
  });

  it('gives identical results whatever the key order of params, updates, gradFn grads and the full gradient', () => {
    const data = P.data();
    const reversed = (t: Tree): Tree => Object.fromEntries(Object.entries(t as Record<string, tf.Tensor>).reverse());
    const go = (reverseParams: boolean, reverseCallbacks: boolean) => {
      const inner = datasetGradient(lsLoss, data);
      const opt = svrg(adam({ learningRate: 0.05 }), { fullGradient: (p) => (reverseCallbacks ? reversed(inner(p)) : inner(p)), snapshotEvery: 3 });
      let params: Tree = reverseParams ? reversed(P.params(START)) : P.params(START);
      const fresh = P.params(START);
      let state = opt.init(fresh);
      treeDispose(fresh);
      const out: number[][] = [];
      for (let t = 0; t < 7; t++) {
        const batch = P.batch(order(t));
        const fn = makeGradFn(lsLoss, batch);
        const gradFn: GradFn = (p, mb) => {
          const r = fn(p, mb);
          return { loss: r.loss, grads: reverseCallbacks ? reversed(r.grads) : r.grads };
        };
        const { loss, grads } = fn(params);
        const [u, next] = opt.update(reverseParams ? reversed(grads) : grads, state, params, { gradFn });
        const p2 = applyUpdates(params, u);
        out.push(P.read(p2));
        treeDispose([loss, grads, u, params, state, batch]);
        params = reverseParams ? reversed(p2) : p2;
        state = next;
      }
      treeDispose([params, state]);
      return out;
    };
    const canonical = go(false, false);
    expect(go(true, true)).toEqual(canonical);
    expect(go(true, false)).toEqual(canonical);
    expect(go(false, true)).toEqual(canonical);
    treeDispose(data);
  });
});
