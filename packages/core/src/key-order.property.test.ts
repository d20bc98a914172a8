// Property-based tests (fast-check, fixed seed): trees pair leaves by path, never by the order
// their record keys were inserted in. Every public transform of core (aliases, transforms,
// combinators and training wrappers), alone and in random chains, gives bit-identical updates,
// params and state for the same tree built with shuffled record keys (params, gradients and the
// label/mask trees each shuffled independently), leaks no tensor and does not throw on valid
// input. The tree functions and checkpoints keep the same promise. Tolerance is 0 throughout:
// both runs do the same float32 ops in the same order.
import fc from 'fast-check';
import { tf } from '@basin/testing';
import {
  adabelief,
  adadelta,
  adafactor,
  adagrad,
  adam,
  adamax,
  adamaxw,
  adamw,
  addDecayedWeights,
  addNoise,
  amsgrad,
  applyIfFinite,
  averageParams,
  clipByBlockRms,
  ema,
  fromage,
  lamb,
  lars,
  lookahead,
  multiSteps,
  nadam,
  nadamw,
  noisySgd,
  novograd,
  optimisticGradientDescent,
  polyakSgd,
  radam,
  reduceOnPlateau,
  rprop,
  scaleByAdadelta,
  scaleByAdamax,
  scaleByAmsgrad,
  scaleByBelief,
  scaleByFactoredRms,
  scaleByNovograd,
  scaleByOptimisticGradient,
  scaleByParamBlockRms,
  scaleByPolyak,
  scaleByRadam,
  scaleByRprop,
  scaleByRss,
  scaleBySign,
  scaleBySm3,
  scaleByTrustRatio,
  scaleByYogi,
  scheduleFree,
  scheduleFreeAdamw,
  scheduleFreeSgd,
  signSgd,
  sm3,
  yogi,
  zeroNans,
  applyUpdates,
  assertSameStructure,
  BasinError,
  chain,
  clip,
  clipByGlobalNorm,
  cosineDecay,
  exponentialDecay,
  identity,
  injectHyperparams,
  isBasinError,
  linearSchedule,
  lion,
  masked,
  namedChain,
  normalizeByGlobalNorm,
  partition,
  rmsprop,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  scaleByLion,
  scaleByRms,
  scaleBySchedule,
  setToZero,
  sgd,
  trace,
  Trainer,
  Transform,
  Tree,
  treeAdd,
  treeDispose,
  treeDot,
  treeFlatten,
  treeFromVector,
  treeLeaves,
  treeMap,
  treeMapWithPath,
  TreeOf,
  treeToVector,
  treeUnflatten,
} from './index';
import {
  bitsByPath,
  bitsOf,
  canonicalData,
  hashPath,
  keyOrders,
  labelTree,
  PROPERTY_SEED,
  specLeafCount,
  denseTreeSpecArb,
  specPaths,
  TreeSpec,
  treeSpecArb,
  tensorTree,
} from '../test-helpers/random-trees';

const RUNS = { kinds: 3, chains: 30, trees: 40, checkpoints: 15 };
const params = (numRuns: number) => ({ seed: PROPERTY_SEED, numRuns, endOnFailure: true });

/** The label and mask trees a transform may be built with (shaped like the params). */
interface Ctx {
  mask: TreeOf<boolean>;
  mask2: TreeOf<boolean>;
  labels: TreeOf<string>;
}
type Make = (ctx: Ctx) => Transform<any>;

/** A path-based mask function: gives the same mask for any key order. */
const maskFn = (p: Tree) => treeMapWithPath((_, path) => hashPath(path, 7) % 2 === 0, p);

// Transforms built without label trees (usable inside partition branches and masked, which see
// flat records keyed by path).
const plain: Record<string, () => Transform<any>> = {
  sgd: () => sgd({ learningRate: 0.05 }),
  'sgd(momentum)': () => sgd({ learningRate: 0.05, momentum: 0.9 }),
  'sgd(nesterov)': () => sgd({ learningRate: 0.05, momentum: 0.8, nesterov: true }),
  adam: () => adam({ learningRate: 0.01 }),
  'adam(nesterov, epsRoot, schedule)': () =>
    adam({ learningRate: exponentialDecay({ init: 0.01, transitionSteps: 2, decayRate: 0.5 }), nesterov: true, epsRoot: 1e-8 }),
  adamw: () => adamw({ learningRate: 0.01, weightDecay: 0.1 }),
  'adamw(mask fn)': () => adamw({ learningRate: 0.01, weightDecay: 0.1, mask: maskFn }),
  rmsprop: () => rmsprop({ learningRate: 0.01 }),
  'rmsprop(centered, momentum)': () => rmsprop({ learningRate: 0.01, centered: true, momentum: 0.9 }),
  'rmsprop(nesterov, biasCorrection, eps outside sqrt)': () =>
    rmsprop({ learningRate: 0.01, momentum: 0.5, nesterov: true, biasCorrection: true, epsInSqrt: false, initialScale: 0.1 }),
  lion: () => lion({ learningRate: 0.001 }),
  scaleByAdam: () => scaleByAdam(),
  'scaleByAdam(nesterov)': () => scaleByAdam({ b1: 0.5, b2: 0.9, nesterov: true }),
  scaleByRms: () => scaleByRms(),
  'scaleByRms(centered)': () => scaleByRms({ centered: true, initialScale: 0.1 }),
  scaleByLion: () => scaleByLion({ b1: 0.8 }),
  trace: () => trace({ decay: 0.9 }),
  'trace(nesterov)': () => trace({ decay: 0.7, nesterov: true }),
  scale: () => scale(-0.5),
  scaleBySchedule: () => scaleBySchedule(cosineDecay({ init: 1, decaySteps: 3 })),
  scaleByLearningRate: () => scaleByLearningRate(0.1),
  'scaleByLearningRate(schedule, no flip)': () => scaleByLearningRate(linearSchedule({ init: 0.2, end: 0.05, transitionSteps: 2 }), { flipSign: false }),
  addDecayedWeights: () => addDecayedWeights({ weightDecay: 0.01 }),
  clip: () => clip(0.3),
  clipByGlobalNorm: () => clipByGlobalNorm(0.5),
  normalizeByGlobalNorm: () => normalizeByGlobalNorm({ eps: 1e-6 }),
  identity: () => identity(),
  setToZero: () => setToZero(),
  'injectHyperparams(adam)': () => injectHyperparams(adam, { learningRate: (n: number) => 0.01 / (1 + n), b1: 0.8 }),
  // The catalogue (issue 14): optax's other aliases and transforms. polyakSgd, scaleByPolyak and
  // reduceOnPlateau read extras.loss (see `trajectory`); noisySgd and addNoise draw their noise
  // from (seed, step, leaf path), so it must not depend on the key order either.
  adagrad: () => adagrad({ learningRate: 0.05 }),
  'adadelta(weightDecay)': () => adadelta({ weightDecay: 0.01 }),
  'adamax(decay)': () => adamax({ learningRate: 0.01, decay: 0.1 }),
  adamaxw: () => adamaxw({ learningRate: 0.01, weightDecay: 0.05 }),
  'radam(nesterov)': () => radam({ learningRate: 0.01, nesterov: true, threshold: 4 }),
  rprop: () => rprop({ learningRate: 0.01 }),
  nadam: () => nadam({ learningRate: 0.01 }),
  nadamw: () => nadamw({ learningRate: 0.01, weightDecay: 0.05 }),
  amsgrad: () => amsgrad({ learningRate: 0.01 }),
  'adabelief(nesterov)': () => adabelief({ learningRate: 0.01, nesterov: true }),
  yogi: () => yogi({ learningRate: 0.01 }),
  'novograd(weightDecay)': () => novograd({ learningRate: 0.01, weightDecay: 0.01 }),
  lamb: () => lamb({ learningRate: 0.01, weightDecay: 0.01 }),
  'lars(nesterov)': () => lars({ learningRate: 0.1, nesterov: true }),
  'adafactor(factored, momentum, weight decay)': () => adafactor({ learningRate: 0.01, minDimSizeToFactor: 2, momentum: 0.9, weightDecayRate: 0.01 }),
  'adafactor(unfactored, no learning rate)': () => adafactor({ factored: false, clippingThreshold: 0.5 }),
  sm3: () => sm3({ learningRate: 0.1 }),
  fromage: () => fromage({ learningRate: 0.01 }),
  signSgd: () => signSgd({ learningRate: 0.01 }),
  noisySgd: () => noisySgd({ learningRate: 0.01, eta: 0.1, seed: 7 }),
  polyakSgd: () => polyakSgd({ maxLearningRate: 0.1 }),
  optimisticGradientDescent: () => optimisticGradientDescent({ learningRate: 0.01, alpha: 1, beta: 0.5 }),
  'scaleByRss(eps outside sqrt)': () => scaleByRss({ epsInSqrt: false }),
  'scaleByAdadelta(stale average)': () => scaleByAdadelta({ staleGradAverage: true }),
  scaleByAdamax: () => scaleByAdamax(),
  scaleByRadam: () => scaleByRadam({ threshold: 4 }),
  scaleByRprop: () => scaleByRprop({ learningRate: 0.01 }),
  'scaleByAmsgrad(no bias correction)': () => scaleByAmsgrad({ biasCorrectionMu: false }),
  scaleByBelief: () => scaleByBelief(),
  scaleByYogi: () => scaleByYogi(),
  'scaleByNovograd(weightDecay)': () => scaleByNovograd({ weightDecay: 0.01 }),
  'scaleByTrustRatio(lars)': () => scaleByTrustRatio({ trustCoefficient: 0.001, eps: 1e-3 }),
  'scaleByTrustRatio(minNorm)': () => scaleByTrustRatio({ minNorm: 0.5 }),
  'scaleByFactoredRms(factored)': () => scaleByFactoredRms({ minDimSizeToFactor: 2 }),
  scaleBySm3: () => scaleBySm3(),
  scaleBySign: () => scaleBySign(),
  addNoise: () => addNoise({ eta: 0.1, seed: 3 }),
  scaleByPolyak: () => scaleByPolyak({ maxLearningRate: 0.5 }),
  'scaleByOptimisticGradient(schedules)': () => scaleByOptimisticGradient({ alpha: (n: number) => 1 / (1 + n), beta: 0.5 }),
  clipByBlockRms: () => clipByBlockRms(0.3),
  scaleByParamBlockRms: () => scaleByParamBlockRms({ minScale: 0.01 }),
  // Training wrappers that take no inner transform (those that do are combinators below).
  ema: () => ema({ decay: 0.9 }),
  'ema(no debias)': () => ema({ decay: 0.5, debias: false }),
  zeroNans: () => zeroNans(),
  reduceOnPlateau: () => reduceOnPlateau({ patience: 0, factor: 0.5 }),
  scheduleFreeSgd: () => scheduleFreeSgd({ learningRate: 0.1, warmupSteps: 2, weightDecay: 0.01 }),
  scheduleFreeAdamw: () => scheduleFreeAdamw({ weightDecay: 0.01 }),
};
const plainNames = Object.keys(plain);

// Transforms that take a label or mask tree shaped like the params.
const withTrees: Record<string, Make> = {
  'adamw(mask tree)': (c) => adamw({ learningRate: 0.01, weightDecay: 0.1, mask: c.mask }),
  'lion(mask tree)': (c) => lion({ learningRate: 0.001, weightDecay: 0.01, mask: c.mask }),
  'addDecayedWeights(mask tree)': (c) => addDecayedWeights({ weightDecay: 0.02, mask: c.mask2 }),
  'injectHyperparams(adamw, mask tree)': (c) =>
    injectHyperparams(adamw, { learningRate: 0.01, weightDecay: 0.05, mask: c.mask }, { staticArgs: ['mask'] }),
};

// Combinators, around transforms picked by index from `plain`.
const combinators: Record<string, (c: Ctx, a: () => Transform<any>, b: () => Transform<any>) => Transform<any>> = {
  'masked(tree)': (c, a) => masked(a(), c.mask2),
  'masked(fn)': (_, a) => masked(a(), maskFn),
  partition: (c, a, b) => partition({ x: a(), y: b() }, c.labels),
  namedChain: (_, a, b) => namedChain(['first', a()], ['second', b()]),
  chain: (_, a, b) => chain(a(), b()),
  // Training wrappers around an inner transform.
  multiSteps: (_, a) => multiSteps(a(), { everyKSteps: 2 }),
  'multiSteps(sum, schedule)': (_, a) => multiSteps(a(), { everyKSteps: (n: number) => 1 + (n % 2), useGradMean: false }),
  lookahead: (_, a) => lookahead(a(), { syncPeriod: 2, slowStepSize: 0.5 }),
  'lookahead(reset state)': (_, a) => lookahead(a(), { syncPeriod: 1, slowStepSize: 0.3, resetState: true }),
  averageParams: (_, a) => averageParams(a()),
  'averageParams(ema, start, every)': (_, a) => averageParams(a(), { decay: 0.9, start: 1, every: 2 }),
  applyIfFinite: (_, a) => applyIfFinite(a(), { maxConsecutiveErrors: 1 }),
  scheduleFree: (_, a) => scheduleFree(a(), { learningRate: 0.05 }),
};

/** One element of a random chain: a kind and (for combinators) the indices of its inner transforms. */
interface Piece {
  kind: string;
  a: number;
  b: number;
}
const allKinds = [...plainNames, ...Object.keys(withTrees), ...Object.keys(combinators)];

function makePiece(p: Piece, c: Ctx): Transform<any> {
  if (p.kind in plain) return plain[p.kind]();
  if (p.kind in withTrees) return withTrees[p.kind](c);
  const a = plain[plainNames[p.a % plainNames.length]];
  const b = plain[plainNames[p.b % plainNames.length]];
  return combinators[p.kind](c, a, b);
}

function makeChain(pieces: Piece[], c: Ctx): Transform<any> {
  return pieces.length === 1 ? makePiece(pieces[0], c) : chain(...pieces.map((p) => makePiece(p, c)));
}

/** Seeds for the key orders of one run; undefined means canonical (sorted) order. */
interface Orders {
  params?: number;
  grads: (k: number) => number | undefined;
  mask?: number;
  mask2?: number;
  labels?: number;
}
const canonical: Orders = { grads: () => undefined };

function ctxFor(spec: TreeSpec, o: Orders): Ctx {
  return {
    mask: labelTree(spec, 11, [true, false, true], o.mask),
    mask2: labelTree(spec, 12, [false, true], o.mask2),
    labels: labelTree(spec, 13, ['x', 'y'], o.labels),
  };
}

interface Trajectory {
  updates: Record<string, unknown>[];
  params: Record<string, unknown>;
  state: unknown;
  keyOrders: string[][];
}

/**
 * A loss to pass as `extras.loss` (polyakSgd, scaleByPolyak and reduceOnPlateau read it; the
 * others ignore it): `1 + sum of squares` of the params, summed leaf by leaf in canonical order,
 * so it has the same bits for any key order.
 */
const lossOf = (p: Tree): tf.Scalar =>
  tf.tidy(() => tf.addN([tf.scalar(1), ...treeLeaves(p).map((e) => tf.sum(tf.square(e.leaf)))]) as tf.Scalar);

/** init, then `steps` updates as a caller would run them (params moved by applyUpdates, the loss in extras). */
function trajectory(build: (c: Ctx) => Transform<any>, spec: TreeSpec, o: Orders, steps: number): Trajectory {
  const t = build(ctxFor(spec, o));
  let p = tensorTree(spec, 1, o.params);
  const orders = keyOrders(p);
  let state = t.init(p);
  const updates: Record<string, unknown>[] = [];
  for (let k = 0; k < steps; k++) {
    const g = tensorTree(spec, 100 + k, o.grads(k));
    const loss = lossOf(p);
    const [u, next] = t.update(g, state, p, { loss });
    updates.push(bitsByPath(u));
    const moved = applyUpdates(p, u);
    treeDispose([g, u, p, state, loss]);
    p = moved;
    state = next;
  }
  const result = { updates, params: bitsByPath(p), state: canonicalData(state), keyOrders: orders };
  treeDispose([p, state]);
  return result;
}

const orderSeedsArb = fc.record({
  params: fc.nat(),
  grads: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
  mask: fc.nat(),
  mask2: fc.nat(),
  labels: fc.nat(),
});

function shuffled(seeds: { params: number; grads: number[]; mask: number; mask2: number; labels: number }): Orders {
  return { ...seeds, grads: (k) => seeds.grads[k] };
}

/** The same run with canonical and with shuffled key orders: equal bits per path, no leak. */
function expectOrderIndependent(build: (c: Ctx) => Transform<any>, spec: TreeSpec, seeds: Parameters<typeof shuffled>[0]): void {
  const before = tf.memory().numTensors;
  const a = trajectory(build, spec, canonical, 3);
  const b = trajectory(build, spec, shuffled(seeds), 3);
  expect(tf.memory().numTensors).toBe(before);
  expect(b.updates).toEqual(a.updates);
  expect(b.params).toEqual(a.params);
  expect(b.state).toEqual(a.state);
}

let propertyCount = 0;
let runCount = 0;
/** fc.assert with the suite's seed, counting properties and runs for the summary. */
function check<T>(arb: fc.Arbitrary<T>, predicate: (value: T) => void, numRuns: number): void {
  propertyCount += 1;
  runCount += numRuns;
  fc.assert(fc.property(arb, predicate), params(numRuns));
}

const pieceArb = (kinds: string[]) => fc.record({ kind: fc.constantFrom(...kinds), a: fc.nat(), b: fc.nat() });

describe('key order: every public transform of core', () => {
  it.each(allKinds)('%s gives the same updates, params and state for shuffled record keys', (kind) => {
    check(
      fc.tuple(treeSpecArb, orderSeedsArb, fc.nat(), fc.nat()),
      ([spec, seeds, a, b]) => expectOrderIndependent((c) => makePiece({ kind, a, b }, c), spec, seeds),
      RUNS.kinds,
    );
  });

  it('random chains of them give the same results for shuffled record keys, without leaks or throws', () => {
    check(
      fc.tuple(treeSpecArb, orderSeedsArb, fc.array(pieceArb(allKinds), { minLength: 1, maxLength: 4 })),
      ([spec, seeds, pieces]) => expectOrderIndependent((c) => makeChain(pieces, c), spec, seeds),
      RUNS.chains,
    );
  });

  it('shuffling really changes the insertion order (the generator is not vacuous)', () => {
    let differs = 0;
    const samples = fc.sample(fc.tuple(treeSpecArb, fc.nat()), { seed: PROPERTY_SEED, numRuns: 50 });
    for (const [spec, seed] of samples) {
      const a = tensorTree(spec, 1);
      const b = tensorTree(spec, 1, seed);
      if (JSON.stringify(keyOrders(a)) !== JSON.stringify(keyOrders(b))) differs += 1;
      treeDispose([a, b]);
    }
    expect(differs).toBeGreaterThan(15);
  });
});

describe('key order: tree functions', () => {
  const treeArb = fc.tuple(treeSpecArb, fc.nat(), fc.nat(), fc.nat());

  it('treeLeaves lists the same paths, in sorted order, whatever the insertion order', () => {
    check(treeArb, ([spec, s1]) => {
      const a = tensorTree(spec, 1);
      const b = tensorTree(spec, 1, s1);
      expect(treeLeaves(b).map((e) => e.path)).toEqual(specPaths(spec).map((e) => e.path));
      expect(bitsByPath(b)).toEqual(bitsByPath(a));
      treeDispose([a, b]);
    }, RUNS.trees);
  });

  it('treeMap and treeAdd pair leaves by path; the result has the first tree’s key order', () => {
    check(treeArb, ([spec, s1, s2]) => {
      const before = tf.memory().numTensors;
      const x = tensorTree(spec, 1);
      const y = tensorTree(spec, 2);
      const xs = tensorTree(spec, 1, s1);
      const ys = tensorTree(spec, 2, s2);
      const f = (u: tf.Tensor, v: tf.Tensor) => tf.tidy(() => tf.sub(tf.mul(u, 3), v));
      const m1 = treeMap(f, x, y);
      const m2 = treeMap(f, xs, ys);
      const m3 = treeMap(f, x, ys);
      expect(bitsByPath(m2)).toEqual(bitsByPath(m1));
      expect(bitsByPath(m3)).toEqual(bitsByPath(m1));
      expect(keyOrders(m2)).toEqual(keyOrders(xs));
      const a1 = treeAdd(x, y);
      const a2 = treeAdd(ys, xs);
      expect(bitsByPath(a2)).toEqual(bitsByPath(a1));
      treeDispose([x, y, xs, ys, m1, m2, m3, a1, a2]);
      expect(tf.memory().numTensors).toBe(before);
    }, RUNS.trees);
  });

  it('treeDot and treeToVector give the same bits; treeFromVector fills leaves by path', () => {
    check(treeArb, ([spec, s1, s2]) => {
      const before = tf.memory().numTensors;
      const x = tensorTree(spec, 1);
      const y = tensorTree(spec, 2);
      const xs = tensorTree(spec, 1, s1);
      const ys = tensorTree(spec, 2, s2);
      const d1 = treeDot(x, y);
      const d2 = treeDot(xs, ys);
      expect(bitsOf(d2)).toEqual(bitsOf(d1));
      const v1 = treeToVector(x);
      const v2 = treeToVector(xs);
      expect(bitsOf(v2)).toEqual(bitsOf(v1));
      const back = treeFromVector(v1, ys);
      expect(bitsByPath(back)).toEqual(bitsByPath(x));
      expect(keyOrders(back)).toEqual(keyOrders(ys));
      treeDispose([x, y, xs, ys, d1, d2, v1, v2, back]);
      expect(tf.memory().numTensors).toBe(before);
    }, RUNS.trees);
  });

  it('treeUnflatten into a tree of another key order puts each leaf back at its path', () => {
    check(treeArb, ([spec, s1]) => {
      const x = tensorTree(spec, 1);
      const like = tensorTree(spec, 5, s1);
      const back = treeUnflatten(like, treeFlatten(x)) as Tree;
      expect(bitsByPath(back)).toEqual(bitsByPath(x));
      treeDispose([x, like]);
    }, RUNS.trees);
  });

  it('assertSameStructure accepts any key order and names the path of a missing, extra or reshaped leaf', () => {
    const withLeaf = fc.tuple(treeSpecArb, fc.nat(), fc.nat(), fc.constantFrom('missing', 'extra', 'shape' as const)).filter(([spec]) => specLeafCount(spec) > 0 && spec.kind === 'record');
    check(withLeaf, ([spec, s1, pick, change]) => {
      const a = tensorTree(spec, 1);
      const b = tensorTree(spec, 2, s1);
      expect(() => assertSameStructure(a, b)).not.toThrow();
      expect(() => assertSameStructure(b, a)).not.toThrow();
      // Change b: drop or add a root key, or reshape one leaf found by its path; the error
      // must name where.
      const made = treeFlatten(b);
      const root = b as Record<string, unknown>;
      const rootKeys = Object.keys(root);
      let expected: RegExp;
      if (change === 'missing') {
        const key = rootKeys[pick % rootKeys.length];
        delete root[key];
        expected = new RegExp(`at <root>: missing \\{${escape(key)}\\}$`);
      } else if (change === 'extra') {
        root['zz_extra'] = tf.zeros([1]);
        made.push(root['zz_extra'] as tf.Tensor);
        expected = /at <root>: unexpected \{zz_extra\}$/;
      } else {
        const leaves = specPaths(spec);
        const target = leaves[pick % leaves.length].path;
        const { parent, key } = locate(b, target);
        parent[key] = tf.zeros([...(parent[key] as tf.Tensor).shape, 2]);
        made.push(parent[key] as tf.Tensor);
        expected = new RegExp(`at '${escape(target)}': expected shape \\[`);
      }
      let error: unknown;
      try {
        assertSameStructure(a, b);
      } catch (e) {
        error = e;
      }
      expect(isBasinError(error)).toBe(true);
      expect(error).toBeInstanceOf(BasinError);
      expect((error as Error).message).toMatch(expected);
      treeDispose([a, made]);
    }, RUNS.trees);
  });
});

/** The parent container and key of the leaf at `path` (parents are records or arrays). */
function locate(tree: Tree, path: string): { parent: Record<string, unknown>; key: string } {
  for (const { path: p, leaf } of treeLeaves(tree)) {
    if (p !== path) continue;
    const find = (node: unknown): { parent: Record<string, unknown>; key: string } | undefined => {
      if (node === null || typeof node !== 'object' || node instanceof tf.Tensor) return undefined;
      for (const [k, v] of Object.entries(node)) {
        if (v === leaf) return { parent: node as Record<string, unknown>, key: k };
        const inner = find(v);
        if (inner) return inner;
      }
      return undefined;
    };
    const found = find(tree);
    if (found) return found;
  }
  throw new Error(`no leaf at ${path}`);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('key order: checkpoints', () => {
  /** A loss pairing params and targets by path (treeLeaves order), with a per-leaf weight. */
  const loss = (p: Tree, batch: Tree): tf.Scalar =>
    tf.tidy(() => {
      const lp = treeLeaves(p);
      const lb = treeLeaves(batch);
      const terms = lp.map((e, i) => tf.mul(tf.sum(tf.square(tf.sub(e.leaf, lb[i].leaf))), 0.5 + (hashPath(e.path) % 7) / 7));
      return tf.addN(terms) as tf.Scalar;
    });
  const checkpointKinds = allKinds.filter((k) => !k.includes('fn'));

  it('restoring into a trainer whose params were built in another key order continues the uninterrupted run exactly', () => {
    check(
      fc.tuple(
        denseTreeSpecArb.filter((s) => specLeafCount(s) > 0),
        orderSeedsArb,
        fc.array(pieceArb(checkpointKinds), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
      ),
      ([spec, seeds, pieces, n1, batchOrder]) => {
        const n2 = 2;
        const before = tf.memory().numTensors;
        const o = shuffled(seeds);
        const batch = (k: number, order?: number) => tensorTree(spec, 200 + k, order);
        const run = (t: Trainer<Tree>, from: number, to: number, order?: (k: number) => number | undefined) => {
          const losses: string[] = [];
          for (let k = from; k < to; k++) {
            const b = batch(k, order?.(k));
            losses.push(String(t.step(b)));
            treeDispose(b);
          }
          return losses;
        };
        const make = (orders: Orders, seed: number) => {
          const p = tensorTree(spec, seed, orders.params);
          const t = new Trainer<Tree>({ transform: makeChain(pieces, ctxFor(spec, orders)), loss, params: p });
          treeDispose(p);
          return t;
        };
        // Uninterrupted, canonical order.
        const straight = make(canonical, 1);
        const straightLosses = run(straight, 0, n1 + n2);
        // Interrupted: canonical order up to n1, saved as JSON, restored into a trainer built in
        // another key order (other initial values too), continued on shuffled batches.
        const first = make(canonical, 1);
        run(first, 0, n1);
        const saved = JSON.parse(JSON.stringify(first.save()));
        first.dispose();
        const second = make(o, 9);
        second.restore(saved);
        expect(second.steps).toBe(n1);
        const resumedLosses = run(second, n1, n1 + n2, (k) => (batchOrder + k) * 7919);
        expect(resumedLosses).toEqual(straightLosses.slice(n1));
        expect(bitsByPath(second.params)).toEqual(bitsByPath(straight.params));
        expect(canonicalData(second.state)).toEqual(canonicalData(straight.state));
        straight.dispose();
        second.dispose();
        expect(tf.memory().numTensors).toBe(before);
      },
      RUNS.checkpoints,
    );
  });
});

describe('zero-size leaves', () => {
  // Found by the properties above: TF.js's tf.all of an empty tensor is false, so the finite
  // check of step/Trainer.step used to refuse a params tree with a zero-size leaf.
  it('Trainer.step accepts params with a zero-size leaf', () => {
    const params = { w: tf.ones([2]), e: tf.zeros([0, 3]) };
    const trainer = new Trainer<Tree>({ transform: sgd({ learningRate: 0.1 }), loss: (p) => tf.sum(tf.square((p as { w: tf.Tensor }).w)), params });
    try {
      expect(() => trainer.step({})).not.toThrow();
    } finally {
      trainer.dispose();
      treeDispose(params);
    }
  });
});

describe('summary', () => {
  it('reports the number of properties and runs', () => {
    console.log(`key-order properties: ${propertyCount} properties, ${runCount} runs (seed ${PROPERTY_SEED})`);
    expect(propertyCount).toBe(allKinds.length + 7);
  });
});
