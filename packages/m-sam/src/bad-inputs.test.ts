// mSam given bad input: a BasinError that names mSam and the parameter or path, with params,
// state and gradients left alone and no leak; and the same answer in any key order.
import { tf, describeBadInputs, expectBasinError } from '@basin/testing';
import { adam, makeGradFn, sgd, step, treeDispose } from '@basin/core';
import type { GradFn, Transform, Tree } from '@basin/core';
import { mSam } from './m-sam';
import type { MSamState } from './m-sam';
import { checkMicrobatchSpec, microbatchCount } from './microbatch-count';

type P = { w: tf.Tensor; b: tf.Tensor };
type Batch = { X: tf.Tensor; y: tf.Tensor };
// Least squares with a bias: L_S(w, b) = 0.5 mean_{r in S} (x_r . w + b - y_r)^2.
const loss = (params: Tree, batch: Batch): tf.Scalar =>
  tf.tidy(() => {
    const p = params as P;
    const pred = tf.add(tf.squeeze(tf.matMul(batch.X as tf.Tensor2D, tf.reshape(p.w, [-1, 1]) as tf.Tensor2D), [1]), p.b);
    return tf.mul(0.5, tf.mean(tf.square(tf.sub(pred, batch.y)))) as tf.Scalar;
  });
const N = 6;
const makeBatch = (): Batch => ({
  X: tf.tensor2d(Array.from({ length: N }, (_, i) => [Math.sin(i + 0.3), Math.cos(1.7 * i), Math.sin(0.4 * i + 1)])),
  y: tf.tensor1d(Array.from({ length: N }, (_, i) => Math.cos(0.9 * i))),
});
const makeParams = (w = [0.2, -0.4, 0.1], b = [0.05]): P => ({ w: tf.tensor1d(w), b: tf.tensor1d(b) });

interface Ctx {
  opt: Transform<MSamState>;
  params: P;
  state: MSamState;
  grads: P;
  batch: Batch;
  gradFn: GradFn;
  owned: unknown;
}

function context(make: () => Transform<MSamState> = () => mSam(adam({ learningRate: 0.1 }), { rho: 0.1, microbatches: 2 })): Ctx {
  const opt = make();
  const params = makeParams();
  const state = opt.init(params);
  const grads = makeParams([0.5, 1, -1], [2]);
  const batch = makeBatch();
  return { opt, params, state, grads, batch, gradFn: makeGradFn(loss, batch), owned: [params, state, grads, batch] };
}

const returning = (grads: () => unknown): GradFn => () => ({ loss: tf.scalar(1), grads: grads() }) as never;

describeBadInputs<Ctx>('mSam: init and update', context, [
  { name: 'updates missing a key', pattern: /^mSam: updates does not match params at <root>: missing \{b\}/, setup: (c) => { const u = { w: tf.zeros([3]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'updates with an extra key', pattern: /^mSam: updates does not match params at <root>: unexpected \{c\}/, setup: (c) => { const u = { ...makeParams(), c: tf.zeros([1]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'updates nested differently', pattern: /^mSam: updates does not match params at 'b': expected a tensor of shape \[1\], got an array/, setup: (c) => { const u = { w: tf.zeros([3]), b: [tf.zeros([1])] }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'updates of the wrong shape', pattern: /^mSam: updates does not match params at 'w': expected shape \[3\], got \[3, 1\]/, setup: (c) => { const u = { w: tf.zeros([3, 1]), b: tf.zeros([1]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'an int32 leaf in updates', pattern: /^mSam: updates at 'w' has dtype int32; expected float32/, setup: (c) => { const u = { w: tf.tensor1d([1, 2, 3], 'int32'), b: tf.zeros([1]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'undefined state', pattern: /^mSam: state is undefined; pass the state from mSam's init\(params\)/, setup: (c) => ({ call: () => c.opt.update(c.grads, undefined as never, c.params, { gradFn: c.gradFn }) }) },
  { name: "adam's state (another transform)", pattern: /^mSam: the state was made by adam, not by mSam/, setup: (c) => { const s = adam({ learningRate: 0.1 }).init(c.params); return { call: () => c.opt.update(c.grads, s as never, c.params, { gradFn: c.gradFn }), dispose: s }; } },
  { name: 'a state made for other params', pattern: /^mSam: the state does not belong to this mSam.*state\.base.*\.w expected a float32 tensor of shape \[3\], got a float32 tensor of shape \[2\]/, setup: (c) => { const other = makeParams([1, 2]); const s = c.opt.init(other); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }), dispose: [other, s] }; } },
  { name: 'a state whose count is not a step count', pattern: /^mSam: state\.count must be an integer >= 0, got number 0\.5/, setup: (c) => ({ call: () => c.opt.update(c.grads, { ...c.state, count: 0.5 }, c.params, { gradFn: c.gradFn }) }) },
  { name: 'a state with a disposed tensor', pattern: /^mSam: state\.base\[0\]\..* is a disposed tensor/, setup: (c) => { const s = c.opt.init(c.params); treeDispose(s); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }) }; } },
  { name: 'undefined params', pattern: /^mSam: update needs params/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, undefined, { gradFn: c.gradFn }) }) },
  { name: 'params of the wrong shape', pattern: /^mSam: updates does not match params at 'w': expected shape \[2\], got \[3\]/, setup: (c) => { const p = makeParams([1, 2]); return { call: () => c.opt.update(c.grads, c.state, p, { gradFn: c.gradFn }), dispose: p }; } },
  { name: 'an int32 leaf in params', pattern: /^mSam: params at 'b' has dtype int32/, setup: (c) => { const p = { w: tf.zeros([3]), b: tf.tensor1d([1], 'int32') }; return { call: () => c.opt.update(c.grads, c.state, p, { gradFn: c.gradFn }), dispose: p }; } },
  { name: 'init with undefined params', pattern: /^mSam: init needs the params tree, got undefined/, setup: (c) => ({ call: () => c.opt.init(undefined as never) }) },
  { name: 'init with an int32 leaf', pattern: /^mSam: params at 'w' has dtype int32/, setup: (c) => { const p = { w: tf.tensor1d([1, 2, 3], 'int32') }; return { call: () => c.opt.init(p), dispose: p }; } },
  { name: 'no extras', pattern: /^mSam: extras\.gradFn is missing; .*step, Trainer or ModelTrainer from @basin\/core/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params) }) },
  { name: 'a gradFn that is not a function', pattern: /^mSam: extras\.gradFn must be a function .*got string f/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: 'f' as never }) }) },
  { name: 'a gradFn returning grads of another structure', pattern: /^mSam: gradients returned by extras\.gradFn does not match params at <root>: missing \{b, w\}, unexpected \{v\}/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ v: tf.zeros([3]) })) }) }) },
  { name: 'a gradFn returning grads of the wrong shape', pattern: /^mSam: gradients returned by extras\.gradFn does not match params at 'b': expected shape \[1\], got \[3\]/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ w: tf.zeros([3]), b: tf.zeros([3]) })) }) }) },
  { name: 'a gradFn returning int32 grads', pattern: /^mSam: gradients returned by extras\.gradFn at 'w' have dtype int32/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ w: tf.tensor1d([1, 2, 3], 'int32'), b: tf.zeros([1]) })) }) }) },
  { name: 'a gradFn that fails on its second chunk', pattern: /^mSam: chunk 1 failed/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: (p, mb) => { if (mb?.index === 1) throw new RangeError('chunk 1 failed'); return c.gradFn(p, mb); } }) }) },
  { name: 'extras.batchSize NaN', pattern: /^mSam: extras\.batchSize must be a finite number, got NaN/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: c.gradFn, batchSize: NaN }) }) },
  { name: 'more microbatches than rows', pattern: /^mSam: microbatches is 2 but the batch has 1 rows \(extras\.batchSize\)/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: c.gradFn, batchSize: 1 }) }) },
]);

describeBadInputs<Ctx>('mSam: microbatchSize without a batch size', () => context(() => mSam(sgd({ learningRate: 0.1 }), { microbatchSize: 2 })), [
  { name: 'no batch size anywhere', pattern: /^mSam: microbatchSize needs the batch size; pass the batchSize option \(or extras\.batchSize\)/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: c.gradFn }) }) },
]);

describeBadInputs<Ctx>('mSam: rho schedule', () => context(() => mSam(sgd({ learningRate: 0.1 }), { microbatches: 2, rho: () => Infinity })), [
  { name: 'a rho schedule giving Infinity', pattern: /^mSam: rho \(schedule at step 0\) must be a finite number, got Infinity/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: c.gradFn }) }) },
]);

describe('mSam: factory arguments', () => {
  const base = sgd({ learningRate: 0.1 });
  it.each([
    ['base undefined', () => mSam(undefined as never, { microbatches: 2 }), /^mSam: base must be a Basin transform \(with init and update\), got undefined$/],
    ['base the factory adam itself', () => mSam(adam as never, { microbatches: 2 }), /^mSam: base must be a Basin transform .*got the function adam \(call it/],
    ['options undefined', () => (mSam as (b: unknown) => unknown)(base), /^mSam: options must be a record with microbatches or microbatchSize.*got undefined/],
    ['neither microbatches nor microbatchSize', () => mSam(base, {}), /^mSam: give exactly one of microbatches \(the number of chunks\) or microbatchSize/],
    ['both microbatches and microbatchSize', () => mSam(base, { microbatches: 2, microbatchSize: 3 }), /^mSam: give exactly one of microbatches/],
    ['microbatches NaN', () => mSam(base, { microbatches: NaN }), /^mSam: microbatches must be a finite number, got NaN$/],
    ['microbatches 1.5', () => mSam(base, { microbatches: 1.5 }), /^mSam: microbatches must be an integer >= 1, got 1\.5$/],
    ['microbatchSize 0', () => mSam(base, { microbatchSize: 0 }), /^mSam: microbatchSize must be an integer >= 1, got 0$/],
    ['batchSize Infinity', () => mSam(base, { microbatchSize: 2, batchSize: Infinity }), /^mSam: batchSize must be a finite number, got Infinity$/],
    ['rho NaN', () => mSam(base, { microbatches: 2, rho: NaN }), /^mSam: rho must be a finite number, got NaN$/],
    ['p Infinity is fine but p -Infinity is not', () => mSam(base, { microbatches: 2, p: -Infinity }), /^mSam: p must be a finite number, got -Infinity$/],
    ['eta negative', () => mSam(base, { microbatches: 2, eta: -1 }), /^mSam: eta must be a number >= 0, got -1$/],
  ])('bad input: %s', (_, call, pattern) => {
    expectBasinError(call, pattern);
  });

  it('bad input: checkMicrobatchSpec and microbatchCount called directly name their owner', () => {
    expectBasinError(() => checkMicrobatchSpec('myTransform', undefined as never), /^myTransform: options must be a record/);
    expectBasinError(() => microbatchCount('myTransform', { microbatchSize: 2 }, { batchSize: -3 }), /^myTransform: extras\.batchSize must be an integer >= 1, got -3$/);
  });
});

describe('mSam: key order', () => {
  it.each([
    ['2 chunks', { microbatches: 2 }],
    ['1 chunk, p = 3', { microbatches: 1, p: 3 }],
  ])('gives identical results whatever the key order of params, updates and gradFn grads (%s)', (_, options) => {
    const batch = makeBatch();
    const reversed = (t: Tree): Tree => Object.fromEntries(Object.entries(t as Record<string, tf.Tensor>).reverse());
    const run = (reverseParams: boolean, reverseGradFn: boolean) => {
      const opt = mSam(adam({ learningRate: 0.1 }), { rho: 0.1, ...options });
      let params: Tree = reverseParams ? reversed(makeParams()) : makeParams();
      let state = opt.init(makeParams());
      const inner = makeGradFn(loss, batch);
      const gradFn: GradFn = (p, mb) => {
        const r = inner(p, mb);
        return { loss: r.loss, grads: reverseGradFn ? reversed(r.grads) : r.grads };
      };
      const out: number[][] = [];
      for (let k = 0; k < 3; k++) {
        const { loss: l, grads } = inner(params);
        const [u, next] = opt.update(reverseParams ? reversed(grads) : grads, state, params, { gradFn, batchSize: N });
        const up = u as P;
        out.push([...up.w.dataSync(), ...up.b.dataSync()]);
        const p2 = tf.tidy(() => ({ w: tf.add((params as P).w, up.w), b: tf.add((params as P).b, up.b) }));
        treeDispose([l, grads, u, params, state]);
        params = reverseParams ? reversed(p2) : p2;
        state = next;
      }
      treeDispose([params, state]);
      return out;
    };
    const canonical = run(false, false);
    expect(run(true, true)).toEqual(canonical);
    expect(run(true, false)).toEqual(canonical);
    expect(run(false, true)).toEqual(canonical);
    const viaStep = (reverse: boolean) => {
      const opt = mSam(adam({ learningRate: 0.1 }), { rho: 0.1, ...options });
      const params = reverse ? reversed(makeParams()) : makeParams();
      const state = opt.init(params);
      const r = step(opt, loss, params, state, batch);
      const p = r.params as P;
      const values = [...p.w.dataSync(), ...p.b.dataSync()];
      treeDispose([params, state, r]);
      return values;
    };
    expect(viaStep(true)).toEqual(viaStep(false));
    treeDispose(batch);
  });
});
