// Replays PyTorch 1.13 float64 trajectories (packages/core/fixtures/torch-trajectories.json, made
// by tools/fixtures/torch_reference.py) through Basin's aliases with the options each case's
// `hyper.basin` maps torch's arguments to, on the least-squares problem of the shared fixtures.
import * as fs from 'fs';
import * as path from 'path';
import { tf, relativeError } from '@basin/testing';
import { adagrad } from './adagrad';
import { adadelta } from './adadelta';
import { adamax } from './adamax';
import { radam } from './radam';
import { rprop } from './rprop';
import { sgd } from './sgd';
import { averageParams, averagedParams } from '../wrappers/average-params';
import { applyUpdates } from '../transforms/apply-updates';
import type { Transform } from '../transform';
import { Tree, treeDispose } from '../tree';
import { leafValues } from '../../test-helpers';

type Nested = number | Nested[];
interface BasinEntry {
  alias: string;
  options: Record<string, unknown>;
  /** torch's lr_decay: the learning rate of step t (from 0) is init / (1 + decay * t). */
  learningRate?: { inverseTime: { init: number; decay: number } };
  average?: string;
}
interface TorchCase {
  name: string;
  source: string;
  hyper: Record<string, unknown> & { basin: BasinEntry };
  problem: { kind: string; X: number[][]; Y: number[][]; params: Record<string, Nested> };
  trajectory: Record<string, Nested>[];
  ax?: Record<string, Nested>[];
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/torch-trajectories.json'), 'utf8')) as { tag: string; seed: number; cases: TorchCase[] };

const aliases: Record<string, (options: any) => Transform<any>> = { adagrad, adadelta, adamax, radam, rprop, sgd };

function basinTransform({ alias, options, learningRate }: BasinEntry): Transform<any> {
  const lr = learningRate ? (t: number) => learningRate.inverseTime.init / (1 + learningRate.inverseTime.decay * t) : undefined;
  return aliases[alias](lr ? { ...options, learningRate: lr } : options);
}

const flat = (x: Nested): number[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
const toTensor = (x: Nested): tf.Tensor => {
  const shape: number[] = [];
  for (let a: Nested = x; Array.isArray(a); a = a[0]) shape.push(a.length);
  return tf.tensor(flat(x), shape, 'float32');
};

/** Largest per-step, per-leaf relative error of Basin's params against the trajectory. */
function replay(c: TorchCase): number[] {
  expect(c.problem.kind).toBe('least_squares');
  const X = toTensor(c.problem.X) as tf.Tensor2D;
  const Y = toTensor(c.problem.Y) as tf.Tensor2D;
  const rows = X.shape[0];
  // Gradient of 0.5 * mean_rows(sum_cols((X w + b - Y)^2)): X^T r / rows and sum_rows(r) / rows.
  const gradient = (p: Tree): Tree =>
    tf.tidy(() => {
      const { w, b } = p as { w: tf.Tensor2D; b: tf.Tensor1D };
      const r = tf.sub(tf.add(tf.matMul(X, w), b), Y);
      return { w: tf.div(tf.matMul(X, r, true, false), rows), b: tf.div(tf.sum(r, 0), rows) };
    }) as unknown as Tree;
  const transform = basinTransform(c.hyper.basin);
  let params: Tree = Object.fromEntries(Object.entries(c.problem.params).map(([k, v]) => [k, toTensor(v)]));
  let state = transform.init(params);
  const errors = c.trajectory.map((expected) => {
    const g = gradient(params);
    const [u, s] = transform.update(g, state, params);
    const next = applyUpdates(params, u);
    treeDispose([g, u, state, params]);
    [state, params] = [s, next];
    const ours = leafValues(params);
    return Math.max(...Object.entries(expected).map(([k, v]) => relativeError(ours[k], flat(v))));
  });
  treeDispose([params, state, X, Y]);
  return errors;
}

describe('PyTorch 1.13 float64 trajectories (fixtures/torch-trajectories.json)', () => {
  it('holds the cases this file replays, in the shared fixture format', () => {
    expect(fixture.cases.map((c) => c.name)).toEqual(['adagrad', 'adagrad_lr_decay', 'adagrad_large_eps', 'adadelta', 'adadelta_weight_decay', 'adamax', 'adamax_large_eps', 'radam', 'rprop', 'asgd']);
    for (const c of fixture.cases) {
      expect(c.source).toBe('torch 1.13 float64');
      expect(c.trajectory).toHaveLength(12);
      expect(Object.keys(c.trajectory[0]).sort()).toEqual(Object.keys(c.problem.params).sort());
    }
  });

  it.each(fixture.cases.filter((c) => c.name !== 'asgd').map((c) => [c.name, c] as const))(
    '%s: every step within 1e-4 relative error (float32 against float64)',
    (_, c) => {
      const errors = replay(c);
      expect(errors).toHaveLength(12);
      for (const e of errors) expect(e).toBeLessThanOrEqual(1e-4);
    },
  );

  it('asgd (plain averaging, lambd 0): the params follow sgd; the average ax is recorded for the averaging transform', () => {
    const c = fixture.cases.find((x) => x.name === 'asgd') as TorchCase;
    expect(c.hyper).toMatchObject({ lambd: 0, t0: 0 });
    expect(c.ax).toHaveLength(12);
    for (const e of replay(c)) expect(e).toBeLessThanOrEqual(1e-4);
  });
});

describe('torch.optim.ASGD averaging against averageParams', () => {
  // torch 1.13 ASGD with lambd 0 and t0 0: ax after step k (k >= 2) is the mean of the params
  // after steps 2..k (mu is 1 on steps 1 and 2, then 1 / (step - 1)). The same average is
  // averageParams(sgd, { start: 2 }): the params after step n join from n = 2.
  it('averagedParams(state) equals torch ASGD ax after every step from 2 on, within 1e-4 relative', () => {
    const c = fixture.cases.find((x) => x.name === 'asgd') as TorchCase;
    const X = toTensor(c.problem.X) as tf.Tensor2D;
    const Y = toTensor(c.problem.Y) as tf.Tensor2D;
    const rows = X.shape[0];
    const gradient = (p: Tree): Tree =>
      tf.tidy(() => {
        const { w, b } = p as { w: tf.Tensor2D; b: tf.Tensor1D };
        const r = tf.sub(tf.add(tf.matMul(X, w), b), Y);
        return { w: tf.div(tf.matMul(X, r, true, false), rows), b: tf.div(tf.sum(r, 0), rows) };
      }) as unknown as Tree;
    const opt = averageParams(sgd({ learningRate: 0.1 }), { start: 2 });
    let params: Tree = { w: toTensor(c.problem.params.w), b: toTensor(c.problem.params.b) };
    let state = opt.init(params);
    const before = tf.memory().numTensors;
    for (let k = 1; k <= 12; k++) {
      const g = gradient(params);
      const [u, next] = opt.update(g, state, params);
      const p = applyUpdates(params, u);
      treeDispose([g, u, params, state]);
      params = p;
      state = next;
      if (k >= 2) {
        const avg = averagedParams(state);
        const ours = leafValues(avg);
        for (const key of ['w', 'b']) expect(relativeError(ours[key], flat(c.ax![k - 1][key]))).toBeLessThanOrEqual(1e-4);
        treeDispose(avg);
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    treeDispose([params, state, X, Y]);
  });
});
