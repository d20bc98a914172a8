// saSam and saSgd given bad input: a BasinError that names the transform and the parameter or
// path, with params, state and gradients left alone and no leak; and the same answer in any key order.
import { tf, describeBadInputs, expectBasinError } from '@basin/testing';
import { adam, makeGradFn, step, treeDispose } from '@basin/core';
import type { GradFn, Transform, Tree } from '@basin/core';
import { saSam, saSgd } from './sa-sam';
import type { SaSamState } from './sa-sam';
import { adaptiveStep, checkAdaptiveStepOptions } from './adaptive-step';

type P = { w: tf.Tensor; b: tf.Tensor };
type Batch = { aw: tf.Tensor; ab: tf.Tensor; c: tf.Tensor };
// L(w, b) = 0.5 sum(aw w^2) + 0.5 sum(ab b^2) + sum(c w).
const loss = (params: Tree, batch: Batch): tf.Scalar =>
  tf.tidy(() => {
    const p = params as P;
    return tf.add(tf.mul(0.5, tf.add(tf.sum(tf.mul(batch.aw, tf.square(p.w))), tf.sum(tf.mul(batch.ab, tf.square(p.b))))), tf.sum(tf.mul(batch.c, p.w))) as tf.Scalar;
  });
const makeBatch = (): Batch => ({ aw: tf.tensor1d([1, 3, 0.5]), ab: tf.tensor1d([2]), c: tf.tensor1d([0.1, -0.2, 0.3]) });
const makeParams = (w = [1, -0.5, 2], b = [0.8]): P => ({ w: tf.tensor1d(w), b: tf.tensor1d(b) });

interface Ctx {
  opt: Transform<SaSamState>;
  params: P;
  state: SaSamState;
  grads: P;
  batch: Batch;
  gradFn: GradFn;
  owned: unknown;
}

/** A state after one step, so that the next update computes the adaptive step (count > 0). */
function context(make: () => Transform<SaSamState>): () => Ctx {
  return () => {
    const opt = make();
    const batch = makeBatch();
    const gradFn = makeGradFn(loss, batch);
    const p0 = makeParams();
    const s0 = opt.init(p0);
    const r = step(opt, loss, p0, s0, batch);
    treeDispose([p0, s0, r.loss]);
    const params = r.params as P;
    const state = r.state;
    const grads = makeParams([0.5, 1, -1], [2]);
    return { opt, params, state, grads, batch, gradFn, owned: [params, state, grads, batch] };
  };
}

const returning = (grads: () => unknown): GradFn => () => ({ loss: tf.scalar(1), grads: grads() }) as never;

function cases(name: 'saSam' | 'saSgd') {
  const n = name;
  const re = (s: string) => new RegExp(`^${n}: ${s}`);
  return [
    { name: 'updates missing a key', pattern: re('updates does not match params at <root>: missing \\{b\\}'), setup: (c: Ctx) => { const u = { w: tf.zeros([3]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
    { name: 'updates with an extra key', pattern: re('updates does not match params at <root>: unexpected \\{z\\}'), setup: (c: Ctx) => { const u = { ...makeParams(), z: tf.zeros([1]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
    { name: 'updates nested differently', pattern: re("updates does not match params at 'w': expected a tensor of shape \\[3\\], got a record"), setup: (c: Ctx) => { const u = { w: { inner: tf.zeros([3]) }, b: tf.zeros([1]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
    { name: 'updates of the wrong shape', pattern: re("updates does not match params at 'w': expected shape \\[3\\], got \\[1, 3\\]"), setup: (c: Ctx) => { const u = { w: tf.zeros([1, 3]), b: tf.zeros([1]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
    { name: 'an int32 leaf in updates', pattern: re("updates at 'b' has dtype int32; expected float32"), setup: (c: Ctx) => { const u = { w: tf.zeros([3]), b: tf.tensor1d([1], 'int32') }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
    { name: 'undefined state', pattern: re(`state is undefined; pass the state from ${n}'s init\\(params\\)`), setup: (c: Ctx) => ({ call: () => c.opt.update(c.grads, undefined as never, c.params, { gradFn: c.gradFn }) }) },
    { name: "adam's state (another transform)", pattern: re(`the state was made by adam, not by ${n}`), setup: (c: Ctx) => { const s = adam({ learningRate: 0.1 }).init(c.params); return { call: () => c.opt.update(c.grads, s as never, c.params, { gradFn: c.gradFn }), dispose: s }; } },
    { name: 'a state made for other params', pattern: re(`the state does not belong to this ${n}.*state\\.prevParams\\.w expected a float32 tensor of shape \\[3\\], got a float32 tensor of shape \\[4\\]`), setup: (c: Ctx) => { const other = makeParams([1, 2, 3, 4]); const s = c.opt.init(other); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }), dispose: [other, s] }; } },
    { name: 'a state whose prevParams miss a key', pattern: re('the state does not belong to this .*state\\.prevParams missing \\{b\\}'), setup: (c: Ctx) => ({ call: () => c.opt.update(c.grads, { ...c.state, prevParams: { w: (c.state.prevParams as P).w } }, c.params, { gradFn: c.gradFn }) }) },
    { name: 'a state with eta NaN', pattern: re('state\\.eta must be a finite number > 0, got number NaN'), setup: (c: Ctx) => ({ call: () => c.opt.update(c.grads, { ...c.state, eta: NaN }, c.params, { gradFn: c.gradFn }) }) },
    { name: 'a state with a negative theta', pattern: re('state\\.theta must be a number >= 0 \\(or Infinity\\), got number -1'), setup: (c: Ctx) => ({ call: () => c.opt.update(c.grads, { ...c.state, theta: -1 }, c.params, { gradFn: c.gradFn }) }) },
    { name: 'a state with count -1', pattern: re('state\\.count must be an integer >= 0, got number -1'), setup: (c: Ctx) => ({ call: () => c.opt.update(c.grads, { ...c.state, count: -1 }, c.params, { gradFn: c.gradFn }) }) },
    { name: 'a state with a disposed prevParams', pattern: re('state\\.prevParams\\.(b|w) is a disposed tensor'), setup: (c: Ctx) => { const s = c.opt.init(c.params); treeDispose(s); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }) }; } },
    { name: 'undefined params', pattern: re('update needs params'), setup: (c: Ctx) => ({ call: () => c.opt.update(c.grads, c.state, undefined, { gradFn: c.gradFn }) }) },
    { name: 'params missing a key', pattern: re('updates does not match params at <root>: unexpected \\{b\\}'), setup: (c: Ctx) => { const p = { w: tf.zeros([3]) }; return { call: () => c.opt.update(c.grads, c.state, p, { gradFn: c.gradFn }), dispose: p }; } },
    { name: 'an int32 leaf in params', pattern: re("params at 'w' has dtype int32"), setup: (c: Ctx) => { const p = { w: tf.tensor1d([1, 2, 3], 'int32'), b: tf.zeros([1]) }; return { call: () => c.opt.update(c.grads, c.state, p, { gradFn: c.gradFn }), dispose: p }; } },
    { name: 'init with undefined params', pattern: re('init needs the params tree, got undefined'), setup: (c: Ctx) => ({ call: () => c.opt.init(undefined as never) }) },
    { name: 'init with an int32 leaf', pattern: re("params at 'w' has dtype int32"), setup: (c: Ctx) => { const p = { w: tf.tensor1d([1], 'int32') }; return { call: () => c.opt.init(p), dispose: p }; } },
    { name: 'no extras', pattern: re('extras\\.gradFn is missing; .*step, Trainer or ModelTrainer from @basin/core'), setup: (c: Ctx) => ({ call: () => c.opt.update(c.grads, c.state, c.params) }) },
    { name: 'a gradFn that is not a function', pattern: re('extras\\.gradFn must be a function .*got a record with keys \\{\\}'), setup: (c: Ctx) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: {} as never }) }) },
    { name: 'a gradFn returning grads missing a key', pattern: re('gradients returned by extras\\.gradFn does not match params at <root>: missing \\{b\\}'), setup: (c: Ctx) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ w: tf.zeros([3]) })) }) }) },
    { name: 'a gradFn returning grads of the wrong shape', pattern: re("gradients returned by extras\\.gradFn does not match params at 'w': expected shape \\[3\\], got \\[2, 2\\]"), setup: (c: Ctx) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ w: tf.zeros([2, 2]), b: tf.zeros([1]) })) }) }) },
    { name: 'a gradFn returning int32 grads', pattern: re("gradients returned by extras\\.gradFn at 'b' have dtype int32"), setup: (c: Ctx) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ w: tf.zeros([3]), b: tf.tensor1d([1], 'int32') })) }) }) },
    { name: 'a gradFn returning NaN gradients', pattern: re('\\|\\|w_t - w_\\{t-1\\}\\|\\| = .* must be finite; the params, state\\.prevParams or the gradients at them contain NaN or Infinity'), setup: (c: Ctx) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ w: tf.fill([3], NaN), b: tf.zeros([1]) })) }) }) },
  ];
}

describeBadInputs<Ctx>('saSam: init and update', context(() => saSam({ initialLearningRate: 0.1 })), cases('saSam'));
describeBadInputs<Ctx>('saSgd: init and update', context(() => saSgd({ initialLearningRate: 0.1 })), cases('saSgd'));

describe('saSam / saSgd: factory arguments', () => {
  it.each([
    ['options undefined', () => saSam(undefined as never), /^saSam: options must be a record with initialLearningRate, e\.g\. saSam\(\{ initialLearningRate: 0\.1 \}\); got undefined$/],
    ['options a number', () => saSgd(0.1 as never), /^saSgd: options must be a record with initialLearningRate.*got number 0\.1$/],
    ['initialLearningRate missing', () => saSam({} as never), /^saSam: initialLearningRate must be a finite number, got undefined$/],
    ['initialLearningRate NaN', () => saSgd({ initialLearningRate: NaN }), /^saSgd: initialLearningRate must be a finite number, got NaN$/],
    ['initialLearningRate 0', () => saSam({ initialLearningRate: 0 }), /^saSam: initialLearningRate must be a number > 0, got 0$/],
    ['curvatureFactor Infinity', () => saSam({ initialLearningRate: 0.1, curvatureFactor: Infinity }), /^saSam: curvatureFactor must be a finite number, got Infinity$/],
    ['growthRate negative', () => saSam({ initialLearningRate: 0.1, growthRate: -1 }), /^saSam: growthRate must be a number >= 0, got -1$/],
    ['initialTheta NaN', () => saSgd({ initialLearningRate: 0.1, initialTheta: NaN }), /^saSgd: initialTheta must be a finite number, got NaN$/],
    ['eps NaN', () => saSam({ initialLearningRate: 0.1, eps: NaN }), /^saSam: eps must be a finite number, got NaN$/],
    ['rhoScale negative', () => saSam({ initialLearningRate: 0.1, rhoScale: -1 }), /^saSam: rhoScale must be a number >= 0, got -1$/],
    ['normEps Infinity', () => saSam({ initialLearningRate: 0.1, normEps: Infinity }), /^saSam: normEps must be a finite number, got Infinity$/],
  ])('bad input: %s', (_, call, pattern) => {
    expectBasinError(call, pattern);
  });

  it.each([
    ['previous undefined', () => adaptiveStep(undefined as never, 1, 1, {}), /^adaptiveStep: previous must be \{ eta, theta \}, got undefined$/],
    ['previous.eta 0', () => adaptiveStep({ eta: 0, theta: 1 }, 1, 1, {}), /^adaptiveStep: previous\.eta must be a number > 0, got 0$/],
    ['paramDistance NaN', () => adaptiveStep({ eta: 0.1, theta: 1 }, NaN, 1, {}), /^adaptiveStep: \|\|w_t - w_\{t-1\}\|\| = NaN .* must be finite/],
    ['gradientDistance negative', () => adaptiveStep({ eta: 0.1, theta: 1 }, 1, -1, {}), /^adaptiveStep: gradientDistance must be a number >= 0, got number -1$/],
    ['options not a record', () => adaptiveStep({ eta: 0.1, theta: 1 }, 1, 1, 'paper' as never), /^adaptiveStep: options must be a record/],
    ['checkAdaptiveStepOptions with null', () => checkAdaptiveStepOptions('myOpt', null as never), /^myOpt: options must be a record/],
  ])('bad input: %s', (_, call, pattern) => {
    expectBasinError(call, pattern);
  });
});

describe('saSam / saSgd: key order', () => {
  it.each([
    ['saSam', () => saSam({ initialLearningRate: 0.1 })],
    ['saSgd', () => saSgd({ initialLearningRate: 0.1 })],
  ])('%s gives identical results whatever the key order of params, updates, state.prevParams and gradFn grads', (_, make) => {
    const batch = makeBatch();
    const reversed = (t: Tree): Tree => Object.fromEntries(Object.entries(t as Record<string, tf.Tensor>).reverse());
    const run = (reverseParams: boolean, reverseInit: boolean, reverseGradFn: boolean) => {
      const opt = make();
      const init = reverseInit ? reversed(makeParams()) : makeParams();
      let state = opt.init(init);
      treeDispose(init);
      let params: Tree = reverseParams ? reversed(makeParams()) : makeParams();
      const inner = makeGradFn(loss, batch);
      const gradFn: GradFn = (p) => {
        const r = inner(p);
        return { loss: r.loss, grads: reverseGradFn ? reversed(r.grads) : r.grads };
      };
      const out: number[][] = [];
      for (let k = 0; k < 4; k++) {
        const { loss: l, grads } = inner(params);
        const [u, next] = opt.update(reverseParams ? reversed(grads) : grads, state, params, { gradFn });
        const up = u as P;
        out.push([...up.w.dataSync(), ...up.b.dataSync(), next.eta, next.theta, next.rho]);
        const p2 = tf.tidy(() => ({ w: tf.add((params as P).w, up.w), b: tf.add((params as P).b, up.b) }));
        treeDispose([l, grads, u, params, state]);
        params = reverseParams ? reversed(p2) : p2;
        state = next;
      }
      treeDispose([params, state]);
      return out;
    };
    const canonical = run(false, false, false);
    expect(run(true, true, true)).toEqual(canonical);
    expect(run(true, false, false)).toEqual(canonical);
    expect(run(false, true, false)).toEqual(canonical);
    expect(run(false, false, true)).toEqual(canonical);
    treeDispose(batch);
  });
});

