import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { BasinError, treeDispose, type Tree } from '@basin/core';
import { scaleByMuon, type MuonState, type ScaleByMuonOptions } from './scale-by-muon';
import { QUINTIC_COEFFICIENTS } from './newton-schulz';
import { add, randomMatrix, referenceNewtonSchulz, scale, type Mat } from '../test-helpers';

const five = Array.from({ length: 5 }, () => QUINTIC_COEFFICIENTS);

/** optax's scale_by_muon written out in float64 for one matrix over several gradients. */
function referenceMuon(grads: Mat[], { beta = 0.95, nesterov = true, biasCorrection = true } = {}): Mat[] {
  const c = (k: number): number => (biasCorrection ? 1 - beta ** k : 1);
  let mu = scale(grads[0], 0);
  return grads.map((g, i) => {
    const t = i + 1;
    mu = add(scale(mu, beta), scale(g, 1 - beta));
    const m = nesterov ? add(scale(mu, beta / c(t + 1)), scale(g, (1 - beta) / c(t))) : scale(mu, 1 / c(t));
    const o = referenceNewtonSchulz(m, five);
    return scale(o, Math.sqrt(Math.max(1, g[0].length / g.length)));
  });
}

/** Runs the transform over a list of gradient trees and returns the updates' values. */
function runUpdates(options: ScaleByMuonOptions, params: Tree, grads: Tree[]): Float32Array[][] {
  const t = scaleByMuon(options);
  let state = t.init(params);
  const outs: Float32Array[][] = [];
  for (const g of grads) {
    const [u, s] = t.update(g, state, params);
    treeDispose(state);
    state = s;
    outs.push(Object.values(u as Record<string, tf.Tensor>).map((x) => x.dataSync() as Float32Array));
    treeDispose(u);
  }
  treeDispose(state);
  return outs;
}

describe('scaleByMuon', () => {
  it.each([
    ['Nesterov with bias correction (optax)', { nesterov: true, biasCorrection: true }],
    ['plain momentum with bias correction', { nesterov: false, biasCorrection: true }],
    ["Nesterov without bias correction (Jordan's reference)", { nesterov: true, biasCorrection: false }],
  ])('matches the float64 formula: %s', (_, flags) => {
    for (const [rows, cols] of [[5, 3], [3, 7]]) {
      const grads = [1, 2, 3].map((s) => randomMatrix(rows, cols, 100 * rows + s));
      const params = { w: tf.zeros([rows, cols]) };
      const ours = runUpdates(flags, params, grads.map((g) => ({ w: tf.tensor2d(g) })));
      const ref = referenceMuon(grads, flags);
      ours.forEach((u, k) => expectClose(u[0], ref[k].flat(), 1e-4));
      tf.dispose(params.w);
    }
  });

  it('treats a conv kernel [kh, kw, in, out] as the matrix [kh*kw*in, out]', () => {
    const grads = [7, 8].map((s) => tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', s));
    const kernel = runUpdates({}, { k: tf.zeros([3, 3, 2, 4]) }, grads.map((g) => ({ k: g })));
    const matrix = runUpdates({}, { m: tf.zeros([18, 4]) }, grads.map((g) => ({ m: tf.reshape(g, [18, 4]) })));
    kernel.forEach((u, k) => expectClose(u[0], matrix[k][0], 1e-6));
    const ref = referenceMuon(grads.map((g) => {
      const v = Array.from(g.dataSync());
      return Array.from({ length: 18 }, (_, i) => v.slice(4 * i, 4 * i + 4));
    }));
    kernel.forEach((u, k) => expectClose(u[0], ref[k].flat(), 1e-4));
    tf.dispose(grads);
  });

  it("scales by sqrt(max(1, out/in)) by default and by 0.2 sqrt(max(in, out)) with 'rms'", () => {
    for (const [rows, cols] of [[4, 16], [16, 4]]) {
      const g = { w: tf.randomNormal([rows, cols], 0, 1, 'float32', rows) };
      const p = { w: tf.zeros([rows, cols]) };
      const [none] = runUpdates({ scale: 'none' }, p, [g]);
      const [shape] = runUpdates({}, p, [g]);
      const [rms] = runUpdates({ scale: 'rms' }, p, [g]);
      const [rms3] = runUpdates({ scale: 'rms', rmsFactor: 0.3 }, p, [g]);
      expectClose(shape[0], Array.from(none[0], (v) => v * Math.sqrt(Math.max(1, cols / rows))), 1e-6);
      expectClose(rms[0], Array.from(none[0], (v) => v * 0.2 * Math.sqrt(16)), 1e-6);
      expectClose(rms3[0], Array.from(none[0], (v) => v * 0.3 * Math.sqrt(16)), 1e-6);
      tf.dispose([g.w, p.w]);
    }
  });

  it('scales by <M, O> when adaptive (first step: M = g)', () => {
    const g = randomMatrix(4, 6, 3);
    const p = { w: tf.zeros([4, 6]) };
    // First step, Nesterov off, bias corrected: M = g exactly.
    const [[u]] = runUpdates({ adaptive: true, nesterov: false, scale: 'none' }, p, [{ w: tf.tensor2d(g) }]);
    const o = referenceNewtonSchulz(g, five);
    const dual = g.flat().reduce((s, v, i) => s + v * o.flat()[i], 0);
    expectClose(u, o.flat().map((v) => v * dual), 1e-4);
    tf.dispose(p.w);
  });

  it('keeps a state of count and momentum and works on nested trees', () => {
    const t = scaleByMuon();
    const params = { a: { w: tf.zeros([2, 3]) }, b: [tf.zeros([3, 2])] };
    const state = t.init(params);
    expect(state.count).toBe(0);
    const g = { a: { w: tf.ones([2, 3]) }, b: [tf.ones([3, 2])] };
    const [u, s] = t.update(g, state, params);
    expect(s.count).toBe(1);
    expectClose(((s.mu as { a: { w: tf.Tensor } }).a.w).dataSync(), new Array(6).fill(0.05), 1e-6);
    expect(((u as { b: tf.Tensor[] }).b[0]).shape).toEqual([3, 2]);
    treeDispose([params, state, g, u, s]);
  });

  it('names the leaf and its shape for vectors, scalars and empty tensors, and leaves nothing behind', () => {
    const t = scaleByMuon();
    expect(() => t.init({ w: tf.zeros([3, 2]), bias: tf.zeros([2]) })).toThrow(BasinError);
    expect(() => t.init({ w: tf.zeros([3, 2]), bias: tf.zeros([2]) })).toThrow(/'bias' has shape \[2\].*AdamW/);
    expect(() => t.init({ s: tf.scalar(1) })).toThrow(/'s' has shape \[\]/);
    expect(() => t.init({ e: tf.zeros([0, 3]) })).toThrow(/no entries/);
    const params = { w: tf.zeros([3, 2]) };
    const state = t.init(params);
    const before = tf.memory().numTensors;
    const wrong = { w: tf.zeros([2, 3]) };
    expect(() => t.update(wrong, state, params)).toThrow(/updates at 'w' have shape \[2, 3\]; the state was made for shape \[3, 2\]/);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(state.count).toBe(0);
    treeDispose([params, state, wrong]);
  });

  it('validates its options at construction', () => {
    expect(() => scaleByMuon({ beta: 1 })).toThrow(/scaleByMuon: beta/);
    expect(() => scaleByMuon({ beta: -0.1 })).toThrow(/beta/);
    expect(() => scaleByMuon({ scale: 'spectral' as never })).toThrow(/scale must be/);
    expect(() => scaleByMuon({ rmsFactor: 0 })).toThrow(/rmsFactor/);
    expect(() => scaleByMuon({ steps: -2 })).toThrow(/steps/);
    expect(() => scaleByMuon({ coefficients: [[1, 2, 3], [1, 2]] as never })).toThrow(/coefficients/);
  });

  it('leaks no tensors per step', () => {
    const t = scaleByMuon({ adaptive: true, scale: 'rms' });
    const params = { w: tf.zeros([4, 5]), k: tf.zeros([2, 2, 3, 4]) };
    let state: MuonState = t.init(params);
    const g = { w: tf.randomNormal([4, 5]), k: tf.randomNormal([2, 2, 3, 4]) };
    expectNoLeak(() => {
      const [u, s] = t.update(g, state, params);
      treeDispose([u, state]);
      state = s;
    });
    treeDispose([params, state, g]);
  });
});
