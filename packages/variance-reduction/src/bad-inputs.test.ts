// svrg, sag, refreshSnapshot and the full-gradient helpers given bad input: a BasinError that
// names the function called and the parameter or path, with params, state and gradients left
// alone and nothing leaked.
import { tf } from '@basin/testing';
import { adam, makeGradFn, sgd, treeDispose } from '@basin/core';
import type { GradFn, Transform, Tree } from '@basin/core';
import { refreshSnapshot, svrg } from './svrg';
import type { SvrgState } from './svrg';
import { sag } from './sag';
import type { SagState } from './sag';
import { datasetGradient, modelDatasetGradient, modelGradient } from './full-gradient';
import { svrgVariance } from './variance';
import { describeBadInputs, expectBasinError, lsLoss } from '../test-helpers';
import type { LsBatch, LsParams } from '../test-helpers';

const makeParams = (w = [0.2, -0.4, 0.1], b = [0.05]): LsParams => ({ w: tf.tensor1d(w), b: tf.tensor1d(b) });
const makeBatch = (): LsBatch => ({
  x: tf.tensor2d(Array.from({ length: 6 }, (_, i) => [Math.sin(i + 0.3), Math.cos(1.7 * i), Math.sin(0.4 * i + 1)])),
  y: tf.tensor1d(Array.from({ length: 6 }, (_, i) => Math.cos(0.9 * i))),
});
const returning = (grads: () => unknown): GradFn => () => ({ loss: tf.scalar(1), grads: grads() }) as never;

interface SvrgCtx {
  opt: Transform<SvrgState>;
  params: LsParams;
  /** A state with a snapshot (so the next update calls gradFn). */
  state: SvrgState;
  fresh: SvrgState;
  grads: LsParams;
  batch: LsBatch;
  gradFn: GradFn;
  owned: unknown;
}

function svrgContext(make: () => Transform<SvrgState> = () => svrg(adam({ learningRate: 0.1 }))): SvrgCtx {
  const opt = make();
  const params = makeParams();
  const fresh = opt.init(params);
  const mu = makeParams([0.1, 0.1, 0.1], [0.1]);
  const state = refreshSnapshot(fresh, params, mu);
  treeDispose(mu);
  const grads = makeParams([0.5, 1, -1], [2]);
  const batch = makeBatch();
  return { opt, params, state, fresh, grads, batch, gradFn: makeGradFn(lsLoss, batch), owned: [params, state, fresh, grads, batch] };
}

describeBadInputs<SvrgCtx>('svrg: update', svrgContext, [
  { name: 'updates missing a key', pattern: /^svrg: updates does not match params at <root>: missing \{b\}/, setup: (c) => { const u = { w: tf.zeros([3]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'updates of the wrong shape', pattern: /^svrg: updates does not match params at 'w': expected shape \[3\], got \[3, 1\]/, setup: (c) => { const u = { w: tf.zeros([3, 1]), b: tf.zeros([1]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'an int32 leaf in updates', pattern: /^svrg: updates at 'w' has dtype int32; expected float32/, setup: (c) => { const u = { w: tf.tensor1d([1, 2, 3], 'int32'), b: tf.zeros([1]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'undefined state', pattern: /^svrg: state is undefined; pass the state from svrg's init\(params\)/, setup: (c) => ({ call: () => c.opt.update(c.grads, undefined as never, c.params, { gradFn: c.gradFn }) }) },
  { name: "adam's state (another transform)", pattern: /^svrg: the state was made by adam, not by svrg; pass the state from this svrg's init\(params\)$/, setup: (c) => { const s = adam({ learningRate: 0.1 }).init(c.params); return { call: () => c.opt.update(c.grads, s as never, c.params, { gradFn: c.gradFn }), dispose: s }; } },
  { name: 'a state made for other params', pattern: /^svrg: the state does not belong to this svrg.*state\.snapshotParams\.w expected a float32 tensor of shape \[3\], got a float32 tensor of shape \[2\]/, setup: (c) => { const other = makeParams([1, 2]); const s = c.opt.init(other); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }), dispose: [other, s] }; } },
  { name: 'a state whose count is not a step count', pattern: /^svrg: state\.count must be an integer >= 0, got number 0\.5/, setup: (c) => ({ call: () => c.opt.update(c.grads, { ...c.state, count: 0.5 }, c.params, { gradFn: c.gradFn }) }) },
  { name: 'a state whose sinceSnapshot is negative', pattern: /^svrg: state\.sinceSnapshot must be an integer >= 0, got number -1/, setup: (c) => ({ call: () => c.opt.update(c.grads, { ...c.state, sinceSnapshot: -1 }, c.params, { gradFn: c.gradFn }) }) },
  { name: 'a state with a disposed tensor', pattern: /^svrg: state\.snapshotGradient\.w is a disposed tensor; pass the state the last update returned/, setup: (c) => { const mu = makeParams(); const s = refreshSnapshot(c.fresh, c.params, mu); (s.snapshotGradient as LsParams).w.dispose(); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }), dispose: [mu, s] }; } },
  { name: 'undefined params', pattern: /^svrg: update needs params/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, undefined, { gradFn: c.gradFn }) }) },
  { name: 'params of the wrong shape', pattern: /^svrg: updates does not match params at 'w': expected shape \[2\], got \[3\]/, setup: (c) => { const p = makeParams([1, 2]); return { call: () => c.opt.update(c.grads, c.state, p, { gradFn: c.gradFn }), dispose: p }; } },
  { name: 'no extras', pattern: /^svrg: extras\.gradFn is missing; svrg needs the gradient at the snapshot on the current batch\. Train with step, Trainer or ModelTrainer/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params) }) },
  { name: 'extras a function', pattern: /^svrg: extras must be a record such as \{ gradFn \}, got a function/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, c.gradFn as never) }) },
  { name: 'a gradFn that is not a function', pattern: /^svrg: extras\.gradFn must be a function .*got string f/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: 'f' as never }) }) },
  { name: 'a gradFn returning grads of another structure', pattern: /^svrg: gradients returned by extras\.gradFn does not match params at <root>: missing \{b, w\}, unexpected \{v\}/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ v: tf.zeros([3]) })) }) }) },
  { name: 'a gradFn returning grads of the wrong shape', pattern: /^svrg: gradients returned by extras\.gradFn does not match params at 'b': expected shape \[1\], got \[3\]/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ w: tf.zeros([3]), b: tf.zeros([3]) })) }) }) },
  { name: 'a gradFn returning int32 grads', pattern: /^svrg: gradients returned by extras\.gradFn at 'w' has dtype int32/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ w: tf.tensor1d([1, 2, 3], 'int32'), b: tf.zeros([1]) })) }) }) },
  { name: 'a gradFn returning nothing', pattern: /^svrg: extras\.gradFn must return \{ loss, grads \}, got undefined/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: (() => undefined) as never }) }) },
  { name: 'a gradFn that throws', pattern: /^svrg: out of memory at the snapshot$/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: () => { throw new RangeError('out of memory at the snapshot'); } }) }) },
  { name: 'no snapshot and no fullGradient', pattern: /^svrg: no snapshot yet; give svrg the full gradient, svrg\(base, \{ fullGradient: datasetGradient\(loss, data\), snapshotEvery: 100 \}\), or call state = refreshSnapshot\(state, params, fullGradientAtParams\)/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.fresh, c.params, { gradFn: c.gradFn }) }) },
]);

describeBadInputs<SvrgCtx>('svrg: the fullGradient callback', () => svrgContext(() => svrg(sgd({ learningRate: 0.1 }), { fullGradient: () => ({ w: tf.zeros([2]), b: tf.zeros([1]) }), snapshotEvery: 3 })), [
  { name: 'a full gradient of the wrong shape (the returned tensors are disposed)', pattern: /^svrg: fullGradient\(params\) does not match params at 'w': expected shape \[3\], got \[2\]/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.fresh, c.params, { gradFn: c.gradFn }) }) },
]);

describeBadInputs<SvrgCtx>('svrg: a fullGradient returning nothing', () => svrgContext(() => svrg(sgd({ learningRate: 0.1 }), { fullGradient: (() => undefined) as never, snapshotEvery: 3 })), [
  { name: 'undefined', pattern: /^svrg: fullGradient\(params\) is undefined; expected a tree of float32 tensors shaped like the params/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.fresh, c.params, { gradFn: c.gradFn }) }) },
]);

describeBadInputs<SvrgCtx>('svrg: a fullGradient returning int32', () => svrgContext(() => svrg(sgd({ learningRate: 0.1 }), { fullGradient: () => ({ w: tf.tensor1d([1, 2, 3], 'int32'), b: tf.zeros([1]) }), snapshotEvery: 3 })), [
  { name: 'int32 leaves', pattern: /^svrg: fullGradient\(params\) at 'w' has dtype int32; expected float32/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.fresh, c.params, { gradFn: c.gradFn }) }) },
]);

describeBadInputs<SvrgCtx>('svrg: a fullGradient that throws', () => svrgContext(() => svrg(sgd({ learningRate: 0.1 }), { fullGradient: () => { throw new TypeError('data loader closed'); }, snapshotEvery: 3 })), [
  { name: 'a TypeError', pattern: /^svrg: data loader closed$/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.fresh, c.params, { gradFn: c.gradFn }) }) },
]);

describe('svrg: factory arguments', () => {
  const base = sgd({ learningRate: 0.1 });
  const fullGradient = (p: Tree) => p;
  it.each([
    ['base undefined', () => svrg(undefined as never), /^svrg: base must be a Basin transform \(with init and update\) or an options record with learningRate such as \{ learningRate: 0\.05, fullGradient, snapshotEvery: 100 \}, got undefined$/],
    ['base the factory adam itself', () => svrg(adam as never), /^svrg: base must be a Basin transform .*got the function adam \(call it/],
    ['a number', () => svrg(0.1 as never), /^svrg: base must be a Basin transform .*got number 0\.1$/],
    ['options without learningRate and no base', () => svrg({ fullGradient, snapshotEvery: 2 } as never), /^svrg: give a base transform, svrg\(sgd\(\{ learningRate: 0\.1 \}\), \.\.\.\), or the learning rate of plain SGD/],
    ['learningRate NaN', () => svrg({ learningRate: NaN }), /^svrg: learningRate must be a finite number, got NaN$/],
    ['learningRate with a base', () => svrg(base, { learningRate: 0.1 } as never), /^svrg: learningRate is an option of the one-argument form svrg\(\{ learningRate: 0\.05, fullGradient, snapshotEvery: 100 \}\); with a base transform, set the learning rate on the base$/],
    ['options a number', () => svrg(base, 5 as never), /^svrg: options must be a record such as \{ fullGradient: datasetGradient\(loss, data\), snapshotEvery: 100 \}, got number 5$/],
    ['fullGradient without snapshotEvery', () => svrg(base, { fullGradient }), /^svrg: fullGradient needs snapshotEvery, the steps between snapshots/],
    ['snapshotEvery without fullGradient', () => svrg(base, { snapshotEvery: 10 }), /^svrg: snapshotEvery needs fullGradient, a function \(params\) => full gradient tree/],
    ['snapshotEvery 0', () => svrg(base, { fullGradient, snapshotEvery: 0 }), /^svrg: snapshotEvery must be an integer >= 1, got 0$/],
    ['snapshotEvery 1.5', () => svrg(base, { fullGradient, snapshotEvery: 1.5 }), /^svrg: snapshotEvery must be an integer >= 1, got 1\.5$/],
    ['snapshotEvery Infinity', () => svrg(base, { fullGradient, snapshotEvery: Infinity }), /^svrg: snapshotEvery must be a finite number, got Infinity$/],
    ['fullGradient a tree, not a function', () => svrg(base, { fullGradient: { w: [1] } as never, snapshotEvery: 2 }), /^svrg: fullGradient must be a function, got/],
    ['a misspelt option', () => svrg(base, { fullGradient, snapshotevery: 2 } as never), /^svrg: fullGradient needs snapshotEvery/],
    ['an unknown option', () => svrg(base, { fullGradient, snapshotEvery: 2, every: 3 } as never), /^svrg: unknown option every; svrg takes fullGradient and snapshotEvery/],
  ])('bad input: %s', (_, call, pattern) => {
    expectBasinError(call, pattern);
  });
});

interface RefreshCtx {
  state: SvrgState;
  params: LsParams;
  mu: LsParams;
  owned: unknown;
}

describeBadInputs<RefreshCtx>('refreshSnapshot', () => {
  const state = svrg(sgd({ learningRate: 0.1 })).init(makeParams());
  const params = makeParams();
  const mu = makeParams([1, 1, 1], [1]);
  return { state, params, mu, owned: [state, params, mu] };
}, [
  { name: 'state undefined', pattern: /^refreshSnapshot: state must be an svrg state \(from svrg's init or update\), got undefined/, setup: (c) => ({ call: () => refreshSnapshot(undefined as never, c.params, c.mu) }) },
  { name: "adam's state", pattern: /^refreshSnapshot: state must be an svrg state \(from svrg's init or update\), got an array of length 2$/, setup: (c) => { const s = adam({ learningRate: 0.1 }).init(c.params); return { call: () => refreshSnapshot(s as never, c.params, c.mu), dispose: s }; } },
  { name: 'a state with a bad counter', pattern: /^refreshSnapshot: state\.snapshots must be an integer >= 0, got string 1/, setup: (c) => ({ call: () => refreshSnapshot({ ...c.state, snapshots: '1' as never }, c.params, c.mu) }) },
  { name: 'params undefined', pattern: /^refreshSnapshot: params must be a tree of float32 tensors, got undefined/, setup: (c) => ({ call: () => refreshSnapshot(c.state, undefined as never, c.mu) }) },
  { name: 'params of the wrong shape', pattern: /^refreshSnapshot: params does not match snapshot params of the state at 'w': expected shape \[3\], got \[2\]/, setup: (c) => { const p = makeParams([1, 2]); return { call: () => refreshSnapshot(c.state, p, c.mu), dispose: p }; } },
  { name: 'fullGradient missing a leaf', pattern: /^refreshSnapshot: fullGradient does not match snapshot params of the state at <root>: missing \{b\}/, setup: (c) => { const g = { w: tf.zeros([3]) }; return { call: () => refreshSnapshot(c.state, c.params, g as never), dispose: g }; } },
  { name: 'fullGradient int32', pattern: /^refreshSnapshot: fullGradient at 'b' has dtype int32; expected float32/, setup: (c) => { const g = { w: tf.zeros([3]), b: tf.tensor1d([1], 'int32') }; return { call: () => refreshSnapshot(c.state, c.params, g), dispose: g }; } },
  { name: 'fullGradient disposed', pattern: /^refreshSnapshot: fullGradient at 'w' is a disposed tensor/, setup: (c) => { const g = makeParams(); g.w.dispose(); return { call: () => refreshSnapshot(c.state, c.params, g), dispose: g }; } },
]);

interface SagCtx {
  opt: Transform<SagState>;
  params: LsParams;
  state: SagState;
  grads: LsParams;
  owned: unknown;
}

function sagContext(make: () => Transform<SagState> = () => sag(adam({ learningRate: 0.1 }), { batches: 6 })): SagCtx {
  const opt = make();
  const params = makeParams();
  const state = opt.init(params);
  const grads = makeParams([0.5, 1, -1], [2]);
  return { opt, params, state, grads, owned: [params, state, grads] };
}

describeBadInputs<SagCtx>('sag: update', sagContext, [
  { name: 'no batch index', pattern: /^sag: which batch is this step\? pass extras\.batchIndex \(an integer in \[0, 6\)\) to update, or build sag with the batchIndex option/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params) }) },
  { name: 'extras.batchIndex out of range', pattern: /^sag: extras\.batchIndex must be an integer in \[0, 6\) \(batches is 6\), got number 6$/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { batchIndex: 6 }) }) },
  { name: 'extras.batchIndex a string', pattern: /^sag: extras\.batchIndex must be an integer in \[0, 6\) \(batches is 6\), got string 2$/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { batchIndex: '2' }) }) },
  { name: 'updates missing a key', pattern: /^sag: updates does not match params at <root>: missing \{b\}/, setup: (c) => { const u = { w: tf.zeros([3]) }; return { call: () => c.opt.update(u, c.state, c.params, { batchIndex: 0 }), dispose: u }; } },
  { name: 'undefined state', pattern: /^sag: state is undefined; pass the state from sag's init\(params\)/, setup: (c) => ({ call: () => c.opt.update(c.grads, undefined as never, c.params, { batchIndex: 0 }) }) },
  { name: "adam's state", pattern: /^sag: the state was made by adam, not by sag; pass the state from this sag's init\(params\)$/, setup: (c) => { const s = adam({ learningRate: 0.1 }).init(c.params); return { call: () => c.opt.update(c.grads, s as never, c.params, { batchIndex: 0 }), dispose: s }; } },
  { name: 'a state for another number of batches', pattern: /^sag: the state does not belong to this sag and these updates: at state\.table expected an array of length 6, got an array of length 3/, setup: (c) => { const s = sag(adam({ learningRate: 0.1 }), { batches: 3 }).init(c.params); return { call: () => c.opt.update(c.grads, s as never, c.params, { batchIndex: 0 }), dispose: s }; } },
  { name: 'a state whose seen flags are numbers', pattern: /^sag: the state does not belong to this sag .*state\.seen\[0\] expected a boolean, got a number/, setup: (c) => ({ call: () => c.opt.update(c.grads, { ...c.state, seen: [0, 0, 0, 0, 0, 0] as never }, c.params, { batchIndex: 0 }) }) },
  { name: 'a state with a disposed row', pattern: /^sag: state\.table\[2\]\.w is a disposed tensor/, setup: (c) => { const s = sag(adam({ learningRate: 0.1 }), { batches: 6 }).init(c.params); (s.table[2] as LsParams).w.dispose(); return { call: () => c.opt.update(c.grads, s, c.params, { batchIndex: 0 }), dispose: s }; } },
  { name: 'a negative count', pattern: /^sag: state\.count must be an integer >= 0, got number -2/, setup: (c) => ({ call: () => c.opt.update(c.grads, { ...c.state, count: -2 }, c.params, { batchIndex: 0 }) }) },
]);

describeBadInputs<SagCtx>('sag: a batchIndex function', () => sagContext(() => sag({ learningRate: 0.1, batches: 6, batchIndex: (t) => t + 0.5 })), [
  { name: 'returning 0.5', pattern: /^sag: batchIndex\(0\) must be an integer in \[0, 6\) \(batches is 6\), got number 0\.5$/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params) }) },
]);

describeBadInputs<SagCtx>('sag: a batchIndex function that throws', () => sagContext(() => sag({ learningRate: 0.1, batches: 6, batchIndex: () => { throw new Error('sampler exhausted'); } })), [
  { name: 'an Error', pattern: /^sag: sampler exhausted$/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params) }) },
]);

describe('sag: factory arguments', () => {
  const base = sgd({ learningRate: 0.1 });
  it.each([
    ['base undefined', () => sag(undefined as never, { batches: 2 }), /^sag: base must be a Basin transform \(with init and update\) or an options record with learningRate such as \{ learningRate: 0\.05, batches: 50, batchIndex: 'cyclic' \}, got undefined$/],
    ['options undefined with a base', () => (sag as (b: unknown) => unknown)(base), /^sag: options must be a record such as \{ batches: 50, batchIndex: 'cyclic' \}, got undefined$/],
    ['batches missing', () => sag(base, {} as never), /^sag: batches is required: the number of fixed batches \(rows of the gradient table\)/],
    ['batches 0', () => sag(base, { batches: 0 }), /^sag: batches must be an integer >= 1, got 0$/],
    ['batches 2.5', () => sag(base, { batches: 2.5 }), /^sag: batches must be an integer >= 1, got 2\.5$/],
    ['batchIndex random', () => sag(base, { batches: 2, batchIndex: 'random' as never }), /^sag: batchIndex must be 'cyclic' or a function \(step\) => batch index, got string random$/],
    ['normalize mean', () => sag(base, { batches: 2, normalize: 'mean' as never }), /^sag: normalize must be 'seen' or 'all', got string mean$/],
    ['an unknown option', () => sag(base, { batches: 2, slots: 3 } as never), /^sag: unknown option slots; sag takes batches, batchIndex and normalize/],
    ['learningRate a string', () => sag({ learningRate: '0.1' as never, batches: 2 }), /^sag: learningRate must be a finite number, got "0\.1"$/],
  ])('bad input: %s', (_, call, pattern) => {
    expectBasinError(call, pattern);
  });
});

describe('datasetGradient, modelGradient, modelDatasetGradient and svrgVariance: bad input', () => {
  const dense = () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 1 })] });
  it.each([
    ['datasetGradient: lossFn not a function', () => { const b = makeBatch(); return { call: () => datasetGradient('mse' as never, b), dispose: b }; }, /^datasetGradient: lossFn must be a function, got "mse"$/],
    ['datasetGradient: data undefined', () => ({ call: () => datasetGradient(lsLoss, undefined as never) }), /^datasetGradient: data must be a batch tree of tensors/],
    ['datasetGradient: rows that differ', () => { const b = { x: tf.zeros([4, 3]), y: tf.zeros([5]) }; return { call: () => datasetGradient(lsLoss, b), dispose: b }; }, /^datasetGradient: batch leaves must share their first dimension: 'x' has 4 rows, 'y' has shape \[5\]/],
    ['datasetGradient: batchSize 0', () => { const b = makeBatch(); return { call: () => datasetGradient(lsLoss, b, { batchSize: 0 }), dispose: b }; }, /^datasetGradient: batchSize must be an integer >= 1, got 0$/],
    ['datasetGradient: options a number', () => { const b = makeBatch(); return { call: () => datasetGradient(lsLoss, b, 32 as never), dispose: b }; }, /^datasetGradient: options must be a record such as \{ batchSize: 256 \}, got number 32$/],
    ['modelDatasetGradient: not a model', () => { const b = makeBatch(); return { call: () => modelDatasetGradient({} as never, b.x, b.y, { loss: 'meanSquaredError' }), dispose: b }; }, /^modelDatasetGradient: model must be a tf\.LayersModel \(it has no trainableWeights\)$/],
    ['modelDatasetGradient: rows that differ', () => { const m = dense(); const x = tf.zeros([4, 3]); const y = tf.zeros([5, 1]); return { call: () => modelDatasetGradient(m, x, y, { loss: 'meanSquaredError' }), dispose: [x, y], model: m }; }, /^modelDatasetGradient: x and y must have the same number of rows, got shapes \[4, 3\] and \[5, 1\]$/],
    ['modelDatasetGradient: batchSize -1', () => { const m = dense(); const b = makeBatch(); return { call: () => modelDatasetGradient(m, b.x, b.y, { loss: 'meanSquaredError', batchSize: -1 }), dispose: b, model: m }; }, /^modelDatasetGradient: batchSize must be an integer >= 1, got -1$/],
    ['modelGradient: no loss', () => { const m = dense(); return { call: () => modelGradient(m, {} as never), model: m }; }, /^modelGradient: options\.loss is required/],
    ['modelGradient: an unknown loss name', () => { const m = dense(); return { call: () => modelGradient(m, { loss: 'mse' as never }), model: m }; }, /^modelGradient: loss must be a function or one of meanSquaredError, .*got 'mse'$/],
    ['svrgVariance: options undefined', () => ({ call: () => svrgVariance(undefined as never) }), /^svrgVariance: options must be a record \{ gradientAt, batches, params, snapshotParams \}, got undefined$/],
    ['svrgVariance: batches 0', () => { const p = makeParams(); return { call: () => svrgVariance({ gradientAt: () => ({}), batches: 0, params: p, snapshotParams: p }), dispose: p }; }, /^svrgVariance: batches must be an integer >= 1, got 0$/],
    ['svrgVariance: gradientAt missing', () => { const p = makeParams(); return { call: () => svrgVariance({ batches: 2, params: p, snapshotParams: p } as never), dispose: p }; }, /^svrgVariance: gradientAt must be a function, got "undefined"$/],
  ] as [string, () => { call: () => unknown; dispose?: unknown; model?: tf.LayersModel }, RegExp][])('%s', (_, setup, pattern) => {
    const { call, dispose, model } = setup();
    expectBasinError(call, pattern);
    treeDispose(dispose);
    model?.dispose();
  });

  it('the returned functions check their input and leak nothing', () => {
    const batch = makeBatch();
    const params = makeParams();
    const full = datasetGradient(lsLoss, batch, { batchSize: 4 });
    expectBasinError(() => full(undefined as never), /^datasetGradient: params must be a tree of tensors, got undefined$/);
    const scalarless = datasetGradient((p: Tree) => tf.mul((p as LsParams).w, 1) as never, batch, { batchSize: 4 });
    expectBasinError(() => scalarless(params), /^datasetGradient: loss function must return a scalar tensor, got a tensor of shape \[3\]$/);
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 1 })] });
    const y = tf.reshape(batch.y, [-1, 1]);
    const modelFull = modelDatasetGradient(model, batch.x, y, { loss: 'meanSquaredError', batchSize: 4 });
    const stranger = { other: tf.zeros([1]) };
    expectBasinError(() => modelFull(stranger as never), /^modelDatasetGradient: params has no tensor for weight '.*kernel'$/);
    const at = modelGradient(model, { loss: 'meanSquaredError' });
    const own = Object.fromEntries(model.trainableWeights.map((w) => [w.name, w.read()]));
    const y5 = tf.zeros([5, 1]);
    expectBasinError(() => at(own, batch.x, y5), /^modelGradient: x has 6 rows but y has 5$/);
    const wrongShape = (() => ({ w: tf.zeros([2]), b: tf.zeros([1]) })) as never;
    expectBasinError(() => svrgVariance({ gradientAt: wrongShape, batches: 2, params, snapshotParams: params }), /^svrgVariance: gradientAt\(params, 0\) does not match params at 'w': expected shape \[3\], got \[2\]$/);
    let calls = 0;
    const failsSecond = () => {
      if (calls++ === 1) throw new Error('batch 0 at the snapshot failed');
      return makeParams();
    };
    expectBasinError(() => svrgVariance({ gradientAt: failsSecond, batches: 2, params, snapshotParams: params }), /^svrgVariance: batch 0 at the snapshot failed$/);
    const other = makeParams([1, 2]);
    expectBasinError(() => svrgVariance({ gradientAt: () => makeParams(), batches: 2, params, snapshotParams: other }), /^svrgVariance: snapshotParams does not match params at 'w': expected shape \[3\], got \[2\]$/);
    treeDispose([batch, params, y, other, stranger, y5]);
    model.dispose();
  });
});
