// The conv net of the TF.js examples' mnist-node, and the model.fit run that the demo and the
// conv-net example use to compare optimizers on it: same initial weights, same data order,
// validation accuracy after every epoch.
import * as tf from '@tensorflow/tfjs';
import { progressBar, type ProgressBar } from './progress';

/**
 * The conv net of tfjs-examples' mnist-node (model.js), layer for layer: two 3x3 convolutions of
 * 32 filters, max pooling, two of 64, max pooling, then dropout 0.25, a 512-unit dense layer,
 * dropout 0.5 and a 10-way softmax. 594,922 weights. Input: images [n, 28, 28, 1].
 */
export function mnistNodeConvNet(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2] }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  model.add(tf.layers.maxPooling2d({ poolSize: [2, 2] }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dropout({ rate: 0.25 }));
  model.add(tf.layers.dense({ units: 512, activation: 'relu' }));
  model.add(tf.layers.dropout({ rate: 0.5 }));
  model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
  return model;
}

/**
 * Builds models that all start from the same weights (TF.js's initialisers are unseeded, so two
 * calls of `build` differ): the first build's weights are kept and copied into every later one.
 */
export function sameStart(build: () => tf.LayersModel): { fresh(): tf.LayersModel; dispose(): void } {
  const reference = build();
  const initial = reference.getWeights().map((w) => tf.clone(w));
  reference.dispose();
  return {
    fresh() {
      const model = build();
      model.setWeights(initial);
      return model;
    },
    dispose() {
      tf.dispose(initial);
    },
  };
}

export interface FitData {
  x: tf.Tensor;
  y: tf.Tensor;
  xVal: tf.Tensor;
  yVal: tf.Tensor;
}

export interface FitRun {
  label: string;
  /** Per epoch: mean training loss, validation loss and accuracy, seconds (training and validation). */
  loss: number[];
  valLoss: number[];
  valAccuracy: number[];
  seconds: number[];
}

export interface FitRunOptions {
  label: string;
  epochs: number;
  batchSize: number;
  /** Called after each batch with its loss (to time batches, say). */
  onBatchEnd?: (batch: number, loss: number) => void;
  /** Called after each epoch with the run so far (to print a line, or a table). */
  onEpochEnd?: (run: FitRun, epoch: number) => void;
}

/**
 * Compiles `model` with `optimizer` and trains it with `model.fit` on `data` (categorical
 * cross-entropy, accuracy), validating on (xVal, yVal) after each epoch. The rows are not
 * shuffled (`shuffle: false`): pass them shuffled once, so every optimizer sees the same batches
 * in the same order. A terminal progress bar follows the batches (silent without a TTY).
 */
export async function fitWithValidation(model: tf.LayersModel, optimizer: tf.Optimizer, data: FitData, options: FitRunOptions): Promise<FitRun> {
  const { label, epochs, batchSize, onBatchEnd, onEpochEnd } = options;
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const run: FitRun = { label, loss: [], valLoss: [], valAccuracy: [], seconds: [] };
  const batches = Math.ceil(data.x.shape[0] / batchSize);
  let bar: ProgressBar | undefined;
  let started = 0;
  try {
    await model.fit(data.x, data.y, {
      epochs,
      batchSize,
      shuffle: false,
      validationData: [data.xVal, data.yVal],
      verbose: 0,
      callbacks: {
        onEpochBegin: async (epoch) => {
          bar?.stop();
          bar = progressBar(`${label} epoch ${epoch + 1}/${epochs}`, batches);
          started = performance.now();
        },
        onBatchEnd: async (batch, logs) => {
          const loss = logs?.loss ?? NaN;
          bar?.update(batch + 1, { loss: loss.toFixed(4) });
          onBatchEnd?.(batch, loss);
        },
        onEpochEnd: async (epoch, logs) => {
          bar?.stop();
          run.loss.push(logs?.loss ?? NaN);
          run.valLoss.push(logs?.val_loss ?? NaN);
          run.valAccuracy.push(logs?.val_acc ?? NaN);
          run.seconds.push((performance.now() - started) / 1000);
          onEpochEnd?.(run, epoch);
        },
      },
    });
  } finally {
    bar?.stop();
  }
  return run;
}
