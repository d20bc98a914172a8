import { tf, expectNoLeak } from '@basin/testing';
import { adam, applyUpdates, makeGradFn, saveCheckpoint, restoreCheckpoint, sgd, Trainer, treeDispose } from '@basin/core';
import type { Transform, Tree } from '@basin/core';
import { sag } from './sag';
import type { SagState } from './sag';
import { dist, leastSquares, lsLoss, maxRelError, sag64, seededValues, sgd64 } from '../test-helpers';
import type { LsBatch } from '../test-helpers';

const P = leastSquares();
const START = [0.5, -0.5, 0.2, 0];
const ORDER = seededValues(11, 2000).map((u) => Math.floor(((u + 1) / 2) * P.batches));
const order = (t: number) => ORDER[t];

/** Runs a transform in a plain loop; `extras.batchIndex` is passed when `withIndex`. */
function run(opt: Transform<any>, steps: number, pick: (t: number) => number = order, withIndex = true): number[][] {
  const batches = Array.from({ length: P.batches }, (_, b) => P.batch(b));
  let params: Tree = P.params(START);
  let state = opt.init(params);
  const traj: number[][] = [];
  for (let t = 0; t < steps; t++) {
    const b = pick(t);
    const { loss, grads } = makeGradFn(lsLoss, batches[b])(params);
    const [u, next] = opt.update(grads, state, params, withIndex ? { batchIndex: b } : {});
    const p2 = applyUpdates(params, u);
    treeDispose([loss, grads, u, params, state]);
    params = p2;
    state = next;
    traj.push(P.read(params));
  }
  treeDispose([params, state, batches]);
  return traj;
}

describe('sag', () => {
  it.each([
    ["normalize 'seen' (default), random batches from extras.batchIndex", 'seen', () => sag({ learningRate: 0.2, batches: P.batches }), () => sgd64(0.2)],
    ["normalize 'all', random batches", 'all', () => sag({ learningRate: 0.2, batches: P.batches, normalize: 'all' }), () => sgd64(0.2)],
    ['a momentum base', 'seen', () => sag(sgd({ learningRate: 0.1, momentum: 0.5 }), { batches: P.batches }), () => sgd64(0.1, 0.5)],
  ] as const)('follows a float64 reference of SAG (Schmidt et al. 2017, eq. 5) on least squares: %s, within 2e-5', (_, normalize, make, ref) => {
    const steps = 40;
    const traj = run(make(), steps);
    const expected = sag64(P, START, order, steps, normalize, ref());
    expect(maxRelError(traj, expected)).toBeLessThan(2e-5);
  });

  it("batchIndex 'cyclic' and a batchIndex function give what extras.batchIndex gives, bit for bit", () => {
    const cyclic = (t: number) => t % P.batches;
    expect(run(sag({ learningRate: 0.2, batches: P.batches, batchIndex: 'cyclic' }), 20, cyclic, false)).toEqual(run(sag({ learningRate: 0.2, batches: P.batches }), 20, cyclic));
    expect(run(sag({ learningRate: 0.2, batches: P.batches, batchIndex: order }), 20, order, false)).toEqual(run(sag({ learningRate: 0.2, batches: P.batches }), 20, order));
    // The option wins over extras.batchIndex.
    expect(run(sag({ learningRate: 0.2, batches: P.batches, batchIndex: order }), 20, order, true)).toEqual(run(sag({ learningRate: 0.2, batches: P.batches }), 20, order));
    expect(maxRelError(run(sag({ learningRate: 0.2, batches: P.batches, batchIndex: 'cyclic' }), 20, cyclic, false), sag64(P, START, cyclic, 20, 'seen', sgd64(0.2)))).toBeLessThan(2e-5);
  });

  it('converges linearly on least squares, far below where SGD at the same step size stalls', () => {
    const epochs = 40;
    const lr = 0.2;
    const at = (traj: number[][]) => Array.from({ length: epochs + 1 }, (_, e) => dist(e === 0 ? START : traj[e * P.batches - 1], P.optimum));
    const vr = at(run(sag({ learningRate: lr, batches: P.batches }), epochs * P.batches));
    const plain = at(run(sgd({ learningRate: lr }), epochs * P.batches));
    if (process.env.BASIN_REPORT_ERRORS) console.log(`sag ${vr.map((x) => x.toExponential(1)).join(' ')}\nsgd ${plain.map((x) => x.toExponential(1)).join(' ')}`);
    // Linear rate: about 0.83x per epoch here (1.0e-1, 1.0e-2, 1.1e-3, 1.3e-4 at epochs 10, 20, 30, 40).
    for (let e = 10; e + 10 <= epochs; e += 10) expect(vr[e + 10]).toBeLessThan(vr[e] / 4);
    expect(vr[epochs]).toBeLessThan(5e-4);
    // SGD with the same constant step stays at its noise floor (0.013 to 0.08 after epoch 10).
    expect(Math.min(...plain.slice(10))).toBeGreaterThan(0.01);
    expect(Math.min(...plain.slice(10))).toBeGreaterThan(50 * vr[epochs]);
  });

  it('keeps one gradient per batch: the table rows share one zeros buffer until written, then hold params-sized data', () => {
    const params = { w: tf.zeros([1000]) };
    // TF.js counts bytes per tensor handle; distinct buffers are what take memory.
    const buffers = () => tf.memory().numDataBuffers;
    const before = buffers();
    const opt = sag({ learningRate: 0.1, batches: 50 });
    const state = opt.init(params);
    expect(state.table.length).toBe(50);
    // sgd's state is empty; the 50 rows and the sum share one zeros buffer (4,000 bytes).
    expect(buffers() - before).toBe(1);
    let s = state;
    for (let b = 0; b < 5; b++) {
      const g = { w: tf.fill([1000], b + 1) };
      const [u, next] = opt.update(g, s, params, { batchIndex: b });
      treeDispose([g, u, s]);
      s = next;
    }
    // Five rows written, the running sum, and the zeros the other 45 rows still share.
    expect(buffers() - before).toBe(7);
    expect(s.seen.filter(Boolean).length).toBe(5);
    expect(Array.from((s.sum as { w: tf.Tensor }).w.dataSync().slice(0, 2))).toEqual([15, 15]);
    treeDispose([s, params]);
  });

  it('leaks nothing, with an adam base', () => {
    const opt = sag(adam({ learningRate: 0.01 }), { batches: P.batches, batchIndex: 'cyclic' });
    const batches = Array.from({ length: P.batches }, (_, b) => P.batch(b));
    let params: Tree = P.params(START);
    let state = opt.init(params);
    let t = 0;
    expectNoLeak(() => {
      for (let k = 0; k < 4; k++, t++) {
        const { loss, grads } = makeGradFn(lsLoss, batches[t % P.batches])(params);
        const [u, next] = opt.update(grads, state, params);
        const p2 = applyUpdates(params, u);
        treeDispose([loss, grads, u, params, state]);
        params = p2;
        state = next;
      }
    });
    treeDispose([params, state, batches]);
  });

  it('a checkpoint resumes the same trajectory (table, seen flags and sum restored)', () => {
    const make = () => new Trainer<LsBatch>({ transform: sag({ learningRate: 0.2, batches: P.batches, batchIndex: order }), loss: lsLoss, params: P.params(START) });
    const batches = Array.from({ length: P.batches }, (_, b) => P.batch(b));
    const a = make();
    for (let t = 0; t < 12; t++) a.step(batches[order(t)]);
    const b = make();
    for (let t = 0; t < 5; t++) b.step(batches[order(t)]);
    const saved = JSON.parse(JSON.stringify(b.save()));
    b.dispose();
    const c = make();
    c.restore(saved);
    expect((c.state as SagState).seen).toEqual((Array.from({ length: P.batches }, (_, k) => [0, 1, 2, 3, 4].some((t) => order(t) === k))));
    for (let t = 5; t < 12; t++) c.step(batches[order(t)]);
    expect(P.read(c.params)).toEqual(P.read(a.params));
    // The raw encode/decode keeps every row.
    const round = restoreCheckpoint(saveCheckpoint({ params: c.params, state: c.state }), c.params);
    expect((round.state as SagState).table.length).toBe(P.batches);
    treeDispose([round.params, round.state]);
    [a, c].forEach((x) => x.dispose());
    treeDispose(batches);
  });

  it('gives identical results whatever the key order of params and updates', () => {
    const reversed = (t: Tree): Tree => Object.fromEntries(Object.entries(t as Record<string, tf.Tensor>).reverse());
    const go = (reverse: boolean) => {
      const opt = sag(adam({ learningRate: 0.05 }), { batches: P.batches });
      const batches = Array.from({ length: P.batches }, (_, b) => P.batch(b));
      let params: Tree = reverse ? reversed(P.params(START)) : P.params(START);
      let state = opt.init(params);
      const out: number[][] = [];
      for (let t = 0; t < 9; t++) {
        const { loss, grads } = makeGradFn(lsLoss, batches[order(t)])(params);
        // The table's rows were made from one key order; updates come in the other one half the time.
        const [u, next] = opt.update(reverse && t % 2 === 0 ? reversed(grads) : grads, state, params, { batchIndex: order(t) });
        const p2 = applyUpdates(params, u);
        out.push(P.read(p2));
        treeDispose([loss, grads, u, params, state]);
        params = reverse ? reversed(p2) : p2;
        state = next;
      }
      treeDispose([params, state, batches]);
      return out;
    };
    expect(go(true)).toEqual(go(false));
  });
});
