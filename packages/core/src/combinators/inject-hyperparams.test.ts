import { expectClose } from '@basin/testing';
import { injectHyperparams, InjectedState, setHyperparam } from './inject-hyperparams';
import { adam, adamw, AdamOptions } from '../aliases/adam';
import { sgd, SgdOptions } from '../aliases/sgd';
import { cosineDecay } from '../schedules';
import { treeDispose } from '../tree';
import { describeContract, expectBasinError, expectIntact, leafValues, makeTree, runTransform, snapshot } from '../../test-helpers';

const grads = (k: number) => makeTree(800 + k);

describe('injectHyperparams', () => {
  it('injected adam gives exactly the updates of plain adam', () => {
    const params = makeTree(1);
    const plain = runTransform(adam({ learningRate: 0.01, b1: 0.8 }), params, grads, 5);
    const injected = runTransform(injectHyperparams(adam, { learningRate: 0.01, b1: 0.8 }), params, grads, 5);
    expect(injected).toEqual(plain);
    treeDispose(params);
  });

  it('injected adamw (with a mask tree and nesterov) equals plain adamw', () => {
    const params = makeTree(1);
    const options = { learningRate: 0.01, weightDecay: 0.1, nesterov: true, mask: { dense: { kernel: true, bias: false }, gain: false } };
    expect(runTransform(injectHyperparams(adamw, options), params, grads, 4)).toEqual(runTransform(adamw(options), params, grads, 4));
    treeDispose(params);
  });

  it('passes staticArgs through: a mask function is not mistaken for a schedule', () => {
    const params = makeTree(1);
    const mask = (p: unknown) => ({ dense: { kernel: true, bias: false }, gain: p !== undefined && false });
    const options = { learningRate: (k: number) => 0.01 / (k + 1), weightDecay: 0.1, mask };
    const injected = injectHyperparams(adamw, options, { staticArgs: ['mask'] });
    expect(runTransform(injected, params, grads, 3)).toEqual(runTransform(adamw(options), params, grads, 3));
    treeDispose(params);
  });

  it('a schedule in an injected value equals the same schedule given to the plain optimizer', () => {
    const params = makeTree(1);
    const schedule = cosineDecay({ init: 0.1, decaySteps: 4, alpha: 0.1 });
    const plain = runTransform(adam({ learningRate: schedule }), params, grads, 6);
    const injected = runTransform(injectHyperparams<AdamOptions>(adam, { learningRate: schedule }), params, grads, 6);
    expect(injected).toEqual(plain);
    treeDispose(params);
  });

  it('stores the current values in the state: schedules are evaluated at the step count', () => {
    const params = makeTree(1);
    const schedule = (k: number) => 0.1 / (k + 1);
    const t = injectHyperparams<SgdOptions>(sgd, { learningRate: schedule, momentum: 0.9 });
    let state = t.init(params);
    expect(state.hyperparams).toEqual({ learningRate: 0.1, momentum: 0.9 });
    for (let k = 0; k < 3; k++) {
      const g = grads(k);
      const [u, s] = t.update(g, state, params);
      expect(s.count).toBe(k + 1);
      expect(s.hyperparams.learningRate).toBeCloseTo(schedule(k), 15);
      treeDispose([g, u, state]);
      state = s;
    }
    treeDispose([params, state]);
  });

  it('setHyperparam changes the following updates', () => {
    const params = makeTree(1);
    const t = injectHyperparams<SgdOptions>(sgd, { learningRate: 0.1 });
    const s0 = t.init(params);
    const g = grads(0);
    const [u1, s1] = t.update(g, s0, params);
    setHyperparam(s1, 'learningRate', 0.01);
    const [u2, s2] = t.update(g, s1, params);
    const gv = leafValues(g);
    expectClose(leafValues(u1)['dense.kernel'], gv['dense.kernel'].map((x) => -0.1 * x), 1e-6);
    expectClose(leafValues(u2)['dense.kernel'], gv['dense.kernel'].map((x) => -0.01 * x), 1e-6);
    expect(s2.hyperparams.learningRate).toBe(0.01);
    treeDispose([params, g, u1, u2, s0, s1, s2]);
  });

  it('setHyperparam on one state does not change another state or a later init', () => {
    const params = makeTree(1);
    const t = injectHyperparams<SgdOptions>(sgd, { learningRate: 0.1 });
    const a = t.init(params);
    const b = t.init(params);
    setHyperparam(a, 'learningRate', 0.5);
    expect(b.hyperparams.learningRate).toBe(0.1);
    const c = t.init(params);
    expect(c.hyperparams.learningRate).toBe(0.1);
    treeDispose([params, a, b, c]);
  });

  it('names an unknown hyperparameter', () => {
    const params = makeTree(1);
    const s = injectHyperparams<SgdOptions>(sgd, { learningRate: 0.1, momentum: 0.9 }).init(params);
    expect(() => setHyperparam(s, 'lr', 1)).toThrow(/setHyperparam: no hyperparameter 'lr' \(injected: learningRate, momentum\)/);
    treeDispose([params, s]);
  });

  it('validates options at construction, and a bad value set later at the next update (state intact)', () => {
    expect(() => injectHyperparams<AdamOptions>(adam, { learningRate: 0.1, b1: 2 })).toThrow(/^injectHyperparams: b1 must be a number >= 0 and < 1, got 2$/);
    expect(() => injectHyperparams<AdamOptions>(adam, { learningRate: () => NaN })).toThrow(/^injectHyperparams: learningRate must be a finite number, got NaN$/);
    const params = makeTree(1);
    const t = injectHyperparams<AdamOptions>(adam, { learningRate: 0.1 });
    const state = t.init(params);
    expectBasinError(() => setHyperparam(state, 'learningRate', Infinity), /setHyperparam: learningRate must be a finite number, got Infinity/);
    expect(state.hyperparams.learningRate).toBe(0.1);
    state.hyperparams.learningRate = Infinity; // written around setHyperparam: caught at the next update
    const g = grads(0);
    const snap = snapshot([state, params, g]);
    expectBasinError(() => t.update(g, state, params), /learningRate must be a finite number, got Infinity/);
    expectIntact(snap);
    expect(state.count).toBe(0);
    treeDispose([params, state, g]);
  });

  it('a schedule that turns bad names the step', () => {
    const params = makeTree(1);
    const t = injectHyperparams<AdamOptions>(adam, { learningRate: (k) => (k >= 2 ? NaN : 0.1) });
    let state: InjectedState = t.init(params);
    for (let k = 0; k < 2; k++) {
      const g = grads(k);
      const [u, s] = t.update(g, state, params);
      treeDispose([g, u, state]);
      state = s;
    }
    const g = grads(2);
    const snap = snapshot([state, params]);
    expectBasinError(() => t.update(g, state, params), /learningRate must be a finite number, got NaN/);
    expectIntact(snap);
    treeDispose([params, state, g]);
  });
});

describeContract('injectHyperparams(adam)', { make: () => injectHyperparams<AdamOptions>(adam, { learningRate: (k) => 0.1 / (k + 1) }), perLeafState: true });
