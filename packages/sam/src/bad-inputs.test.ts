// Every public entry point of @basin/sam, given bad input: a BasinError that names what was
// called and the parameter or path, with params, state and gradients left alone and no leak.
import { tf } from '@basin/testing';
import { adam, chain, isBasinError, makeGradFn, normalizeByGlobalNorm, sgd, step, treeDispose } from '@basin/core';
import type { GradFn, Transform, Tree } from '@basin/core';
import { sam, perturbed } from './sam';
import type { SamState } from './sam';
import { ascentPerturbation } from './perturbation';
import { ascentSharpness } from './ascent-sharpness';
import { lookSam } from './look-sam';
import { gsam } from './gsam';
import { describeBadInputs, expectBasinError } from '../test-helpers';

type P = { w: tf.Tensor; b: tf.Tensor };
type Batch = { aw: tf.Tensor; ab: tf.Tensor };
const quadratic = (params: Tree, batch: Batch): tf.Scalar => {
  const p = params as P;
  return tf.tidy(() => tf.mul(0.5, tf.add(tf.sum(tf.mul(batch.aw, tf.square(p.w))), tf.sum(tf.mul(batch.ab, tf.square(p.b))))) as tf.Scalar);
};
const makeParams = (w = [1, -0.5, 2], b = [0.3]): P => ({ w: tf.tensor1d(w), b: tf.tensor1d(b) });
const makeBatch = (): Batch => ({ aw: tf.tensor1d([1, 4, 0.5]), ab: tf.tensor1d([2]) });

interface Ctx {
  opt: Transform<SamState>;
  params: P;
  state: SamState;
  grads: P;
  batch: Batch;
  gradFn: GradFn;
  owned: unknown;
}

function context(make: () => Transform<SamState> = () => sam(adam({ learningRate: 0.1 }), { rho: 0.1 })): Ctx {
  const opt = make();
  const params = makeParams();
  const state = opt.init(params);
  const grads = makeParams([0.5, 1, -1], [2]);
  const batch = makeBatch();
  return { opt, params, state, grads, batch, gradFn: makeGradFn(quadratic, batch), owned: [params, state, grads, batch] };
}

/** A gradFn that returns `grads` (made per call, owned by the caller as the contract says). */
const returning = (grads: () => unknown, loss: () => unknown = () => tf.scalar(1)): GradFn => () => ({ loss: loss(), grads: grads() }) as never;

describeBadInputs<Ctx>('sam: init and update', context, [
  // The updates (gradients) tree.
  { name: 'updates missing a key', pattern: /^sam: updates does not match params at <root>: missing \{b\}/, setup: (c) => { const u = { w: tf.zeros([3]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'updates with an extra key', pattern: /^sam: updates does not match params at <root>: unexpected \{c\}/, setup: (c) => { const u = { ...makeParams(), c: tf.zeros([1]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'updates nested differently', pattern: /^sam: updates does not match params at 'w': expected a tensor of shape \[3\], got a record/, setup: (c) => { const u = { w: { x: tf.zeros([3]) }, b: tf.zeros([1]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'updates of the wrong shape', pattern: /^sam: updates does not match params at 'w': expected shape \[3\], got \[2\]/, setup: (c) => { const u = makeParams([1, 2]); return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'an int32 leaf in updates', pattern: /^sam: updates at 'w' has dtype int32; expected float32/, setup: (c) => { const u = { w: tf.tensor1d([1, 2, 3], 'int32'), b: tf.zeros([1]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'a number leaf in updates', pattern: /^sam: updates at 'b' is number 1; expected a tensor/, setup: (c) => { const u = { w: tf.zeros([3]), b: 1 } as never; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'a disposed leaf in updates', pattern: /^sam: updates at 'w' is a disposed tensor/, setup: (c) => { const u = makeParams(); u.w.dispose(); return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
  { name: 'undefined updates', pattern: /^sam: update needs the updates \(gradients\) tree, got undefined/, setup: (c) => ({ call: () => c.opt.update(undefined as never, c.state, c.params, { gradFn: c.gradFn }) }) },
  // The state.
  { name: 'undefined state', pattern: /^sam: state is undefined; pass the state from sam's init\(params\)/, setup: (c) => ({ call: () => c.opt.update(c.grads, undefined as never, c.params, { gradFn: c.gradFn }) }) },
  { name: "adam's state (another transform)", pattern: /^sam: the state was made by adam, not by sam; pass the state from this sam's init\(params\)$/, setup: (c) => { const s = adam({ learningRate: 0.1 }).init(c.params); return { call: () => c.opt.update(c.grads, s as never, c.params, { gradFn: c.gradFn }), dispose: s }; } },
  { name: 'the base state alone (made by adam)', pattern: /^sam: the state was made by adam, not by sam/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state.base as never, c.params, { gradFn: c.gradFn }) }) },
  { name: 'a hand-made state without base', pattern: /^sam: the state does not belong to this sam and these updates: .*\{count, base\}/, setup: (c) => ({ call: () => c.opt.update(c.grads, { count: 0 } as never, c.params, { gradFn: c.gradFn }) }) },
  { name: 'a state made for other params', pattern: /^sam: the state does not belong to this sam.*state\.base.*\.w expected a float32 tensor of shape \[3\], got a float32 tensor of shape \[2\]/, setup: (c) => { const other = makeParams([1, 2]); const s = c.opt.init(other); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }), dispose: [other, s] }; } },
  { name: 'a state whose count is not a step count', pattern: /^sam: state\.count must be an integer >= 0, got number -1/, setup: (c) => ({ call: () => c.opt.update(c.grads, { ...c.state, count: -1 }, c.params, { gradFn: c.gradFn }) }) },
  { name: 'a state with a disposed tensor', pattern: /^sam: state\.base\[0\]\..* is a disposed tensor/, setup: (c) => { const s = c.opt.init(c.params); treeDispose(s); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }) }; } },
  // The params.
  { name: 'undefined params', pattern: /^sam: update needs params \(call update\(updates, state, params\)\)/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, undefined, { gradFn: c.gradFn }) }) },
  { name: 'params missing a key', pattern: /^sam: updates does not match params at <root>: unexpected \{b\}/, setup: (c) => { const p = { w: tf.zeros([3]) }; return { call: () => c.opt.update(c.grads, c.state, p, { gradFn: c.gradFn }), dispose: p }; } },
  { name: 'params of the wrong shape', pattern: /^sam: updates does not match params at 'b': expected shape \[2\], got \[1\]/, setup: (c) => { const p = makeParams([1, 2, 3], [1, 2]); return { call: () => c.opt.update(c.grads, c.state, p, { gradFn: c.gradFn }), dispose: p }; } },
  { name: 'an int32 leaf in params', pattern: /^sam: params at 'b' has dtype int32/, setup: (c) => { const p = { w: tf.zeros([3]), b: tf.tensor1d([1], 'int32') }; return { call: () => c.opt.update(c.grads, c.state, p, { gradFn: c.gradFn }), dispose: p }; } },
  { name: 'init with undefined params', pattern: /^sam: init needs the params tree, got undefined/, setup: (c) => ({ call: () => c.opt.init(undefined as never) }) },
  { name: 'init with an int32 leaf', pattern: /^sam: params at 'w' has dtype int32/, setup: (c) => { const p = { w: tf.tensor1d([1, 2, 3], 'int32') }; return { call: () => c.opt.init(p), dispose: p }; } },
  { name: 'init with a string leaf', pattern: /^sam: params at 'w' is string x; expected a tensor/, setup: (c) => ({ call: () => c.opt.init({ w: 'x' } as never) }) },
  // extras.gradFn.
  { name: 'no extras', pattern: /^sam: extras\.gradFn is missing; .*step, Trainer or ModelTrainer from @basin\/core .*makeGradFn\(loss, batch\)/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params) }) },
  { name: 'the gradFn passed as extras itself', pattern: /^sam: extras must be a record such as \{ gradFn \}, got a function/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, c.gradFn as never) }) },
  { name: 'extras without gradFn', pattern: /^sam: extras\.gradFn is missing/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, {}) }) },
  { name: 'a gradFn that is not a function', pattern: /^sam: extras\.gradFn must be a function .*got number 3/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: 3 as never }) }) },
  { name: 'a gradFn returning grads missing a key', pattern: /^sam: gradients returned by extras\.gradFn does not match params at <root>: missing \{b\}/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ w: tf.zeros([3]) })) }) }) },
  { name: 'a gradFn returning grads with an extra key', pattern: /^sam: gradients returned by extras\.gradFn does not match params at <root>: unexpected \{c\}/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ ...makeParams(), c: tf.zeros([1]) })) }) }) },
  { name: 'a gradFn returning grads of the wrong shape', pattern: /^sam: gradients returned by extras\.gradFn does not match params at 'w': expected shape \[3\], got \[2\]/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => makeParams([1, 2])) }) }) },
  { name: 'a gradFn returning int32 grads', pattern: /^sam: gradients returned by extras\.gradFn at 'b' have dtype int32; expected float32/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => ({ w: tf.zeros([3]), b: tf.tensor1d([1], 'int32') })) }) }) },
  { name: 'a gradFn returning nothing', pattern: /^sam: extras\.gradFn must return \{ loss, grads \}, got undefined/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: (() => undefined) as never }) }) },
  { name: 'a gradFn that throws a TypeError', pattern: /^sam: boom/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: () => { throw new TypeError('boom'); } }) }) },
]);

describeBadInputs<Ctx>('sam: hyperparameters resolved at update', () => context(() => sam(sgd({ learningRate: 0.1, momentum: 0.9 }), { rho: () => NaN })), [
  { name: 'a rho schedule giving NaN', pattern: /^sam: rho \(schedule at step 0\) must be a finite number, got NaN/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: c.gradFn }) }) },
]);
describeBadInputs<Ctx>('sam: negative rho from a schedule', () => context(() => sam(sgd({ learningRate: 0.1 }), { rho: () => -0.1 })), [
  { name: 'a rho schedule giving a negative radius', pattern: /^sam: rho \(schedule at step 0\) must be a number >= 0, got -0\.1/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: c.gradFn }) }) },
]);

describe('sam: factory arguments', () => {
  const base = sgd({ learningRate: 0.1 });
  it.each([
    ['base undefined', () => sam(undefined as never), /^sam: base must be a Basin transform \(with init and update\), got undefined$/],
    ['base the factory sgd itself', () => sam(sgd as never), /^sam: base must be a Basin transform \(with init and update\), got the function sgd \(call it to make a transform, e\.g\. sgd\(\{ learningRate: 0\.1 \}\)\)$/],
    ['base without update', () => sam({ init: () => ({}) } as never), /^sam: base must be a Basin transform .*got a record with keys \{init\}/],
    ['options a function', () => sam(base, (() => 0.05) as never), /^sam: options must be a record such as \{ rho: 0\.05 \}, got a function$/],
    ['options not a record', () => sam(base, 0.05 as never), /^sam: options must be a record such as \{ rho: 0\.05 \}, got number 0\.05/],
    ['rho NaN', () => sam(base, { rho: NaN }), /^sam: rho must be a finite number, got NaN$/],
    ['rho Infinity', () => sam(base, { rho: Infinity }), /^sam: rho must be a finite number, got Infinity$/],
    ['rho negative', () => sam(base, { rho: -1 }), /^sam: rho must be a number >= 0, got -1$/],
    ['p below 1', () => sam(base, { p: 0.5 }), /^sam: p must be a number >= 1, got 0\.5$/],
    ['p NaN', () => sam(base, { p: NaN }), /^sam: p must be a finite number, got NaN$/],
    ['eta Infinity', () => sam(base, { eta: Infinity }), /^sam: eta must be a finite number, got Infinity$/],
    ['eps negative', () => sam(base, { eps: -1 }), /^sam: eps must be a number >= 0, got -1$/],
    ['normalize not a boolean', () => sam(base, { normalize: 'yes' as never }), /^sam: normalize must be a boolean, got string yes$/],
    ['adaptive not a boolean', () => sam(base, { adaptive: 1 as never }), /^sam: adaptive must be a boolean, got number 1$/],
  ])('bad input: %s', (_, call, pattern) => {
    expectBasinError(call, pattern);
  });
});

describe('ascentSharpness, perturbed, ascentPerturbation: bad input', () => {
  interface HCtx { params: P; grads: P; batch: Batch; gradFn: GradFn; owned: unknown }
  const make = (): HCtx => {
    const params = makeParams();
    const grads = makeParams([0.5, 1, -1], [2]);
    const batch = makeBatch();
    return { params, grads, batch, gradFn: makeGradFn(quadratic, batch), owned: [params, grads, batch] };
  };
  describeBadInputs<HCtx>('ascentSharpness', make, [
    { name: 'gradFn undefined', pattern: /^ascentSharpness: gradFn must be a function .*makeGradFn\(loss, batch\); got undefined/, setup: (c) => ({ call: () => ascentSharpness(undefined as never, c.params) }) },
    { name: 'params undefined', pattern: /^ascentSharpness: params must be a tree of float32 tensors, got undefined/, setup: (c) => ({ call: () => ascentSharpness(c.gradFn, undefined as never) }) },
    { name: 'an int32 leaf in params', pattern: /^ascentSharpness: params at 'w' has dtype int32/, setup: (c) => { const p = { w: tf.tensor1d([1, 2, 3], 'int32'), b: tf.zeros([1]) }; return { call: () => ascentSharpness(c.gradFn, p), dispose: p }; } },
    { name: 'a gradFn returning grads missing a key', pattern: /^ascentSharpness: gradients returned by extras\.gradFn does not match params at <root>: missing \{b\}/, setup: (c) => ({ call: () => ascentSharpness(returning(() => ({ w: tf.zeros([3]) })), c.params) }) },
    { name: 'a gradFn returning int32 grads', pattern: /^ascentSharpness: gradients returned by extras\.gradFn at 'w' have dtype int32/, setup: (c) => ({ call: () => ascentSharpness(returning(() => ({ w: tf.tensor1d([1, 2, 3], 'int32'), b: tf.zeros([1]) })), c.params) }) },
    { name: 'a gradFn returning a vector loss', pattern: /^ascentSharpness: extras\.gradFn returned a loss that is a tensor of shape \[2\]; expected a scalar tensor/, setup: (c) => ({ call: () => ascentSharpness(returning(() => makeParams(), () => tf.zeros([2])), c.params) }) },
    { name: 'a gradFn that throws', pattern: /^ascentSharpness: no batch/, setup: (c) => ({ call: () => ascentSharpness(() => { throw new Error('no batch'); }, c.params) }) },
    { name: 'rho NaN', pattern: /^ascentSharpness: rho must be a finite number, got NaN/, setup: (c) => ({ call: () => ascentSharpness(c.gradFn, c.params, { rho: NaN }) }) },
    { name: 'rho a schedule', pattern: /^ascentSharpness: rho must be a finite number, got a function/, setup: (c) => ({ call: () => ascentSharpness(c.gradFn, c.params, { rho: (() => 1) as never }) }) },
    { name: 'options not a record', pattern: /^ascentSharpness: options must be a record/, setup: (c) => ({ call: () => ascentSharpness(c.gradFn, c.params, 'fast' as never) }) },
  ]);
  describeBadInputs<HCtx>('perturbed', make, [
    { name: 'grads missing a key', pattern: /^perturbed: grads does not match params at <root>: missing \{b\}/, setup: (c) => { const g = { w: tf.zeros([3]) }; return { call: () => perturbed(g, c.params, { rho: 0.1 }), dispose: g }; } },
    { name: 'grads of the wrong shape', pattern: /^perturbed: grads does not match params at 'w': expected shape \[3\], got \[2\]/, setup: (c) => { const g = makeParams([1, 2]); return { call: () => perturbed(g, c.params, { rho: 0.1 }), dispose: g }; } },
    { name: 'an int32 leaf in grads', pattern: /^perturbed: grads at 'b' has dtype int32/, setup: (c) => { const g = { w: tf.zeros([3]), b: tf.tensor1d([1], 'int32') }; return { call: () => perturbed(g, c.params, { rho: 0.1 }), dispose: g }; } },
    { name: 'params undefined', pattern: /^perturbed: params must be a tree of float32 tensors, got undefined/, setup: (c) => ({ call: () => perturbed(c.grads, undefined as never, { rho: 0.1 }) }) },
    { name: 'rho NaN', pattern: /^perturbed: rho must be a finite number, got NaN/, setup: (c) => ({ call: () => perturbed(c.grads, c.params, { rho: NaN }) }) },
  ]);
  describeBadInputs<HCtx>('ascentPerturbation', make, [
    { name: 'adaptive without params', pattern: /^ascentPerturbation: adaptive \(ASAM\) needs params, got undefined/, setup: (c) => ({ call: () => ascentPerturbation(c.grads, { rho: 0.1, adaptive: true }) }) },
    { name: 'params of another structure', pattern: /^ascentPerturbation: grads does not match params at <root>: missing \{c\}/, setup: (c) => { const p = { ...makeParams(), c: tf.zeros([1]) }; return { call: () => ascentPerturbation(c.grads, { rho: 0.1 }, p), dispose: p }; } },
    { name: 'grads undefined', pattern: /^ascentPerturbation: grads must be a tree of float32 tensors, got undefined/, setup: () => ({ call: () => ascentPerturbation(undefined as never, { rho: 0.1 }) }) },
    { name: 'p NaN', pattern: /^ascentPerturbation: p must be a finite number, got NaN/, setup: (c) => ({ call: () => ascentPerturbation(c.grads, { rho: 0.1, p: NaN }) }) },
  ]);
});

describe('sam: errors through core training helpers', () => {
  it('step() with int32 params reports a BasinError, not a TF.js error', () => {
    const opt = sam(sgd({ learningRate: 0.1 }));
    const params = makeParams();
    const state = opt.init(params);
    const batch = makeBatch();
    const bad = { w: tf.tensor1d([1, 2, 3], 'int32'), b: tf.tensor1d([1], 'int32') };
    const before = tf.memory().numTensors;
    let error: unknown;
    try {
      step(opt, quadratic, bad, state, batch);
    } catch (e) {
      error = e;
    }
    expect(isBasinError(error)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    treeDispose([params, state, batch, bad]);
  });
});

// ---------------------------------------------------------------------------------------------
// sam's adversary option.

const advSam = () => sam(adam({ learningRate: 0.1 }), { adversary: chain(normalizeByGlobalNorm(), sgd({ learningRate: 0.1, momentum: 0.5 })), resetAdversaryState: false }) as Transform<SamState>;
/** A hand-written adversary that returns `out()` (fresh tensors each call, as the contract says). */
const adversaryReturning = (out: () => unknown): Transform<unknown> => ({ init: () => ({}), update: (_u, s) => [out() as Tree, s] });

describeBadInputs<Ctx>('sam with an adversary: update', () => context(advSam), [
  { name: 'a state of the default sam', pattern: /^sam: the state does not belong to this sam and these updates: .*\{count, base, adversary\}.*\(it was made by sam, for other params or with other options\)/, setup: (c) => { const s = sam(adam({ learningRate: 0.1 })).init(c.params); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }), dispose: s }; } },
  { name: 'a state whose adversary tensors were disposed', pattern: /^sam: state\.adversary.* is a disposed tensor/, setup: (c) => { const s = c.opt.init(c.params); treeDispose(s.adversary); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }), dispose: s }; } },
  { name: 'no extras', pattern: /^sam: extras\.gradFn is missing/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params) }) },
  { name: 'undefined params', pattern: /^sam: update needs params/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, undefined, { gradFn: c.gradFn }) }) },
  { name: 'a gradFn returning grads of the wrong shape', pattern: /^sam: gradients returned by extras\.gradFn does not match params at 'w': expected shape \[3\], got \[2\]/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => makeParams([1, 2])) }) }) },
]);

describeBadInputs<Ctx>('sam with an adversary returning the wrong tree', () => context(() => sam(adam({ learningRate: 0.1 }), { adversary: adversaryReturning(() => makeParams([1, 2])) }) as Transform<SamState>), [
  { name: 'adversary updates of the wrong shape', pattern: /^sam: the adversary's updates does not match params at 'w': expected shape \[3\], got \[2\]/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: c.gradFn }) }) },
]);
describeBadInputs<Ctx>('sam with an adversary returning int32', () => context(() => sam(adam({ learningRate: 0.1 }), { adversary: adversaryReturning(() => ({ w: tf.zeros([3], 'int32'), b: tf.zeros([1]) })) }) as Transform<SamState>), [
  { name: 'adversary updates of dtype int32', pattern: /^sam: the adversary's updates at 'w' has dtype int32; expected float32/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: c.gradFn }) }) },
]);
describeBadInputs<Ctx>('sam with an adversary returning nothing', () => context(() => sam(adam({ learningRate: 0.1 }), { adversary: adversaryReturning(() => undefined) }) as Transform<SamState>), [
  { name: 'adversary updates undefined', pattern: /^sam: the adversary returned updates undefined; expected a tree shaped like the params/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: c.gradFn }) }) },
]);

describe('sam: adversary arguments', () => {
  const base = sgd({ learningRate: 0.1 });
  const adversary = chain(normalizeByGlobalNorm(), sgd({ learningRate: 0.05 }));
  it.each([
    ['adversary the factory sgd', () => sam(base, { adversary: sgd as never }), /^sam: adversary must be a Basin transform \(with init and update\), e\.g\. chain\(normalizeByGlobalNorm\(\), sgd\(\{ learningRate: 0\.05 \}\)\); got the function sgd \(call it to make a transform\)$/],
    ['adversary a number', () => sam(base, { adversary: 3 as never }), /^sam: adversary must be a Basin transform .*got number 3$/],
    ['adversary null', () => sam(base, { adversary: null as never }), /^sam: adversary must be a Basin transform .*got null$/],
    ['adversary with rho', () => sam(base, { adversary, rho: 0.05 }), /^sam: adversary replaces the built-in ascent step, so rho cannot be given with it; put the radius in the adversary/],
    ['adversary with p and adaptive', () => sam(base, { adversary, p: 3, adaptive: true }), /^sam: adversary replaces the built-in ascent step, so p, adaptive cannot be given with it/],
    ['resetAdversaryState without adversary', () => sam(base, { resetAdversaryState: false }), /^sam: resetAdversaryState applies only with an adversary; leave it out or pass adversary$/],
    ['resetAdversaryState not a boolean', () => sam(base, { adversary, resetAdversaryState: 'no' as never }), /^sam: resetAdversaryState must be a boolean, got string no$/],
  ])('bad input: %s', (_, call, pattern) => {
    expectBasinError(call, pattern);
  });
});

// ---------------------------------------------------------------------------------------------
// lookSam and gsam.

for (const [owner, make, extra] of [
  ['lookSam', () => lookSam(adam({ learningRate: 0.1 }), { rho: 0.1, k: 2, alpha: 0.5 }), 'gv'],
  ['gsam', () => gsam(adam({ learningRate: 0.1 }), { rho: 0.1, alpha: 0.5 }), undefined],
] as const) {
  const keys = extra ? `count, base, ${extra}` : 'count, base';
  describeBadInputs<Ctx>(`${owner}: init and update`, () => context(make as () => Transform<SamState>), [
    { name: 'no extras', pattern: new RegExp(`^${owner}: extras\\.gradFn is missing; ${owner} needs the gradient at other params`), setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params) }) },
    { name: 'a gradFn that is not a function', pattern: new RegExp(`^${owner}: extras\\.gradFn must be a function .*got string x`), setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: 'x' as never }) }) },
    { name: 'undefined params', pattern: new RegExp(`^${owner}: update needs params`), setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, undefined, { gradFn: c.gradFn }) }) },
    { name: 'undefined state', pattern: new RegExp(`^${owner}: state is undefined; pass the state from ${owner}'s init\\(params\\)`), setup: (c) => ({ call: () => c.opt.update(c.grads, undefined as never, c.params, { gradFn: c.gradFn }) }) },
    { name: "sam's state", pattern: new RegExp(`^${owner}: the state was made by sam, not by ${owner}`), setup: (c) => { const s = sam(adam({ learningRate: 0.1 })).init(c.params); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }), dispose: s }; } },
    { name: 'a hand-made state missing a key', pattern: new RegExp(`^${owner}: the state does not belong to this ${owner} and these updates: .*\\{${keys}\\}`), setup: (c) => ({ call: () => c.opt.update(c.grads, { count: 0 } as never, c.params, { gradFn: c.gradFn }) }) },
    { name: 'a state made for other params', pattern: new RegExp(`^${owner}: the state does not belong to this ${owner}.*expected a float32 tensor of shape \\[3\\], got a float32 tensor of shape \\[2\\]`), setup: (c) => { const other = makeParams([1, 2]); const s = c.opt.init(other); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }), dispose: [other, s] }; } },
    { name: 'a state whose count is not a step count', pattern: new RegExp(`^${owner}: state\\.count must be an integer >= 0, got number 1\\.5`), setup: (c) => ({ call: () => c.opt.update(c.grads, { ...c.state, count: 1.5 }, c.params, { gradFn: c.gradFn }) }) },
    { name: 'a state with a disposed tensor', pattern: new RegExp(`^${owner}: state\\..* is a disposed tensor`), setup: (c) => { const s = c.opt.init(c.params); treeDispose(s); return { call: () => c.opt.update(c.grads, s, c.params, { gradFn: c.gradFn }) }; } },
    { name: 'updates missing a key', pattern: new RegExp(`^${owner}: updates does not match params at <root>: missing \\{b\\}`), setup: (c) => { const u = { w: tf.zeros([3]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
    { name: 'an int32 leaf in updates', pattern: new RegExp(`^${owner}: updates at 'w' has dtype int32`), setup: (c) => { const u = { w: tf.tensor1d([1, 2, 3], 'int32'), b: tf.zeros([1]) }; return { call: () => c.opt.update(u, c.state, c.params, { gradFn: c.gradFn }), dispose: u }; } },
    { name: 'a gradFn returning grads of the wrong shape', pattern: new RegExp(`^${owner}: gradients returned by extras\\.gradFn does not match params at 'w': expected shape \\[3\\], got \\[2\\]`), setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: returning(() => makeParams([1, 2])) }) }) },
    { name: 'a gradFn that throws', pattern: new RegExp(`^${owner}: no batch`), setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: () => { throw new Error('no batch'); } }) }) },
    { name: 'init with an int32 leaf', pattern: new RegExp(`^${owner}: params at 'w' has dtype int32`), setup: (c) => { const p = { w: tf.tensor1d([1, 2, 3], 'int32') }; return { call: () => c.opt.init(p), dispose: p }; } },
  ]);
}

describe('lookSam: a reuse step needs gradFn too', () => {
  it('refuses a missing gradFn between SAM steps (the error comes at once, not k steps later)', () => {
    const c = context(() => lookSam(adam({ learningRate: 0.1 }), { rho: 0.1, k: 3, alpha: 0.5 }) as never);
    const [u, s1] = c.opt.update(c.grads, c.state, c.params, { gradFn: c.gradFn });
    expect((s1 as { count: number }).count).toBe(1);
    const snap = [Array.from(c.params.w.dataSync()), Array.from(c.grads.w.dataSync())];
    expectBasinError(() => c.opt.update(c.grads, s1, c.params), /^lookSam: extras\.gradFn is missing/);
    expect([Array.from(c.params.w.dataSync()), Array.from(c.grads.w.dataSync())]).toEqual(snap);
    treeDispose([u, s1, c.params, c.state, c.grads, c.batch]);
  });
});

describeBadInputs<Ctx>('lookSam, gsam: a rho schedule giving NaN', () => context(() => lookSam(sgd({ learningRate: 0.1 }), { rho: () => NaN, k: 2, alpha: 0.5 }) as never), [
  { name: 'lookSam rho schedule NaN', pattern: /^lookSam: rho \(schedule at step 0\) must be a finite number, got NaN/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: c.gradFn }) }) },
]);
describeBadInputs<Ctx>('gsam: a rho schedule giving a negative radius', () => context(() => gsam(sgd({ learningRate: 0.1 }), { rho: () => -1, alpha: 0.5 }) as never), [
  { name: 'gsam rho schedule negative', pattern: /^gsam: rho \(schedule at step 0\) must be a number >= 0, got -1/, setup: (c) => ({ call: () => c.opt.update(c.grads, c.state, c.params, { gradFn: c.gradFn }) }) },
]);

describe('lookSam, gsam: factory arguments', () => {
  const base = sgd({ learningRate: 0.1 });
  it.each([
    ['lookSam: base undefined', () => lookSam(undefined as never, { k: 2, alpha: 0.5 }), /^lookSam: base must be a Basin transform \(with init and update\), got undefined$/],
    ['lookSam: base the factory sgd', () => lookSam(sgd as never, { k: 2, alpha: 0.5 }), /^lookSam: base must be a Basin transform .*got the function sgd/],
    ['lookSam: no options', () => lookSam(base, undefined as never), /^lookSam: k must be a finite number, got undefined$/],
    ['lookSam: options a number', () => lookSam(base, 5 as never), /^lookSam: options must be a record such as \{ rho: 0\.05, k: 5, alpha: 0\.7 \}, got number 5$/],
    ['lookSam: k 0', () => lookSam(base, { k: 0, alpha: 0.5 }), /^lookSam: k must be an integer >= 1, got 0$/],
    ['lookSam: k 2.5', () => lookSam(base, { k: 2.5, alpha: 0.5 }), /^lookSam: k must be an integer >= 1, got 2\.5$/],
    ['lookSam: k Infinity', () => lookSam(base, { k: Infinity, alpha: 0.5 }), /^lookSam: k must be a finite number, got Infinity$/],
    ['lookSam: alpha missing', () => lookSam(base, { k: 5 } as never), /^lookSam: alpha must be a finite number, got undefined$/],
    ['lookSam: alpha negative', () => lookSam(base, { k: 5, alpha: -0.1 }), /^lookSam: alpha must be a number >= 0, got -0\.1$/],
    ['lookSam: rho negative', () => lookSam(base, { k: 5, alpha: 0.5, rho: -1 }), /^lookSam: rho must be a number >= 0, got -1$/],
    ['lookSam: p below 1', () => lookSam(base, { k: 5, alpha: 0.5, p: 0.5 }), /^lookSam: p must be a number >= 1, got 0\.5$/],
    ['lookSam: adaptive not a boolean', () => lookSam(base, { k: 5, alpha: 0.5, adaptive: 'yes' as never }), /^lookSam: adaptive must be a boolean, got string yes$/],
    ['gsam: base undefined', () => gsam(undefined as never, { alpha: 0.5 }), /^gsam: base must be a Basin transform \(with init and update\), got undefined$/],
    ['gsam: no options', () => gsam(base, undefined as never), /^gsam: alpha must be a finite number, got undefined$/],
    ['gsam: options a function', () => gsam(base, (() => 0.1) as never), /^gsam: options must be a record such as \{ rho: 0\.05, alpha: 0\.1 \}, got a function$/],
    ['gsam: alpha NaN', () => gsam(base, { alpha: NaN }), /^gsam: alpha must be a finite number, got NaN$/],
    ['gsam: alpha negative', () => gsam(base, { alpha: -1 }), /^gsam: alpha must be a number >= 0, got -1$/],
    ['gsam: rho Infinity', () => gsam(base, { alpha: 0.1, rho: Infinity }), /^gsam: rho must be a finite number, got Infinity$/],
    ['gsam: eps negative', () => gsam(base, { alpha: 0.1, eps: -1 }), /^gsam: eps must be a number >= 0, got -1$/],
  ])('bad input: %s', (_, call, pattern) => {
    expectBasinError(call, pattern);
  });
});
