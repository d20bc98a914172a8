import { tf } from '@basin/testing';
import { BasinError, FitOptions, sgd } from '@basin/core';
import { Curve } from './curve';
import { ModelCurveTrainer } from './model-curve-trainer';
import { ModelFgeTrainer } from './fge';
import { ModelSwaTrainer } from './swa';
import { modelWeights } from './model-weights';

// The model trainers' fit loops (core's fitEpochs) and their progress callbacks: onBatchEnd after
// every batch, onEpochEnd after every epoch, errors naming the fit that was called.

const makeModel = (seed: number) => {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [3], kernelInitializer: tf.initializers.glorotNormal({ seed }) }));
  model.add(tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }));
  return model;
};

interface Fitter {
  fit(x: tf.Tensor, y: tf.Tensor, options?: FitOptions): Promise<number[]>;
  trainOnBatch(x: tf.Tensor, y: tf.Tensor): number;
  dispose(): void;
}

/** Each trainer with a fresh model; `done` frees what the case made. */
const CASES: { name: string; make: () => { trainer: Fitter; done: () => void } }[] = [
  {
    name: 'ModelCurveTrainer',
    make: () => {
      const a = makeModel(1);
      const b = makeModel(10);
      const curve = new Curve(modelWeights(a), modelWeights(b));
      const trainer = new ModelCurveTrainer(a, { curve, transform: sgd({ learningRate: 0.1 }), loss: 'categoricalCrossentropy' });
      return { trainer, done: () => { trainer.dispose(); curve.dispose(); a.dispose(); b.dispose(); } };
    },
  },
  {
    name: 'ModelFgeTrainer',
    make: () => {
      const model = makeModel(1);
      const trainer = new ModelFgeTrainer(model, { loss: 'categoricalCrossentropy', transform: (lr) => sgd({ learningRate: lr }), high: 0.1, low: 0.01, cycleSteps: 2 });
      return { trainer, done: () => { trainer.dispose(); model.dispose(); } };
    },
  },
  {
    name: 'ModelSwaTrainer',
    make: () => {
      const model = makeModel(1);
      const trainer = new ModelSwaTrainer(model, { loss: 'categoricalCrossentropy', transform: sgd({ learningRate: 0.1 }), every: 2 });
      return { trainer, done: () => { trainer.dispose(); model.dispose(); } };
    },
  },
];

const x = tf.randomNormal([10, 3], 0, 1, 'float32', 4);
const y = tf.oneHot(tf.tensor1d([0, 1, 1, 0, 1, 0, 0, 1, 1, 0], 'int32'), 2);

async function fitError(run: () => Promise<unknown>): Promise<BasinError> {
  let error: unknown;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(BasinError);
  return error as BasinError;
}

describe.each(CASES)('$name.fit', ({ name, make }) => {
  it('calls onBatchEnd epochs * batches times and onEpochEnd epochs times, with the documented fields', async () => {
    const { trainer, done } = make();
    const batches: unknown[] = [];
    const epochs: { epoch: number; epochs: number; loss: number; seconds: number }[] = [];
    const history = await trainer.fit(x, y, { epochs: 2, batchSize: 4, onBatchEnd: (info) => batches.push(info), onEpochEnd: (info) => epochs.push(info) });
    expect(batches).toEqual([0, 1].flatMap((epoch) => [0, 1, 2].map((batch) => ({ epoch, epochs: 2, batch, batches: 3, loss: expect.any(Number) }))));
    expect(epochs.map((e) => [e.epoch, e.epochs])).toEqual([[0, 2], [1, 2]]);
    expect(epochs.map((e) => e.loss)).toEqual(history);
    done();
  });

  it('trains as the same batches through trainOnBatch do', async () => {
    const first = make();
    const second = make();
    const fitted = await first.trainer.fit(x, y, { epochs: 1, batchSize: 5, shuffle: false });
    const stepped = [0, 5].map((start) => second.trainer.trainOnBatch(tf.slice(x, start, 5), tf.slice(y, start, 5)));
    expect(fitted[0]).toBeCloseTo((stepped[0] + stepped[1]) / 2, 5);
    first.done();
    second.done();
  });

  it(`a throwing callback arrives as a BasinError naming ${name}.fit, with its cause; no tensor is left behind`, async () => {
    const { trainer, done } = make();
    await trainer.fit(x, y, { epochs: 1, batchSize: 5 }); // steps 0 and 1: the state (and FGE's first snapshot) settle first
    const before = tf.memory().numTensors;
    const boom = new Error('display gone');
    // Step 2 is taken, then its callback throws (no FGE snapshot or SWA sample falls due at step 2).
    const error = await fitError(() => trainer.fit(x, y, { batchSize: 5, shuffle: false, onBatchEnd: () => { throw boom; } }));
    expect(error.message).toBe(`${name}.fit: display gone`);
    expect(error.cause).toBe(boom);
    const bad = await fitError(() => trainer.fit(x, y, { onEpochEnd: 3 as never }));
    expect(bad.message).toMatch(new RegExp(`^${name}\\.fit: onEpochEnd must be a function`));
    expect(tf.memory().numTensors).toBe(before);
    done();
  });

  it('keeps tf.memory().numTensors flat across fits with callbacks', async () => {
    const { trainer, done } = make();
    // Two epochs of two batches: FGE's snapshots (one per cycle of 2 steps) and SWA's average settle.
    const options: FitOptions = { epochs: 2, batchSize: 5, onBatchEnd: () => undefined, onEpochEnd: () => undefined };
    await trainer.fit(x, y, options);
    const before = tf.memory().numTensors;
    await trainer.fit(x, y, options);
    if (name !== 'ModelFgeTrainer') expect(tf.memory().numTensors).toBe(before);
    else expect(tf.memory().numTensors).toBeGreaterThan(before); // FGE keeps new snapshots by design
    done();
  });
});

afterAll(() => tf.dispose([x, y]));
