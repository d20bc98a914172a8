// Bad input for every public entry point of @basin/muon: each must fail with a BasinError that
// names the entry point, the parameter or path and what was expected (never `partition:`,
// `adamw:` or a building block's option name), before anything runs: params and state stay
// alive and unchanged, and no tensor leaks.
import { tf } from '@basin/testing';
import { adam, encodeTree, treeDispose, type Transform, type Tree } from '@basin/core';
import { muon, type MuonOptions } from './muon';
import { scaleByMuon, type ScaleByMuonOptions } from './scale-by-muon';
import { newtonSchulz, planNewtonSchulz, runNewtonSchulz } from './newton-schulz';
import { matrixView } from './matrix-shape';
import { muonLabels } from './muon-labels';
import { expectCleanError, randomMatrix } from '../test-helpers';

type T = Record<string, tf.Tensor>;

const tensor = (shape: number[], seed: number): tf.Tensor =>
  tf.tensor(randomMatrix(1, shape.reduce((n, d) => n * d, 1), seed)[0], shape);

interface Context {
  t: Transform<any>;
  params: T;
  grads: T;
  state: any;
  /** The shape of `b` for this subject. */
  bShape: number[];
  extra: unknown[];
}

interface Subject {
  entry: string;
  make: () => Transform<any>;
  /** `b` is a bias for muon (it goes to AdamW) and a matrix for scaleByMuon (every leaf must be one). */
  bShape: number[];
  /** Cases that do not apply (scaleByMuon keeps a tree-shaped state, so two leaves with one path pair fine). */
  skip: string[];
}

const subjects: Subject[] = [
  { entry: 'muon', make: () => muon({ learningRate: 0.02, adamLearningRate: 3e-3, weightDecay: 0.01 }), bShape: [2], skip: [] },
  { entry: 'scaleByMuon', make: () => scaleByMuon({ adaptive: true }), bShape: [2, 2], skip: ['two leaves with one path at init'] },
];

type Case = [name: string, run: (c: Context) => { call: () => unknown; mentions: (string | RegExp)[] }];

const cases: Case[] = [
  ['missing key', (c) => {
    const g = { w: c.grads.w };
    return { call: () => c.t.update(g, c.state, { w: c.params.w }), mentions: ['b'] };
  }],
  ['extra key', (c) => {
    const g = { ...c.grads, c: tf.zeros([2, 2]) };
    const p = { ...c.params, c: tf.zeros([2, 2]) };
    c.extra.push(g.c, p.c);
    return { call: () => c.t.update(g, c.state, p), mentions: ['c'] };
  }],
  ['renamed key', (c) => {
    const g = { w: c.grads.w, bias: c.grads.b };
    const p = { w: c.params.w, bias: c.params.b };
    return { call: () => c.t.update(g, c.state, p), mentions: ['bias'] };
  }],
  ['array instead of record', (c) => {
    const g = [c.grads.w, c.grads.b];
    const p = [c.params.w, c.params.b];
    return { call: () => c.t.update(g, c.state, p), mentions: [/array|\[0\]/] };
  }],
  ['nested record instead of flat', (c) => {
    const g = { layer: { w: c.grads.w, b: c.grads.b } };
    const p = { layer: { w: c.params.w, b: c.params.b } };
    return { call: () => c.t.update(g, c.state, p), mentions: ['layer'] };
  }],
  ['wrong shape', (c) => {
    const g = { ...c.grads, w: tf.zeros([2, 3]) };
    const p = { ...c.params, w: tf.zeros([2, 3]) };
    c.extra.push(g.w, p.w);
    return { call: () => c.t.update(g, c.state, p), mentions: ['w', '[2, 3]'] };
  }],
  ['wrong shape in the params only', (c) => {
    const p = { ...c.params, w: tf.zeros([3, 3]) };
    c.extra.push(p.w);
    return { call: () => c.t.update(c.grads, c.state, p), mentions: ["'w'", '[3, 3]'] };
  }],
  ['int32 gradient leaf', (c) => {
    const g = { ...c.grads, w: tf.zeros([3, 2], 'int32') };
    c.extra.push(g.w);
    return { call: () => c.t.update(g, c.state, c.params), mentions: ["'w'", 'int32', 'float32'] };
  }],
  ['int32 params leaf at init', (c) => {
    const p = { ...c.params, b: tf.zeros(c.bShape, 'int32') };
    c.extra.push(p.b);
    return { call: () => c.t.init(p), mentions: ["'b'", 'int32'] };
  }],
  ['undefined leaf at init', (c) => ({ call: () => c.t.init({ w: c.params.w, b: undefined } as never), mentions: ["'b'", 'undefined'] })],
  ['undefined params at init', (c) => ({ call: () => c.t.init(undefined as never), mentions: ['params'] })],
  ['empty tensor at init', (c) => {
    const p = { w: tf.zeros([0, 3]) };
    c.extra.push(p.w);
    return { call: () => c.t.init(p), mentions: ["'w'", 'no entries'] };
  }],
  ['two leaves with one path at init', (c) => {
    const p = { 'a.b': c.params.w, a: { b: c.params.w } };
    return { call: () => c.t.init(p), mentions: ["'a.b'"] };
  }],
  ['undefined updates', (c) => ({ call: () => c.t.update(undefined as never, c.state, c.params), mentions: ['updates'] })],
  ['undefined state', (c) => ({ call: () => c.t.update(c.grads, undefined, c.params), mentions: ['state', 'init'] })],
  ['foreign state (adam)', (c) => {
    const foreign = adam({ learningRate: 0.1 }).init(c.params);
    c.extra.push(foreign);
    return { call: () => c.t.update(c.grads, foreign, c.params), mentions: ['state', 'adam'] };
  }],
  ['state for other params', (c) => {
    const other = { x: tf.zeros([4, 4]) };
    const s = c.t.init(other);
    c.extra.push(other, s);
    return { call: () => c.t.update(c.grads, s, c.params), mentions: ['x'] };
  }],
  ['state for params of other shapes', (c) => {
    const other = { w: tf.zeros([4, 4]), b: tf.zeros(c.bShape) };
    const s = c.t.init(other);
    c.extra.push(other, s);
    return { call: () => c.t.update(c.grads, s, c.params), mentions: ['w', '[4, 4]'] };
  }],
];

describe.each(subjects)('bad input: $entry', (subject) => {
  it.each(cases.filter(([name]) => !subject.skip.includes(name)))('%s', (_, make) => {
    const t = subject.make();
    const params = { w: tensor([3, 2], 1), b: tensor(subject.bShape, 2) };
    const s0 = t.init(params);
    const g0 = { w: tensor([3, 2], 3), b: tensor(subject.bShape, 4) };
    const [u0, state] = t.update(g0, s0, params);
    treeDispose([s0, g0, u0]);
    const grads = { w: tensor([3, 2], 5), b: tensor(subject.bShape, 6) };
    const c: Context = { t, params, grads, state, bShape: subject.bShape, extra: [] };
    const { call, mentions } = make(c);
    const error = expectCleanError(call, subject.entry, mentions, [params, grads, state, c.extra]);
    expect(error.message).not.toMatch(/^(muon|scaleByMuon): (partition|adamw|scaleByAdam|chain|masked|addDecayedWeights|scaleByLearningRate):/);
    // The same transform, params and state still work.
    const [u, next] = t.update(grads, state, params);
    treeDispose([u, next, params, grads, state, c.extra]);
  });
});

/** Muon's own inputs: labels, exclude, masks, and the params its weight decay reads. */
const muonCases: [name: string, options: Partial<MuonOptions>, run: 'init' | 'update' | 'second update' | 'update without params', mentions: (string | RegExp)[]][] = [
  ['a vector labelled muon by user labels', { labels: { w: 'muon', b: 'muon' } }, 'init', ["'b'", 'shape [2]', "Label it 'adam'"]],
  ['labels missing a key', { labels: { w: 'muon' } as never }, 'init', ['labels', "'b'"]],
  ['labels with an extra key', { labels: { w: 'muon', b: 'adam', c: 'adam' } as never }, 'init', ['labels', "'c'"]],
  ['labels with an unknown label', { labels: { w: 'sgd', b: 'adam' } as never }, 'init', ['labels', "'sgd'"]],
  ['a labels function that returns an array', { labels: () => ['muon', 'adam'] as never }, 'init', ['labels', "'b'"]],
  ['an exclude predicate that throws', { exclude: () => { throw new TypeError('boom'); } }, 'init', ['exclude', "'w'", 'boom']],
  ['an exclude predicate that returns a string', { exclude: (() => 'yes') as never }, 'init', ['exclude', 'true or false', "'w'"]],
  ['weightDecayMask naming a bias (not in the Muon branch)', { weightDecayMask: { w: true, b: true } }, 'init', ['weightDecayMask', "'b'"]],
  ['weightDecayMask missing the matrix', { weightDecayMask: {} }, 'init', ['weightDecayMask', "'w'"]],
  ['adamWeightDecayMask with a non-boolean', { adamWeightDecayMask: { b: 1 } as never }, 'init', ['adamWeightDecayMask', "'b'", 'true or false']],
  ['an adamLearningRate schedule giving NaN', { adamLearningRate: (step: number) => (step < 1 ? 1e-3 : NaN) }, 'second update', ['adamLearningRate', 'step 1', 'NaN']],
  ['a learningRate schedule giving Infinity', { learningRate: (step: number) => (step < 1 ? 1e-2 : Infinity) }, 'second update', ['learningRate', 'step 1']],
  ['update without params', {}, 'update without params', ['params']],
];

describe('bad input: muon options that need the params', () => {
  it.each(muonCases)('%s', (_, options, run, mentions) => {
    const t = muon({ learningRate: 0.02, ...options });
    const params = { w: tensor([3, 2], 1), b: tensor([2], 2) };
    const grads = { w: tensor([3, 2], 3), b: tensor([2], 4) };
    if (run === 'init') {
      expectCleanError(() => t.init(params), 'muon', mentions, [params]);
    } else {
      const s0 = t.init(params);
      let state = s0;
      const made: unknown[] = [s0];
      if (run === 'second update') {
        const [u, s1] = t.update(grads, s0, params);
        made.push(u, s1);
        state = s1;
      }
      const call = run === 'update without params' ? () => t.update(grads, state) : () => t.update(grads, state, params);
      expectCleanError(call, 'muon', mentions, [params, grads, state]);
      treeDispose(made);
    }
    treeDispose([params, grads]);
  });
});

type OptionCase = [name: string, call: () => unknown, entry: string, mentions: (string | RegExp)[]];
const mu = (o: Record<string, unknown>) => () => muon({ learningRate: 0.02, ...o } as MuonOptions);
const sbm = (o: unknown) => () => scaleByMuon(o as ScaleByMuonOptions);

const optionCases: OptionCase[] = [
  ['muon options null', () => muon(null as never), 'muon', ['options', 'learningRate']],
  ['muon learningRate missing', () => muon({} as never), 'muon', ['learningRate']],
  ['muon learningRate NaN', mu({ learningRate: NaN }), 'muon', ['learningRate', 'NaN']],
  ['muon learningRate Infinity', mu({ learningRate: Infinity }), 'muon', ['learningRate', 'Infinity']],
  ['muon weightDecay -1', mu({ weightDecay: -1 }), 'muon', ['weightDecay', '>= 0']],
  ['muon weightDecay NaN', mu({ weightDecay: NaN }), 'muon', ['weightDecay']],
  ['muon adamLearningRate a string', mu({ adamLearningRate: 'fast' }), 'muon', ['adamLearningRate']],
  ['muon adamLearningRate -Infinity', mu({ adamLearningRate: -Infinity }), 'muon', ['adamLearningRate']],
  ['muon adamB1 1', mu({ adamB1: 1 }), 'muon', [/^muon: adamB1 must be/]],
  ['muon adamB2 NaN', mu({ adamB2: NaN }), 'muon', [/^muon: adamB2 must be/]],
  ['muon adamEps -1', mu({ adamEps: -1 }), 'muon', [/^muon: adamEps must be/]],
  ['muon adamEpsRoot Infinity', mu({ adamEpsRoot: Infinity }), 'muon', [/^muon: adamEpsRoot must be/]],
  ['muon adamWeightDecay NaN', mu({ adamWeightDecay: NaN }), 'muon', ['adamWeightDecay']],
  ['muon adamNesterov "yes"', mu({ adamNesterov: 'yes' }), 'muon', ['adamNesterov', 'true or false']],
  ['muon beta 1', mu({ beta: 1 }), 'muon', [/^muon: beta must be/]],
  ['muon beta NaN', mu({ beta: NaN }), 'muon', [/^muon: beta must be/]],
  ['muon nesterov "no"', mu({ nesterov: 'no' }), 'muon', ['nesterov']],
  ['muon biasCorrection 1', mu({ biasCorrection: 1 }), 'muon', ['biasCorrection']],
  ['muon adaptive "x"', mu({ adaptive: 'x' }), 'muon', ['adaptive']],
  ['muon scale "spectral"', mu({ scale: 'spectral' }), 'muon', ['scale', 'spectral']],
  ['muon rmsFactor 0', mu({ rmsFactor: 0 }), 'muon', ['rmsFactor']],
  ['muon steps -1', mu({ steps: -1 }), 'muon', ['steps']],
  ['muon steps NaN', mu({ steps: NaN }), 'muon', ['steps']],
  ['muon coefficients [[1, 2]]', mu({ coefficients: [[1, 2]] }), 'muon', ['coefficients']],
  ['muon coefficients with NaN', mu({ coefficients: [1, NaN, 2] }), 'muon', ['coefficients[1]']],
  ['muon eps NaN', mu({ eps: NaN }), 'muon', [/^muon: eps must be/]],
  ['muon exclude 3', mu({ exclude: 3 }), 'muon', ['exclude']],
  ['muon exclude [3]', mu({ exclude: ['embedding', 3] }), 'muon', ['exclude[1]']],
  ['muon labels 3', mu({ labels: 3 }), 'muon', ['labels']],
  ['muon weightDecayMask 3', mu({ weightDecayMask: 3 }), 'muon', ['weightDecayMask']],
  ['muon adamWeightDecayMask "all"', mu({ adamWeightDecayMask: 'all' }), 'muon', ['adamWeightDecayMask']],
  ['muon unknown option adamLr', mu({ adamLr: 1e-3 }), 'muon', ["'adamLr'", 'adamLearningRate']],
  ['scaleByMuon options null', sbm(null), 'scaleByMuon', ['options', 'null']],
  ['scaleByMuon beta NaN', sbm({ beta: NaN }), 'scaleByMuon', ['beta']],
  ['scaleByMuon beta -0.1', sbm({ beta: -0.1 }), 'scaleByMuon', ['beta', '>= 0']],
  ['scaleByMuon scale "x"', sbm({ scale: 'x' }), 'scaleByMuon', ['scale']],
  ['scaleByMuon steps 1.5', sbm({ steps: 1.5 }), 'scaleByMuon', ['steps', 'integer']],
  ['scaleByMuon steps disagreeing with a table', sbm({ steps: 3, coefficients: [[1, 2, 3]] }), 'scaleByMuon', ['steps', 'coefficients']],
  ['scaleByMuon nesterov "yes"', sbm({ nesterov: 'yes' }), 'scaleByMuon', ['nesterov']],
  ['scaleByMuon unknown option lr', sbm({ lr: 0.1 }), 'scaleByMuon', ["'lr'"]],
  ['scaleByMuon muon-only option learningRate', sbm({ learningRate: 0.1 }), 'scaleByMuon', ["'learningRate'"]],
];

describe('bad options', () => {
  it.each(optionCases)('%s', (_, call, entry, mentions) => {
    expectCleanError(call, entry, mentions);
  });
});

type FunctionCase = [name: string, run: (extra: unknown[]) => { call: () => unknown; owned?: unknown }, entry: string, mentions: (string | RegExp)[]];
const matrix = (extra: unknown[]): tf.Tensor2D => {
  const g = tf.tensor2d(randomMatrix(3, 2, 9));
  extra.push(g);
  return g;
};
const plan = { table: [[3.4445, -4.775, 2.0315] as const], eps: 1e-8 };

const functionCases: FunctionCase[] = [
  ['newtonSchulz G undefined', () => ({ call: () => newtonSchulz(undefined as never) }), 'newtonSchulz', ['G', 'undefined']],
  ['newtonSchulz G a vector', (x) => { const v = tf.ones([3]); x.push(v); return { call: () => newtonSchulz(v), owned: v }; }, 'newtonSchulz', ['G', 'rank 2', '[3]']],
  ['newtonSchulz G int32', (x) => { const v = tf.ones([2, 2], 'int32'); x.push(v); return { call: () => newtonSchulz(v), owned: v }; }, 'newtonSchulz', ['G', 'int32']],
  ['newtonSchulz G disposed', () => { const v = tf.ones([2, 2]); v.dispose(); return { call: () => newtonSchulz(v) }; }, 'newtonSchulz', ['G', 'disposed']],
  ['newtonSchulz G empty', (x) => { const v = tf.zeros([0, 2]); x.push(v); return { call: () => newtonSchulz(v), owned: v }; }, 'newtonSchulz', ['G', 'no entries']],
  ['newtonSchulz steps -1', (x) => { const g = matrix(x); return { call: () => newtonSchulz(g, { steps: -1 }), owned: g }; }, 'newtonSchulz', ['steps']],
  ['newtonSchulz eps NaN', (x) => { const g = matrix(x); return { call: () => newtonSchulz(g, { eps: NaN }), owned: g }; }, 'newtonSchulz', ['eps']],
  ['newtonSchulz coefficients a string', (x) => { const g = matrix(x); return { call: () => newtonSchulz(g, { coefficients: 'quintic' as never }), owned: g }; }, 'newtonSchulz', ['coefficients']],
  ['newtonSchulz coefficients with Infinity', (x) => { const g = matrix(x); return { call: () => newtonSchulz(g, { coefficients: [Infinity, 1, 1] }), owned: g }; }, 'newtonSchulz', ['coefficients[0]']],
  ['newtonSchulz unknown option', (x) => { const g = matrix(x); return { call: () => newtonSchulz(g, { iterations: 5 } as never), owned: g }; }, 'newtonSchulz', ["'iterations'", 'steps']],
  ['newtonSchulz options null', (x) => { const g = matrix(x); return { call: () => newtonSchulz(g, null as never), owned: g }; }, 'newtonSchulz', ['options']],
  ['planNewtonSchulz steps NaN', () => ({ call: () => planNewtonSchulz('mine', { steps: NaN }) }), 'planNewtonSchulz', ['steps']],
  ['planNewtonSchulz empty table', () => ({ call: () => planNewtonSchulz('mine', { coefficients: [] as never }) }), 'planNewtonSchulz', ['coefficients']],
  ['runNewtonSchulz plan undefined', (x) => { const g = matrix(x); return { call: () => runNewtonSchulz(g, undefined as never), owned: g }; }, 'runNewtonSchulz', ['plan']],
  ['runNewtonSchulz plan.eps NaN', (x) => { const g = matrix(x); return { call: () => runNewtonSchulz(g, { ...plan, eps: NaN }), owned: g }; }, 'runNewtonSchulz', ['plan.eps']],
  ['runNewtonSchulz plan.table with NaN', (x) => { const g = matrix(x); return { call: () => runNewtonSchulz(g, { table: [[1, NaN, 1]], eps: 0 }), owned: g }; }, 'runNewtonSchulz', ['plan.table[0][1]']],
  ['runNewtonSchulz G rank 3', (x) => { const v = tf.ones([2, 2, 2]); x.push(v); return { call: () => runNewtonSchulz(v as never, plan), owned: v }; }, 'runNewtonSchulz', ['G', '[2, 2, 2]']],
  ['matrixView shape a string', () => ({ call: () => matrixView('mine', 'w', '3x3' as never) }), 'matrixView', ['shape']],
  ['matrixView shape with NaN', () => ({ call: () => matrixView('mine', 'w', [3, NaN]) }), 'matrixView', ['shape[1]']],
  ['matrixView vector', () => ({ call: () => matrixView('mine', 'dense.bias', [4]) }), 'matrixView', ["'dense.bias'", '[4]']],
  ['matrixView path a number', () => ({ call: () => matrixView('mine', 3 as never, [4, 4]) }), 'matrixView', ['path']],
  ['muonLabels params undefined', () => ({ call: () => muonLabels(undefined as never) }), 'muonLabels', ['params']],
  ['muonLabels params with a string leaf', () => ({ call: () => muonLabels({ w: 'x' } as never) }), 'muonLabels', ["'w'"]],
  ['muonLabels exclude 3', (x) => { const p = { w: matrix(x) }; return { call: () => muonLabels(p, 3 as never), owned: p }; }, 'muonLabels', ['exclude']],
  ['muonLabels exclude predicate throwing', (x) => {
    const p = { w: matrix(x) };
    return { call: () => muonLabels(p, () => { throw new Error('no'); }), owned: p };
  }, 'muonLabels', ['exclude', "'w'", 'no']],
];

describe('bad input: functions', () => {
  it.each(functionCases)('%s', (_, make, entry, mentions) => {
    const extra: unknown[] = [];
    const { call, owned } = make(extra);
    expectCleanError(call, entry, mentions, owned ?? []);
    treeDispose(extra);
  });
});

describe('key order', () => {
  function trajectory(t: Transform<any>, params: Tree, grads: (k: number) => Tree): string[] {
    let state = t.init(params);
    const out: string[] = [];
    for (let k = 0; k < 3; k++) {
      const g = grads(k);
      const [u, s] = t.update(g, state, params);
      // encodeTree lists record keys as they come; sort them so only values are compared.
      const values = Object.entries(u as T).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, v]) => `${key}:${Array.from(v.dataSync()).join(',')}`);
      out.push(values.join(';'));
      treeDispose([g, u, state]);
      state = s;
    }
    treeDispose(state);
    return out;
  }

  const specs: [string, number[]][] = [['w', [4, 3]], ['b', [3]], ['k', [2, 2, 3]], ['a', [3, 2]], ['emb', [5, 3]]];
  const build = (order: [string, number[]][], seed: number, only?: (shape: number[]) => boolean): Tree =>
    Object.fromEntries(order.filter(([, shape]) => !only || only(shape)).map(([name, shape]) => [name, tensor(shape, seed + name.charCodeAt(0))]));

  it.each([
    ['muon', () => muon({ learningRate: 0.02, adamLearningRate: 1e-3, weightDecay: 0.1, adamWeightDecay: 0.1, exclude: ['emb'], weightDecayMask: { a: true, k: false, w: true } }), undefined],
    ['scaleByMuon', () => scaleByMuon({ adaptive: true, scale: 'rms' }), (shape: number[]) => shape.length >= 2],
  ] as const)('%s gives the same updates for params and gradients with keys in reversed insertion order', (_, make, only) => {
    const reversed = [...specs].reverse();
    const p1 = build(specs, 1, only);
    const p2 = build(reversed, 1, only);
    const a = trajectory(make(), p1, (k) => build(specs, 10 * (k + 1), only));
    const b = trajectory(make(), p2, (k) => build(reversed, 10 * (k + 1), only));
    expect(b).toEqual(a);
    treeDispose([p1, p2]);
  });

  it('pairs a muon state with gradients by name whatever their key order', () => {
    const t = muon({ learningRate: 0.02 });
    const params = { layer: { w: tensor([3, 2], 1), b: tensor([2], 2) }, head: tensor([2, 2], 3) };
    const state = t.init(params);
    const g1 = { layer: { w: tensor([3, 2], 4), b: tensor([2], 5) }, head: tensor([2, 2], 6) };
    const g2 = { head: g1.head, layer: { b: g1.layer.b, w: g1.layer.w } };
    const p2 = { head: params.head, layer: { b: params.layer.b, w: params.layer.w } };
    const [u1, s1] = t.update(g1, state, params);
    const [u2, s2] = t.update(g2, state, p2);
    const sorted = (x: unknown) => JSON.stringify(encodeTree(x), (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v));
    expect(sorted(u2)).toEqual(sorted(u1));
    expect(sorted(s2)).toEqual(sorted(s1));
    treeDispose([params, state, g1, u1, u2, s1, s2]);
  });

  it('labels by path whatever the key order', () => {
    const p1 = { w: tf.zeros([2, 2]), b: tf.zeros([2]) };
    const p2 = { b: p1.b, w: p1.w };
    expect(muonLabels(p2)).toEqual(muonLabels(p1));
    treeDispose(p1);
  });
});
