// Bad input for every public entry point of @basin/shampoo: each must fail with a BasinError
// that names the entry point, the parameter or path and what was expected, before anything
// runs: params and state stay alive and unchanged, and no tensor leaks.
import { tf } from '@basin/testing';
import { adam, decodeTree, encodeTree, restoreCheckpoint, saveCheckpoint, treeDispose, type Transform, type Tree } from '@basin/core';
import { scaleByShampoo, type ScaleByShampooOptions, type ShampooState } from './scale-by-shampoo';
import { shampoo, type ShampooOptions } from './shampoo';
import { inversePthRoot } from './inverse-pth-root';
import { blockSizes, mergeSmallDims } from './blocking';
import { planLeaf } from './preconditioner';
import { eigenInversePthRoot, symmetricEigen, symmetricMatrixFunction } from './linalg';
import { expectCleanError, gaussian } from '../test-helpers';

type T = Record<string, tf.Tensor>;

const makeParams = (): T => ({ w: tf.tensor2d(gaussian(1, 6), [3, 2]), b: tf.tensor1d(gaussian(2, 2)) });
const makeGrads = (seed = 3): T => ({ w: tf.tensor2d(gaussian(seed, 6), [3, 2]), b: tf.tensor1d(gaussian(seed + 1, 2)) });

/** What one bad call sees: a transform, params, gradients and a state one step in. */
interface Context {
  t: Transform<any>;
  params: T;
  grads: T;
  state: any;
  /** Extra tensors a case made; disposed after it. */
  extra: unknown[];
}

interface Subject {
  entry: string;
  make: () => Transform<any>;
  /** The Shampoo state inside this transform's state. */
  shampooState: (state: any) => ShampooState;
  /** Replaces the Shampoo state inside this transform's state. */
  withShampooState: (state: any, s: unknown) => any;
}

const subjects: Subject[] = [
  { entry: 'scaleByShampoo', make: () => scaleByShampoo({ grafting: 'adam' }), shampooState: (s) => s, withShampooState: (_, s) => s },
  {
    entry: 'shampoo',
    make: () => shampoo({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, grafting: 'rmsprop' }),
    shampooState: (s) => s[0],
    withShampooState: (state, s) => [s, ...state.slice(1)],
  },
];

/** One bad call: what to run, and what the message must mention. */
type Case = [name: string, run: (c: Context, s: Subject) => { call: () => unknown; mentions: (string | RegExp)[] }];

const positional = (s: ShampooState) => ({ count: s.count, rootFailures: s.rootFailures, leaves: [s.leaves.w, s.leaves.b] });

const cases: Case[] = [
  ['missing key', (c) => {
    const g = { w: c.grads.w };
    return { call: () => c.t.update(g, c.state, { w: c.params.w }), mentions: ["'b'"] };
  }],
  ['extra key', (c) => {
    const g = { ...c.grads, c: tf.zeros([2]) };
    const p = { ...c.params, c: tf.zeros([2]) };
    c.extra.push(g.c, p.c);
    return { call: () => c.t.update(g, c.state, p), mentions: ["'c'"] };
  }],
  ['renamed key', (c) => {
    const g = { w: c.grads.w, bias: c.grads.b };
    const p = { w: c.params.w, bias: c.params.b };
    return { call: () => c.t.update(g, c.state, p), mentions: ["'bias'", "'b'"] };
  }],
  ['array instead of record', (c) => {
    const g = [c.grads.w, c.grads.b];
    const p = [c.params.w, c.params.b];
    return { call: () => c.t.update(g, c.state, p), mentions: ["'[0]'", "'w'"] };
  }],
  ['nested record instead of flat', (c) => {
    const g = { layer: { w: c.grads.w, b: c.grads.b } };
    const p = { layer: { w: c.params.w, b: c.params.b } };
    return { call: () => c.t.update(g, c.state, p), mentions: ["'layer.w'"] };
  }],
  ['wrong shape', (c) => {
    const g = { ...c.grads, w: tf.zeros([2, 3]) };
    const p = { ...c.params, w: tf.zeros([2, 3]) };
    c.extra.push(g.w, p.w);
    return { call: () => c.t.update(g, c.state, p), mentions: ["'w'", '[2, 3]'] };
  }],
  ['wrong shape in the params only', (c) => {
    const p = { ...c.params, b: tf.zeros([3]) };
    c.extra.push(p.b);
    return { call: () => c.t.update(c.grads, c.state, p), mentions: ["'b'", '[3]'] };
  }],
  ['int32 gradient leaf', (c) => {
    const g = { ...c.grads, b: tf.tensor1d([1, 2], 'int32') };
    c.extra.push(g.b);
    return { call: () => c.t.update(g, c.state, c.params), mentions: ["'b'", 'int32', 'float32'] };
  }],
  ['int32 params leaf at init', (c) => {
    const p = { ...c.params, w: tf.zeros([3, 2], 'int32') };
    c.extra.push(p.w);
    return { call: () => c.t.init(p), mentions: ["'w'", 'int32'] };
  }],
  ['undefined leaf at init', (c) => ({ call: () => c.t.init({ w: c.params.w, b: undefined } as never), mentions: ["'b'", 'undefined'] })],
  ['undefined params at init', (c) => ({ call: () => c.t.init(undefined as never), mentions: ['params'] })],
  ['empty tensor at init', (c) => {
    const p = { w: tf.zeros([0, 3]) };
    c.extra.push(p.w);
    return { call: () => c.t.init(p), mentions: ["'w'", 'no entries'] };
  }],
  ['two leaves with one path at init', (c) => {
    const p = { 'a.b': c.params.b, a: { b: c.params.b } };
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
    return { call: () => c.t.update(c.grads, s, c.params), mentions: ["'x'", "'w'"] };
  }],
  ['old array-form Shampoo state', (c, s) => {
    const old = s.withShampooState(c.state, positional(s.shampooState(c.state)));
    return { call: () => c.t.update(c.grads, old, c.params), mentions: ['earlier @basin/shampoo', 'by position', 'init(params)'] };
  }],
  ['old array-form Shampoo state from a checkpoint', (c, s) => {
    const old = s.withShampooState(c.state, positional(s.shampooState(c.state)));
    const restored = restoreCheckpoint(JSON.parse(JSON.stringify(saveCheckpoint({ params: c.params, state: old }))), c.params);
    c.extra.push(restored.params, restored.state);
    return { call: () => c.t.update(c.grads, restored.state, restored.params), mentions: ['earlier @basin/shampoo', 'by position'] };
  }],
  ['Shampoo state with a per-parameter entry missing', (c, s) => {
    const inner = s.shampooState(c.state);
    const broken = s.withShampooState(c.state, { ...inner, leaves: { w: inner.leaves.w } });
    return { call: () => c.t.update(c.grads, broken, c.params), mentions: ["'b'"] };
  }],
  ['Shampoo state with swapped per-parameter entries', (c, s) => {
    const inner = s.shampooState(c.state);
    const broken = s.withShampooState(c.state, { ...inner, leaves: { w: inner.leaves.b, b: inner.leaves.w } });
    return { call: () => c.t.update(c.grads, broken, c.params), mentions: ["'b'"] };
  }],
];

describe.each(subjects)('bad input: $entry', (subject) => {
  it.each(cases)('%s', (_, make) => {
    const t = subject.make();
    const params = makeParams();
    const s0 = t.init(params);
    const g0 = makeGrads(5);
    const [u0, state] = t.update(g0, s0, params);
    treeDispose([s0, g0, u0]);
    const grads = makeGrads();
    const c: Context = { t, params, grads, state, extra: [] };
    const { call, mentions } = make(c, subject);
    expectCleanError(call, subject.entry, mentions, [params, grads, state, c.extra]);
    // The same transform, params and state still work.
    const [u, next] = t.update(grads, state, params);
    treeDispose([u, next, params, grads, state, c.extra]);
  });
});

describe('bad input: shampoo needs params for weight decay', () => {
  it('refuses an update without params before the preconditioner runs', () => {
    const t = shampoo({ learningRate: 0.1, weightDecay: 0.01 });
    const params = makeParams();
    const state = t.init(params);
    const grads = makeGrads();
    expectCleanError(() => t.update(grads, state), 'shampoo', ['params', 'weightDecay'], [params, grads, state]);
    treeDispose([params, grads, state]);
  });

  it('does not need params without weight decay', () => {
    const t = shampoo({ learningRate: 0.1 });
    const params = makeParams();
    const state = t.init(params);
    const grads = makeGrads();
    const [u, s] = t.update(grads, state);
    treeDispose([params, grads, state, u, s]);
  });

  it('names weightDecayMask, not the building block, when the mask does not fit', () => {
    const params = makeParams();
    const bad = shampoo({ learningRate: 0.1, weightDecay: 0.1, weightDecayMask: { w: true, bias: false } });
    expectCleanError(() => bad.init(params), 'shampoo', ['weightDecayMask', "'b'", "'bias'"], [params]);
    const notBool = shampoo({ learningRate: 0.1, weightDecay: 0.1, weightDecayMask: { w: true, b: 'no' } as never });
    expectCleanError(() => notBool.init(params), 'shampoo', ['weightDecayMask', "'b'", 'true or false'], [params]);
    // A nested mask names the same paths as a flat record keyed by path.
    const nested = shampoo({ learningRate: 0.1, weightDecay: 0.1, weightDecayMask: () => ({ w: true, b: false }) });
    const state = nested.init(params);
    treeDispose([params, state]);
  });

  it('names learningRate when a schedule gives a non-finite value', () => {
    const t = shampoo({ learningRate: (step) => (step < 1 ? 0.1 : NaN) });
    const params = makeParams();
    const s0 = t.init(params);
    const g = makeGrads();
    const [u, s1] = t.update(g, s0, params);
    expectCleanError(() => t.update(g, s1, params), 'shampoo', ['learningRate', 'NaN'], [params, g, s1]);
    treeDispose([params, s0, g, u, s1]);
  });
});

type OptionCase = [name: string, call: () => unknown, entry: string, mentions: (string | RegExp)[]];

const sbs = (o: unknown) => () => scaleByShampoo(o as ScaleByShampooOptions);
const sh = (o: Record<string, unknown>) => () => shampoo({ learningRate: 0.1, ...o } as ShampooOptions);

const optionCases: OptionCase[] = [
  ['scaleByShampoo beta2 NaN', sbs({ beta2: NaN }), 'scaleByShampoo', ['beta2', 'NaN']],
  ['scaleByShampoo beta2 1.5', sbs({ beta2: 1.5 }), 'scaleByShampoo', ['beta2', '<= 1']],
  ['scaleByShampoo epsilon Infinity', sbs({ epsilon: Infinity }), 'scaleByShampoo', ['epsilon', 'finite']],
  ['scaleByShampoo epsilon 0', sbs({ epsilon: 0 }), 'scaleByShampoo', ['epsilon', '> 0']],
  ['scaleByShampoo updateEvery 0.5', sbs({ updateEvery: 0.5 }), 'scaleByShampoo', ['updateEvery', 'integer']],
  ['scaleByShampoo startPreconditioningStep -1', sbs({ startPreconditioningStep: -1 }), 'scaleByShampoo', ['startPreconditioningStep']],
  ['scaleByShampoo grafting lamb', sbs({ grafting: 'lamb' }), 'scaleByShampoo', ['grafting', "'rmsprop'", 'lamb']],
  ['scaleByShampoo graftingBeta1 1', sbs({ graftingBeta1: 1 }), 'scaleByShampoo', ['graftingBeta1', '< 1']],
  ['scaleByShampoo graftingBeta2 NaN', sbs({ graftingBeta2: NaN }), 'scaleByShampoo', ['graftingBeta2']],
  ['scaleByShampoo graftingEpsilon -1', sbs({ graftingEpsilon: -1 }), 'scaleByShampoo', ['graftingEpsilon']],
  ['scaleByShampoo blockSize 0', sbs({ blockSize: 0 }), 'scaleByShampoo', ['blockSize']],
  ['scaleByShampoo maxPreconditionerDim Infinity', sbs({ maxPreconditionerDim: Infinity }), 'scaleByShampoo', ['maxPreconditionerDim']],
  ['scaleByShampoo mergeSmallDims "yes"', sbs({ mergeSmallDims: 'yes' }), 'scaleByShampoo', ['mergeSmallDims', 'true or false']],
  ['scaleByShampoo rootMaxIterations 0', sbs({ rootMaxIterations: 0 }), 'scaleByShampoo', ['rootMaxIterations']],
  ['scaleByShampoo rootTolerance NaN', sbs({ rootTolerance: NaN }), 'scaleByShampoo', ['rootTolerance']],
  ['scaleByShampoo rootFailureThreshold -Infinity', sbs({ rootFailureThreshold: -Infinity }), 'scaleByShampoo', ['rootFailureThreshold']],
  ['scaleByShampoo rootRetries 1.5', sbs({ rootRetries: 1.5 }), 'scaleByShampoo', ['rootRetries']],
  ['scaleByShampoo retryRidgeFactor 0.5', sbs({ retryRidgeFactor: 0.5 }), 'scaleByShampoo', ['retryRidgeFactor']],
  ['scaleByShampoo unknown option', sbs({ beta: 0.9 }), 'scaleByShampoo', ["'beta'", 'beta2']],
  ['scaleByShampoo options null', sbs(null), 'scaleByShampoo', ['options', 'null']],
  ['scaleByShampoo options a string', sbs('fast'), 'scaleByShampoo', ['options']],
  ['shampoo options undefined', () => shampoo(undefined as never), 'shampoo', ['options', 'learningRate']],
  ['shampoo learningRate missing', () => shampoo({} as never), 'shampoo', ['learningRate']],
  ['shampoo learningRate NaN', sh({ learningRate: NaN }), 'shampoo', ['learningRate', 'NaN']],
  ['shampoo learningRate Infinity', sh({ learningRate: Infinity }), 'shampoo', ['learningRate']],
  ['shampoo momentum 1', sh({ momentum: 1 }), 'shampoo', ['momentum', '< 1']],
  ['shampoo momentum NaN', sh({ momentum: NaN }), 'shampoo', ['momentum']],
  ['shampoo nesterov "yes"', sh({ momentum: 0.9, nesterov: 'yes' }), 'shampoo', ['nesterov']],
  ['shampoo weightDecay -1', sh({ weightDecay: -1 }), 'shampoo', ['weightDecay']],
  ['shampoo weightDecay NaN', sh({ weightDecay: NaN }), 'shampoo', ['weightDecay']],
  ['shampoo weightDecayMask 3', sh({ weightDecay: 0.1, weightDecayMask: 3 }), 'shampoo', ['weightDecayMask']],
  ['shampoo epsilon NaN (a scaleByShampoo option)', sh({ epsilon: NaN }), 'shampoo', ['epsilon']],
  ['shampoo grafting 42', sh({ grafting: 42 }), 'shampoo', ['grafting']],
  ['shampoo unknown option lr', sh({ lr: 0.1 }), 'shampoo', ["'lr'"]],
];

describe('bad options', () => {
  it.each(optionCases)('%s', (_, call, entry, mentions) => {
    expectCleanError(call, entry, mentions);
  });
});

const square = () => tf.tensor2d([[2, 1], [1, 3]]);

const functionCases: [name: string, run: (extra: tf.Tensor[]) => { call: () => unknown; owned?: unknown }, entry: string, mentions: (string | RegExp)[]][] = [
  ['inversePthRoot p 0', (x) => { const a = square(); x.push(a); return { call: () => inversePthRoot(a, 0), owned: a }; }, 'inversePthRoot', ['p', 'integer']],
  ['inversePthRoot p NaN', (x) => { const a = square(); x.push(a); return { call: () => inversePthRoot(a, NaN), owned: a }; }, 'inversePthRoot', ['p', 'NaN']],
  ['inversePthRoot p 1.5', (x) => { const a = square(); x.push(a); return { call: () => inversePthRoot(a, 1.5), owned: a }; }, 'inversePthRoot', ['p']],
  ['inversePthRoot non-square matrix', (x) => { const a = tf.zeros([2, 3]); x.push(a); return { call: () => inversePthRoot(a, 2), owned: a }; }, 'inversePthRoot', ['matrix', '[2, 3]']],
  ['inversePthRoot vector', (x) => { const a = tf.ones([3]); x.push(a); return { call: () => inversePthRoot(a, 2), owned: a }; }, 'inversePthRoot', ['matrix', '[3]']],
  ['inversePthRoot int32 matrix', (x) => { const a = tf.tensor2d([[2, 0], [0, 2]], [2, 2], 'int32'); x.push(a); return { call: () => inversePthRoot(a, 2), owned: a }; }, 'inversePthRoot', ['matrix', 'int32']],
  ['inversePthRoot disposed matrix', () => { const a = square(); a.dispose(); return { call: () => inversePthRoot(a, 2) }; }, 'inversePthRoot', ['matrix', 'disposed']],
  ['inversePthRoot matrix undefined', () => ({ call: () => inversePthRoot(undefined as never, 2) }), 'inversePthRoot', ['matrix', 'undefined']],
  ['inversePthRoot ridgeEpsilon NaN', (x) => { const a = square(); x.push(a); return { call: () => inversePthRoot(a, 2, { ridgeEpsilon: NaN }), owned: a }; }, 'inversePthRoot', ['ridgeEpsilon']],
  ['inversePthRoot maxIterations Infinity', (x) => { const a = square(); x.push(a); return { call: () => inversePthRoot(a, 2, { maxIterations: Infinity }), owned: a }; }, 'inversePthRoot', ['maxIterations']],
  ['inversePthRoot growthLimit 0.5', (x) => { const a = square(); x.push(a); return { call: () => inversePthRoot(a, 2, { growthLimit: 0.5 }), owned: a }; }, 'inversePthRoot', ['growthLimit']],
  ['inversePthRoot symmetrize "no"', (x) => { const a = square(); x.push(a); return { call: () => inversePthRoot(a, 2, { symmetrize: 'no' as never }), owned: a }; }, 'inversePthRoot', ['symmetrize']],
  ['inversePthRoot unknown option', (x) => { const a = square(); x.push(a); return { call: () => inversePthRoot(a, 2, { ridge: 1e-3 } as never), owned: a }; }, 'inversePthRoot', ["'ridge'", 'ridgeEpsilon']],
  ['mergeSmallDims shape a string', () => ({ call: () => mergeSmallDims('3x3' as never, 1024) }), 'mergeSmallDims', ['shape']],
  ['mergeSmallDims negative dim', () => ({ call: () => mergeSmallDims([3, -1], 1024) }), 'mergeSmallDims', ['shape[1]']],
  ['mergeSmallDims NaN dim', () => ({ call: () => mergeSmallDims([NaN, 2], 1024) }), 'mergeSmallDims', ['shape[0]', 'NaN']],
  ['mergeSmallDims maxDim 0', () => ({ call: () => mergeSmallDims([3, 3], 0) }), 'mergeSmallDims', ['maxDim']],
  ['mergeSmallDims maxDim Infinity', () => ({ call: () => mergeSmallDims([3, 3], Infinity) }), 'mergeSmallDims', ['maxDim']],
  ['blockSizes dim NaN', () => ({ call: () => blockSizes(NaN, 128) }), 'blockSizes', ['dim']],
  ['blockSizes blockSize 0', () => ({ call: () => blockSizes(300, 0) }), 'blockSizes', ['blockSize']],
  ['blockSizes blockSize 2.5', () => ({ call: () => blockSizes(300, 2.5) }), 'blockSizes', ['blockSize', 'integer']],
  ['planLeaf shape undefined', () => ({ call: () => planLeaf(undefined as never, { blockSize: Infinity, maxPreconditionerDim: 1024, mergeSmallDims: true }) }), 'planLeaf', ['shape']],
  ['planLeaf layout undefined', () => ({ call: () => planLeaf([3, 2], undefined as never) }), 'planLeaf', ['layout']],
  ['planLeaf layout.blockSize 0', () => ({ call: () => planLeaf([3, 2], { blockSize: 0, maxPreconditionerDim: 1024, mergeSmallDims: true }) }), 'planLeaf', ['layout.blockSize']],
  ['planLeaf layout.maxPreconditionerDim NaN', () => ({ call: () => planLeaf([3, 2], { blockSize: Infinity, maxPreconditionerDim: NaN, mergeSmallDims: true }) }), 'planLeaf', ['layout.maxPreconditionerDim']],
  ['planLeaf layout.mergeSmallDims missing', () => ({ call: () => planLeaf([3, 2], { blockSize: Infinity, maxPreconditionerDim: 1024 } as never) }), 'planLeaf', ['layout.mergeSmallDims']],
  ['symmetricEigen wrong length', () => ({ call: () => symmetricEigen([1, 2, 3], 2) }), 'symmetricEigen', ['n * n = 4', 'got 3']],
  ['symmetricEigen NaN entry', () => ({ call: () => symmetricEigen([1, NaN, NaN, 1], 2) }), 'symmetricEigen', ['matrix[1]', 'finite']],
  ['symmetricEigen matrix undefined', () => ({ call: () => symmetricEigen(undefined as never, 2) }), 'symmetricEigen', ['matrix']],
  ['symmetricEigen n -1', () => ({ call: () => symmetricEigen([], -1) }), 'symmetricEigen', ['n']],
  ['symmetricEigen maxSweeps NaN', () => ({ call: () => symmetricEigen([1], 1, NaN) }), 'symmetricEigen', ['maxSweeps']],
  ['symmetricMatrixFunction f missing', () => ({ call: () => symmetricMatrixFunction([1], 1, undefined as never) }), 'symmetricMatrixFunction', ['f']],
  ['symmetricMatrixFunction Infinity entry', () => ({ call: () => symmetricMatrixFunction([Infinity], 1, (x) => x) }), 'symmetricMatrixFunction', ['matrix[0]']],
  ['eigenInversePthRoot p 0', () => ({ call: () => eigenInversePthRoot([1], 1, 0) }), 'eigenInversePthRoot', ['p']],
  ['eigenInversePthRoot ridge NaN', () => ({ call: () => eigenInversePthRoot([1], 1, 2, NaN) }), 'eigenInversePthRoot', ['ridge']],
  ['eigenInversePthRoot ridge -1', () => ({ call: () => eigenInversePthRoot([1], 1, 2, -1) }), 'eigenInversePthRoot', ['ridge']],
];

describe('bad input: functions', () => {
  it.each(functionCases)('%s', (_, make, entry, mentions) => {
    const extra: tf.Tensor[] = [];
    const { call, owned } = make(extra);
    expectCleanError(call, entry, mentions, owned ?? []);
    tf.dispose(extra);
  });
});

describe('key order', () => {
  /** Runs three steps and returns every update as plain arrays keyed by path. */
  function trajectory(t: Transform<any>, params: Tree, grads: (k: number) => Tree): Record<string, number[]>[] {
    let state = t.init(params);
    const out: Record<string, number[]>[] = [];
    for (let k = 0; k < 3; k++) {
      const g = grads(k);
      const [u, s] = t.update(g, state, params);
      const flat: Record<string, number[]> = {};
      const visit = (node: unknown, path: string): void => {
        if (node instanceof tf.Tensor) flat[path] = Array.from(node.dataSync());
        else for (const [key, v] of Object.entries(node as object)) visit(v, `${path}/${key}`);
      };
      visit(u, '');
      out.push(flat);
      treeDispose([g, u, state]);
      state = s;
    }
    treeDispose(state);
    return out;
  }

  const leafSpecs: [string, number[]][] = [['w', [4, 3]], ['b', [3]], ['k', [2, 2, 3]], ['a', [3, 2]]];
  const build = (order: [string, number[]][], seed: number): Tree =>
    Object.fromEntries(order.map(([name, shape]) => [name, tf.tensor(gaussian(seed + name.charCodeAt(0), shape.reduce((n, d) => n * d, 1)), shape)]));

  it.each([
    ['scaleByShampoo', () => scaleByShampoo({ grafting: 'adam', blockSize: 2, updateEvery: 2 })],
    ['shampoo', () => shampoo({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, weightDecayMask: { a: false, b: false, k: true, w: true } })],
  ])('%s gives the same updates for params and gradients with keys in reversed insertion order', (_, make) => {
    const reversed = [...leafSpecs].reverse();
    const p1 = build(leafSpecs, 1);
    const p2 = build(reversed, 1);
    const a = trajectory(make(), p1, (k) => build(leafSpecs, 10 * (k + 1)));
    const b = trajectory(make(), p2, (k) => build(reversed, 10 * (k + 1)));
    expect(b).toEqual(a);
    treeDispose([p1, p2]);
  });

  it('pairs a state with gradients by name whatever their key order, nested too', () => {
    const t = scaleByShampoo({ grafting: 'rmsprop' });
    const params = { layer: { w: tf.zeros([3, 2]), b: tf.zeros([2]) }, head: tf.zeros([2, 2]) };
    const state = t.init(params);
    expect(Object.keys(state.leaves).sort()).toEqual(['head', 'layer.b', 'layer.w']);
    const g1 = { layer: { w: tf.ones([3, 2]), b: tf.tensor1d([1, 2]) }, head: tf.eye(2) };
    const g2 = { head: g1.head, layer: { b: g1.layer.b, w: g1.layer.w } };
    const [u1, s1] = t.update(g1, state);
    const [u2, s2] = t.update(g2, state);
    expect(encodeTree(u2)).toEqual(encodeTree(u1));
    expect(encodeTree(s2)).toEqual(encodeTree(s1));
    treeDispose([params, state, g1, u1, u2, s1, s2]);
  });

  it('round-trips a path-keyed state through a checkpoint, including renamed weights', () => {
    const t = shampoo({ learningRate: 0.1, momentum: 0.9 });
    const params = { 'dense_Dense1/kernel': tf.tensor2d(gaussian(1, 6), [3, 2]), 'dense_Dense1/bias': tf.zeros([2]) };
    const state = t.init(params);
    const g = { 'dense_Dense1/kernel': tf.tensor2d(gaussian(2, 6), [3, 2]), 'dense_Dense1/bias': tf.ones([2]) };
    const [u1, s1] = t.update(g, state, params);
    const restored = decodeTree(JSON.parse(JSON.stringify(encodeTree(s1))));
    const [a] = t.update(g, s1, params);
    const [b] = t.update(g, restored, params);
    expect(encodeTree(b)).toEqual(encodeTree(a));
    treeDispose([params, state, g, u1, s1, restored, a, b]);
  });
});
