// Leak checks for every package, runnable on any backend: each case builds a transform (or a
// function call) from a package's public exports and the suite asserts that
// tf.memory().numTensors stays flat across steps. A case whose export does not exist yet
// (package still being written) reports `skip`, so new packages are picked up as they land.
import * as tf from '@tensorflow/tfjs';
import * as core from '@basin/core';
import * as samPkg from '@basin/sam';
import * as mSamPkg from '@basin/m-sam';
import * as saSamPkg from '@basin/sa-sam';
import * as muonPkg from '@basin/muon';
import * as shampooPkg from '@basin/shampoo';
import * as hessianPkg from '@basin/hessian';
import * as curvePkg from '@basin/curve-finding';
import type { GradFn, Transform, Tree } from '@basin/core';

type Fn = (...args: any[]) => any;
type Namespace = Record<string, unknown>;

export const PACKAGES: Record<string, Namespace> = {
  core,
  sam: samPkg,
  'm-sam': mSamPkg,
  'sa-sam': saSamPkg,
  muon: muonPkg,
  shampoo: shampooPkg,
  hessian: hessianPkg,
  'curve-finding': curvePkg,
};

/** An export by name, or undefined while the package does not have it. */
export function exported(pkg: string, name: string): Fn | undefined {
  const value = PACKAGES[pkg]?.[name];
  return typeof value === 'function' ? (value as Fn) : undefined;
}

/** The small problem every leak case runs on: least squares with a 6x4 matrix and a bias. */
export interface LeakProblem {
  params: Record<string, tf.Tensor>;
  batch: { X: tf.Tensor; Y: tf.Tensor };
  loss: (params: Tree, batch: { X: tf.Tensor; Y: tf.Tensor }) => tf.Scalar;
  gradFn: GradFn;
}

export function makeProblem(seed = 7): LeakProblem {
  const rand = core.mulberry32(seed);
  const values = (n: number) => Array.from({ length: n }, () => rand() * 2 - 1);
  const params = { w: tf.tensor2d(values(24), [6, 4]), b: tf.tensor1d(values(4)) };
  const batch = { X: tf.tensor2d(values(72), [12, 6]), Y: tf.tensor2d(values(48), [12, 4]) };
  const loss = (p: Tree, b: { X: tf.Tensor; Y: tf.Tensor }): tf.Scalar => {
    const { w, b: bias } = p as Record<string, tf.Tensor>;
    return tf.tidy(() => tf.mul(0.5, tf.mean(tf.sum(tf.square(tf.sub(tf.add(tf.matMul(b.X as tf.Tensor2D, w as tf.Tensor2D), bias), b.Y)), 1))) as tf.Scalar);
  };
  return { params, batch, loss, gradFn: core.makeGradFn(loss, batch) };
}

export interface LeakCase {
  pkg: string;
  name: string;
  /** Needs float32 (matrix roots, Newton-Schulz, Hessians): skipped on float16 backends. */
  float32?: boolean;
  /** A transform to step with; undefined when the export is missing. */
  transform?: () => Transform<unknown> | undefined;
  /**
   * Or one call of a function that must dispose what it makes; undefined when missing. A
   * `dispose` property on it releases what its setup made (checked after disposal).
   */
  call?: (problem: LeakProblem) => ((() => void) & { dispose?: () => void }) | undefined;
}

const sgd = () => core.sgd({ learningRate: 0.05 });
const adam = () => core.adam({ learningRate: 0.01 });

/** Builds `make(fn)` when `pkg` exports `name`, else undefined (skip). */
const via =
  <T>(pkg: string, name: string, make: (fn: Fn) => T) =>
  (): T | undefined => {
    const fn = exported(pkg, name);
    return fn ? make(fn) : undefined;
  };

export const LEAK_CASES: LeakCase[] = [
  { pkg: 'core', name: 'sgd+nesterov', transform: () => core.sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true }) },
  { pkg: 'core', name: 'adam', transform: adam },
  { pkg: 'core', name: 'adamw', transform: () => core.adamw({ learningRate: 0.01, weightDecay: 1e-2 }) },
  { pkg: 'core', name: 'rmsprop', transform: () => core.rmsprop({ learningRate: 0.01 }) },
  { pkg: 'core', name: 'lion', transform: () => core.lion({ learningRate: 1e-3 }) },
  { pkg: 'core', name: 'clip+adam', transform: () => core.chain(core.clipByGlobalNorm(0.5), adam()) },
  { pkg: 'core', name: 'adam+cosine', transform: () => core.adam({ learningRate: core.cosineDecay({ init: 0.01, decaySteps: 10 }) }) },

  { pkg: 'sam', name: 'sam(sgd)', transform: via('sam', 'sam', (sam) => sam(sgd(), { rho: 0.05 })) },
  { pkg: 'sam', name: 'sam(adam,p=inf)', transform: via('sam', 'sam', (sam) => sam(adam(), { rho: 0.05, p: Infinity })) },
  { pkg: 'sam', name: 'asam(sgd)', transform: via('sam', 'sam', (sam) => sam(sgd(), { rho: 0.5, adaptive: true })) },
  {
    pkg: 'sam',
    name: 'ascentSharpness',
    call: (p) => {
      const fn = exported('sam', 'ascentSharpness');
      return fn && (() => void fn(p.gradFn, p.params, { rho: 0.05 }));
    },
  },

  { pkg: 'm-sam', name: 'mSam(sgd,k=3)', transform: via('m-sam', 'mSam', (mSam) => mSam(sgd(), { rho: 0.05, microbatches: 3 })) },
  { pkg: 'm-sam', name: 'mSam(adam,m=4)', transform: via('m-sam', 'mSam', (mSam) => mSam(adam(), { rho: 0.05, microbatchSize: 4, batchSize: 12 })) },

  { pkg: 'sa-sam', name: 'saSam', transform: via('sa-sam', 'saSam', (saSam) => saSam({ initialLearningRate: 0.05 })) },
  { pkg: 'sa-sam', name: 'saSgd', transform: via('sa-sam', 'saSgd', (saSgd) => saSgd({ initialLearningRate: 0.05 })) },

  { pkg: 'muon', name: 'muon', float32: true, transform: via('muon', 'muon', (muon) => muon({ learningRate: 0.02 })) },
  { pkg: 'muon', name: 'scaleByMuon', float32: true, transform: via('muon', 'scaleByMuon', (f) => core.partition({ muon: f(), other: sgd() }, { w: 'muon', b: 'other' })) },
  {
    pkg: 'muon',
    name: 'newtonSchulz',
    float32: true,
    call: (p) => {
      const fn = exported('muon', 'newtonSchulz');
      return fn && (() => fn(p.params.w).dispose());
    },
  },

  { pkg: 'shampoo', name: 'shampoo', float32: true, transform: via('shampoo', 'shampoo', (shampoo) => shampoo({ learningRate: 0.01 })) },
  {
    pkg: 'shampoo',
    name: 'shampoo(grafted,momentum)',
    float32: true,
    transform: via('shampoo', 'shampoo', (shampoo) => shampoo({ learningRate: 0.01, momentum: 0.9, grafting: 'rmsprop', updateEvery: 2 })),
  },
  {
    pkg: 'shampoo',
    name: 'inversePthRoot',
    float32: true,
    call: (p) => {
      const fn = exported('shampoo', 'inversePthRoot');
      if (!fn) return undefined;
      return () => {
        const gram = tf.tidy(() => tf.matMul(p.params.w, p.params.w, true, false));
        const { root } = fn(gram, 4, {});
        root.dispose();
        gram.dispose();
      };
    },
  },
  {
    pkg: 'hessian',
    name: 'hvp',
    float32: true,
    call: (p) => {
      const hvp = exported('hessian', 'hvp');
      return hvp && (() => core.treeDispose(hvp(p.loss, p.params, p.params, p.batch)));
    },
  },
  {
    pkg: 'hessian',
    name: 'finiteDifferenceHvp',
    float32: true,
    call: (p) => {
      const objective = exported('hessian', 'functionObjective');
      const fd = exported('hessian', 'finiteDifferenceHvp');
      return objective && fd && (() => core.treeDispose(fd(objective(p.loss, p.params, { batch: p.batch }), p.params)));
    },
  },

  {
    pkg: 'curve-finding',
    name: 'bezier curve step (adam)',
    call: (p) => {
      const CurveClass = exported('curve-finding', 'Curve') as unknown as (new (...args: unknown[]) => { init(): Tree; dispose(): void }) | undefined;
      const curveLoss = exported('curve-finding', 'curveLoss');
      if (!CurveClass || !curveLoss) return undefined;
      const end = tf.tidy(() => ({ w: tf.add(p.params.w, 1), b: tf.add(p.params.b, 1) }));
      const curve = new CurveClass(p.params, end, { kind: 'bezier', bends: 1 });
      const opt = adam();
      let params = curve.init();
      let state = opt.init(params);
      const loss = curveLoss(curve, p.loss, { t: 0.3 });
      const run = () => {
        const next = core.step(opt, loss, params, state, p.batch);
        core.treeDispose([params, state, next.loss]);
        params = next.params;
        state = next.state;
      };
      return Object.assign(run, { dispose: () => core.treeDispose([params, state, end, curve.dispose()]) });
    },
  },
];
