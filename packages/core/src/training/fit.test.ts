import { tf } from '@basin/testing';
import { BasinError } from '../errors';
import { sgd } from '../aliases/sgd';
import { ModelTrainer } from './model-trainer';
import type { FitBatchInfo, FitEpochInfo, FitOptions } from './fit';
import { seeded } from '../../test-helpers';

// ModelTrainer.fit's progress callbacks (the loop is fitEpochs, shared with ModelCurveTrainer.fit).

const N = 10;
function setup() {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [3] })] });
  model.setWeights([tf.tensor2d(seeded(1, 3, 0.5), [3, 1]), tf.tensor1d([0.1])]);
  const trainer = new ModelTrainer(model, { transform: sgd({ learningRate: 0.05 }), loss: 'meanSquaredError' });
  const x = tf.tensor2d(seeded(2, N * 3), [N, 3]);
  const y = tf.tensor2d(seeded(3, N), [N, 1]);
  const dispose = () => {
    trainer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  };
  return { trainer, x, y, dispose };
}

/** Awaits a fit expected to fail; returns its error after checking it is a BasinError. */
async function fitError(run: () => Promise<unknown>, pattern: RegExp): Promise<BasinError> {
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(BasinError);
  expect((error as Error).message).toMatch(pattern);
  return error as BasinError;
}

describe('ModelTrainer.fit progress callbacks', () => {
  it('onBatchEnd runs epochs * batches times and onEpochEnd epochs times, with the documented fields', async () => {
    const { trainer, x, y, dispose } = setup();
    const batches: FitBatchInfo[] = [];
    const epochs: FitEpochInfo[] = [];
    const history = await trainer.fit(x, y, { epochs: 3, batchSize: 4, onBatchEnd: (info) => batches.push(info), onEpochEnd: (info) => epochs.push(info) });
    expect(batches).toHaveLength(9); // 10 rows in batches of 4: 4, 4, 2
    expect(batches.map((b) => [b.epoch, b.batch])).toEqual([[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2], [2, 0], [2, 1], [2, 2]]);
    for (const b of batches) {
      expect(b).toEqual({ epoch: b.epoch, epochs: 3, batch: b.batch, batches: 3, loss: expect.any(Number) });
      expect(Number.isFinite(b.loss)).toBe(true);
    }
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
    epochs.forEach((e, i) => {
      expect(Object.keys(e).sort()).toEqual(['epoch', 'epochs', 'loss', 'seconds']);
      expect(e.epochs).toBe(3);
      expect(e.seconds).toBeGreaterThanOrEqual(0);
      // The epoch loss is the mean of its batch losses, and what fit returns for it.
      const mean = batches.filter((b) => b.epoch === i).reduce((s, b) => s + b.loss, 0) / 3;
      expect(e.loss).toBeCloseTo(mean, 10);
      expect(history[i]).toBe(e.loss);
    });
    dispose();
  });

  it('a throwing callback stops the fit with a BasinError naming ModelTrainer.fit, the cause kept, and no tensor left behind', async () => {
    const { trainer, x, y, dispose } = setup();
    const before = tf.memory().numTensors;
    const boom = new Error('progress display closed');
    let calls = 0;
    const error = await fitError(
      () => trainer.fit(x, y, { epochs: 2, batchSize: 4, onBatchEnd: () => { calls += 1; if (calls === 2) throw boom; } }),
      /^ModelTrainer\.fit: progress display closed$/,
    );
    expect(error.cause).toBe(boom);
    expect(trainer.steps).toBe(2); // the step of the batch whose callback threw was taken
    await fitError(() => trainer.fit(x, y, { onEpochEnd: () => { throw new Error('no'); } }), /^ModelTrainer\.fit: no$/);
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });

  it('keeps tf.memory().numTensors flat across fits with callbacks', async () => {
    const { trainer, x, y, dispose } = setup();
    const options: FitOptions = { epochs: 2, batchSize: 3, onBatchEnd: () => undefined, onEpochEnd: () => undefined };
    await trainer.fit(x, y, options);
    const before = tf.memory().numTensors;
    await trainer.fit(x, y, options);
    await trainer.fit(x, y, options);
    expect(tf.memory().numTensors).toBe(before);
    dispose();
  });

  it('refuses callbacks that are not functions and other bad options, before any step', async () => {
    const { trainer, x, y, dispose } = setup();
    const bad = (options: unknown) => trainer.fit(x, y, options as FitOptions);
    await fitError(() => bad({ onBatchEnd: 5 }), /^ModelTrainer\.fit: onBatchEnd must be a function, got 5/);
    await fitError(() => bad({ onEpochEnd: 'log' }), /^ModelTrainer\.fit: onEpochEnd must be a function/);
    await fitError(() => bad({ shuffle: 'yes' }), /^ModelTrainer\.fit: shuffle must be true or false, got string yes/);
    await fitError(() => bad({ seed: 1.5 }), /^ModelTrainer\.fit: seed must be an integer/);
    expect(trainer.steps).toBe(0);
    dispose();
  });
});
