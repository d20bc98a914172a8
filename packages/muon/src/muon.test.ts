import { tf, expectClose, expectNoLeak } from '@basin/testing';
import {
  BasinError,
  adamw,
  chain,
  ModelTrainer,
  scaleByLearningRate,
  step,
  Trainer,
  treeDispose,
  type LayersModelLike,
  type Tree,
} from '@basin/core';
import { muon } from './muon';
import { muonLabels } from './muon-labels';
import { scaleByMuon } from './scale-by-muon';

type Params = Record<string, tf.Tensor>;

const makeParams = (): Params => ({
  'dense.kernel': tf.randomNormal([6, 4], 0, 0.3, 'float32', 1),
  'dense.bias': tf.zeros([4]),
  'conv.kernel': tf.randomNormal([3, 3, 2, 4], 0, 0.3, 'float32', 2),
  'norm.gamma': tf.ones([4]),
  embedding: tf.randomNormal([10, 6], 0, 0.3, 'float32', 3),
  'head.kernel': tf.randomNormal([4, 3], 0, 0.3, 'float32', 4),
});

const gradsLike = (p: Params, seed: number): Params =>
  Object.fromEntries(Object.entries(p).map(([k, v], i) => [k, tf.randomNormal(v.shape, 0, 1, 'float32', seed * 10 + i)]));

describe('muon', () => {
  it('equals scaleByMuon + learning rate on matrices and AdamW on the rest (two spellings)', () => {
    const params = makeParams();
    const opt = muon({ learningRate: 0.02, adamLearningRate: 3e-3, exclude: ['embedding'] });
    const muonOnly = chain(scaleByMuon(), scaleByLearningRate(0.02));
    const adamOnly = adamw({ learningRate: 3e-3, weightDecay: 0, nesterov: true });
    const muonKeys = ['dense.kernel', 'conv.kernel', 'head.kernel'];
    const adamKeys = ['dense.bias', 'norm.gamma', 'embedding'];
    const pick = (t: Params, keys: string[]): Params => Object.fromEntries(keys.map((k) => [k, t[k]]));
    let s = opt.init(params);
    let sm = muonOnly.init(pick(params, muonKeys));
    let sa = adamOnly.init(pick(params, adamKeys));
    for (let k = 0; k < 3; k++) {
      const g = gradsLike(params, k);
      const [u, s1] = opt.update(g, s, params);
      const [um, sm1] = muonOnly.update(pick(g, muonKeys), sm, pick(params, muonKeys));
      const [ua, sa1] = adamOnly.update(pick(g, adamKeys), sa, pick(params, adamKeys));
      const ours = u as Params;
      for (const key of muonKeys) expectClose(ours[key].dataSync(), (um as Params)[key].dataSync(), 1e-6);
      for (const key of adamKeys) expectClose(ours[key].dataSync(), (ua as Params)[key].dataSync(), 1e-6);
      treeDispose([g, u, um, ua, s, sm, sa]);
      [s, sm, sa] = [s1, sm1, sa1];
    }
    treeDispose([params, s, sm, sa]);
  });

  it('applies decoupled weight decay on both branches (zero gradients: update = -lr * wd * w)', () => {
    // NS(0) = 0 and Adam's 0 / (0 + eps) = 0, so only the decay term is left.
    const params = { w: tf.tensor2d([[1, -2], [3, 4]]), b: tf.tensor1d([0.5, -1]) };
    const opt = muon({ learningRate: 0.1, weightDecay: 0.5, adamLearningRate: 0.01, adamWeightDecay: 2 });
    const state = opt.init(params);
    const zeros = { w: tf.zeros([2, 2]), b: tf.zeros([2]) };
    const [u, s] = opt.update(zeros, state, params);
    const out = u as Params;
    expectClose(out.w.dataSync(), [1, -2, 3, 4].map((v) => -0.1 * 0.5 * v), 1e-6);
    expectClose(out.b.dataSync(), [0.5, -1].map((v) => -0.01 * 2 * v), 1e-6);
    treeDispose([params, state, zeros, u, s]);
  });

  it('gives the AdamW branch its own learning rate (first Adam step is -lr * sign(g))', () => {
    const params = { w: tf.zeros([2, 3]), b: tf.zeros([3]) };
    const opt = muon({ learningRate: 0.05, adamLearningRate: 1e-3, adamNesterov: false });
    const state = opt.init(params);
    const g = { w: tf.ones([2, 3]), b: tf.tensor1d([2, -3, 0.5]) };
    const [u, s] = opt.update(g, state, params);
    expectClose((u as Params).b.dataSync(), [-1e-3, 1e-3, -1e-3], 1e-5);
    // A rank-one all-ones gradient orthogonalises to about its unit-norm direction times p^5(1).
    const w = (u as Params).w.dataSync();
    expect(new Set(Array.from(w, (v) => v.toFixed(6))).size).toBe(1);
    expect(w[0]).toBeLessThan(0);
    treeDispose([params, state, g, u, s]);
  });

  it('accepts user labels that override the shape rule, and names a vector labelled muon', () => {
    const params = { w: tf.zeros([3, 2]), b: tf.zeros([2]) };
    const g = { w: tf.ones([3, 2]), b: tf.ones([2]) };
    const allAdam = muon({ learningRate: 0.1, labels: { w: 'adam', b: 'adam' }, adamNesterov: false });
    const st = allAdam.init(params);
    const [u, s] = allAdam.update(g, st, params);
    expectClose((u as Params).w.dataSync(), new Array(6).fill(-0.1), 1e-5);
    treeDispose([st, u, s]);
    const bad = muon({ learningRate: 0.1, labels: () => ({ w: 'muon', b: 'muon' }) });
    expect(() => bad.init(params)).toThrow(BasinError);
    expect(() => bad.init(params)).toThrow(/'b' has shape \[2\]/);
    expect(() => muon({ learningRate: 0.1, labels: { w: 'sgd', b: 'adam' } as never }).init(params)).toThrow(/'sgd' have no transform/);
    treeDispose([params, g]);
  });

  it('rejects invalid options at construction', () => {
    expect(() => muon({} as never)).toThrow(/muon: learningRate/);
    expect(() => muon({ learningRate: NaN })).toThrow(/learningRate/);
    expect(() => muon({ learningRate: 0.1, weightDecay: -1 })).toThrow(/weightDecay/);
    expect(() => muon({ learningRate: 0.1, adamLearningRate: 'fast' as never })).toThrow(/adamLearningRate/);
    expect(() => muon({ learningRate: 0.1, adamWeightDecay: -1 })).toThrow(/adamWeightDecay/);
    expect(() => muon({ learningRate: 0.1, adamLr: 1e-3 } as never)).toThrow(/unknown option 'adamLr'/);
    expect(() => muon({ learningRate: 0.1, exclude: [3] as never })).toThrow(/exclude/);
    expect(() => muon({ learningRate: 0.1, beta: 2 })).toThrow(/beta/);
  });

  it('reduces a least-squares loss 100-fold in 150 steps', () => {
    const X = tf.randomNormal([32, 8], 0, 1, 'float32', 5);
    const wTrue = tf.randomNormal([8, 4], 0, 1, 'float32', 6);
    const Y = tf.matMul(X, wTrue);
    const loss = (p: Tree, batch: { X: tf.Tensor; Y: tf.Tensor }): tf.Scalar =>
      tf.tidy(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(batch.X as tf.Tensor2D, (p as Params).w as tf.Tensor2D), (p as Params).b), batch.Y))));
    const params = { w: tf.zeros([8, 4]), b: tf.zeros([4]) };
    const trainer = new Trainer({ transform: muon({ learningRate: 0.1, adamLearningRate: 0.05 }), loss, params });
    const batch = { X, Y };
    const first = trainer.step(batch);
    let last = first;
    for (let i = 0; i < 150; i++) last = trainer.step(batch);
    expect(last).toBeLessThan(first / 100);
    trainer.dispose();
    treeDispose([X, wTrue, Y, params]);
  });

  it('trains a tf.LayersModel with conv and dense layers through ModelTrainer', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 1], filters: 4, kernelSize: 3, activation: 'relu', seed: 1 } as never),
        tf.layers.flatten(),
        tf.layers.dense({ units: 2, activation: 'softmax' }),
      ],
    });
    const labels = muonLabels(Object.fromEntries(model.trainableWeights.map((w) => [w.name, w.read()])));
    expect(Object.values(labels as Record<string, string>).sort()).toEqual(['adam', 'adam', 'muon', 'muon']);
    const xs = tf.randomNormal([16, 6, 6, 1], 0, 1, 'float32', 3);
    const ys = tf.oneHot(tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 2), 'int32'), 2);
    // tfjs-layers' LayerVariable.read() is typed as Tensor where core's LayersModelLike says Variable.
    const trainer = new ModelTrainer(model as unknown as LayersModelLike, { transform: muon({ learningRate: 0.02, adamLearningRate: 3e-3 }), loss: 'categoricalCrossentropy' });
    const losses = await trainer.fit(xs, ys, { epochs: 15, batchSize: 16, shuffle: false });
    expect(losses[losses.length - 1]).toBeLessThan(0.8 * losses[0]);
    treeDispose([xs, ys, trainer.state]);
    model.dispose();
  });

  it('leaks no tensors per training step', () => {
    const opt = muon({ learningRate: 0.01, weightDecay: 0.1, adamWeightDecay: 0.1, exclude: ['embedding'] });
    let p: Tree = makeParams();
    let s = opt.init(p);
    const loss = (q: Tree): tf.Scalar => tf.tidy(() => tf.addN(Object.values(q as Params).map((x) => tf.sum(tf.square(x)))) as tf.Scalar);
    expectNoLeak(() => {
      const r = step(opt, loss, p, s, {});
      treeDispose([p, s]);
      r.loss.dispose();
      p = r.params;
      s = r.state;
    });
    treeDispose([p, s]);
  });
});
