import { tf, expectClose, expectNoLeak } from '@basin/testing';
import { readScalar, Trainer } from './trainer';
import { sgd } from '../aliases/sgd';
import { adam } from '../aliases/adam';
import { injectHyperparams } from '../combinators/inject-hyperparams';
import { cosineDecay } from '../schedules';
import type { TrainingCheckpoint } from '../checkpoint';
import { treeDispose } from '../tree';
import { expectBasinError, expectIntact, flatParams, leastSquares, snapshot } from '../../test-helpers';

const exact = leastSquares(16, { exact: true });

describe('Trainer', () => {
  it('converges to the known optimum of a noise-free least-squares problem', () => {
    const params = exact.params();
    const batch = exact.batch();
    const trainer = new Trainer({ transform: sgd({ learningRate: 0.5, momentum: 0.8 }), loss: exact.lossFn, params });
    const losses: number[] = [];
    for (let k = 0; k < 200; k++) losses.push(trainer.step(batch));
    expect(trainer.steps).toBe(200);
    expect(losses[199]).toBeLessThan(1e-8);
    expect(losses[199]).toBeLessThan(losses[0] * 1e-6);
    expectClose(flatParams(trainer.params), [...exact.wStar, ...exact.bStar], 1e-4);
    trainer.dispose();
    treeDispose([params, batch]);
  });

  it('copies the initial params, so the caller keeps and may dispose its own', () => {
    const params = exact.params();
    const batch = exact.batch();
    const trainer = new Trainer({ transform: sgd({ learningRate: 0.1 }), loss: exact.lossFn, params });
    const before = flatParams(params);
    treeDispose(params);
    trainer.step(batch);
    expect(flatParams(trainer.params)).not.toEqual(before);
    trainer.dispose();
    treeDispose(batch);
  });

  it('resumes from a JSON checkpoint on exactly the same trajectory (adam with an injected schedule)', () => {
    const batch = exact.batch();
    const make = (seed: number) =>
      new Trainer({
        transform: injectHyperparams(adam, { learningRate: cosineDecay({ init: 0.05, decaySteps: 20 }), b1: 0.8 }),
        loss: exact.lossFn,
        params: exact.params(seed),
      });
    const a = make(50);
    for (let k = 0; k < 6; k++) a.step(batch);
    const saved = JSON.stringify(a.save());
    const straight = Array.from({ length: 6 }, () => a.step(batch));
    const b = make(99); // different initial params, same structure
    b.restore(JSON.parse(saved) as TrainingCheckpoint);
    expect(b.steps).toBe(6);
    const resumed = Array.from({ length: 6 }, () => b.step(batch));
    expect(resumed).toEqual(straight);
    expect(flatParams(b.params)).toEqual(flatParams(a.params));
    expect(b.steps).toBe(12);
    a.dispose();
    b.dispose();
    treeDispose(batch);
  });

  it('on a non-finite loss throws a BasinError and keeps params, state and step count', () => {
    const batch = exact.batch();
    const trainer = new Trainer({ transform: adam({ learningRate: 0.1 }), loss: exact.lossFn, params: exact.params() });
    trainer.step(batch);
    const snap = snapshot([trainer.params, trainer.state]);
    const [paramsRef, stateRef] = [trainer.params, trainer.state];
    const nanBatch = { x: batch.x, y: tf.fill([16, 2], Infinity) as tf.Tensor2D };
    expectBasinError(() => trainer.step(nanBatch), /loss contains NaN or Infinity; params and optimizer state were left unchanged/);
    expect(trainer.params).toBe(paramsRef);
    expect(trainer.state).toBe(stateRef);
    expect(trainer.steps).toBe(1);
    expectIntact(snap);
    trainer.step(batch);
    expect(trainer.steps).toBe(2);
    trainer.dispose();
    treeDispose([batch, nanBatch.y]);
  });

  it('refuses a checkpoint for other params and stays as it was', () => {
    const batch = exact.batch();
    const trainer = new Trainer({ transform: sgd({ learningRate: 0.1 }), loss: exact.lossFn, params: exact.params() });
    trainer.step(batch);
    const other = new Trainer({ transform: sgd({ learningRate: 0.1 }), loss: exact.lossFn, params: { w: tf.zeros([4, 2]), b: tf.zeros([2]) } });
    const snap = snapshot([trainer.params, trainer.state]);
    expectBasinError(() => trainer.restore(other.save()), /^Trainer.restore: checkpoint params does not match model params at 'w': expected shape \[3, 2\], got \[4, 2\]/);
    expectIntact(snap);
    expect(trainer.steps).toBe(1);
    trainer.dispose();
    other.dispose();
    treeDispose(batch);
  });

  it('keeps tf.memory().numTensors flat across steps, saves and restores', () => {
    const batch = exact.batch();
    const trainer = new Trainer({ transform: adam({ learningRate: 0.01 }), loss: exact.lossFn, params: exact.params() });
    expectNoLeak(() => trainer.step(batch));
    expectNoLeak(() => trainer.restore(trainer.save()));
    const before = tf.memory().numTensors;
    trainer.dispose();
    expect(tf.memory().numTensors).toBe(before - 2 - 4); // params w, b and adam's mu, nu for each
    treeDispose(batch);
  });
});

describe('readScalar', () => {
  it('reads and disposes a scalar', () => {
    const s = tf.scalar(2.5);
    expect(readScalar(s)).toBe(2.5);
    expect(s.isDisposed).toBe(true);
  });
});
