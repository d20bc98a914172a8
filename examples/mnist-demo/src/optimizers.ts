// The optimizers the demo can race, by name: TF.js's own Adam as the baseline, and Basin
// transforms from the published packages, each made a tf.Optimizer by basinOptimizer so that
// model.compile and model.fit train with it unchanged.
import * as tf from '@tensorflow/tfjs';
import { adam, adamw, basinOptimizer, chain, clipByGlobalNorm, sgd, warmupCosineDecay } from '@basin/core';
import { muon } from '@basin/muon';
import { saSam } from '@basin/sa-sam';
import { sam } from '@basin/sam';
import { shampoo } from '@basin/shampoo';

export interface DemoOptimizer {
  name: string;
  describe: string;
  /** A fresh optimizer for one run of `epochs` epochs of `stepsPerEpoch` batches. */
  make: (stepsPerEpoch: number, epochs: number) => tf.Optimizer;
}

const nesterov = () => sgd({ learningRate: 0.05, momentum: 0.9, nesterov: true });

export const OPTIMIZERS: DemoOptimizer[] = [
  { name: 'tf-adam', describe: 'tf.train.adam(1e-3): TF.js\'s own optimizer, the baseline', make: () => tf.train.adam(1e-3) },
  { name: 'adam', describe: 'basinOptimizer(adam(1e-3)): the same algorithm through Basin', make: () => basinOptimizer(adam({ learningRate: 1e-3 })) },
  {
    name: 'adamw',
    describe: 'chain(clipByGlobalNorm(1), adamw(weight decay 1e-4)), linear warmup to 2e-3 over the first 10% of steps, then cosine decay',
    make: (steps, epochs) => {
      const total = steps * epochs;
      const warmupSteps = Math.max(1, Math.floor(total / 10));
      const schedule = warmupCosineDecay({ init: 0, peak: 2e-3, warmupSteps, decaySteps: Math.max(total, warmupSteps + 1) });
      return basinOptimizer(chain(clipByGlobalNorm(1), adamw({ learningRate: schedule, weightDecay: 1e-4 })));
    },
  },
  { name: 'nesterov', describe: 'sgd(lr 0.05, Nesterov momentum 0.9)', make: () => basinOptimizer(nesterov()) },
  { name: 'sam', describe: 'sam(sgd(lr 0.05, Nesterov momentum 0.9), rho 0.05): two passes per batch', make: () => basinOptimizer(sam(nesterov(), { rho: 0.05 })) },
  { name: 'muon', describe: 'muon(lr 0.02) on conv kernels and dense matrices, AdamW(lr 1e-3) on biases', make: () => basinOptimizer(muon({ learningRate: 0.02, adamLearningRate: 1e-3 })) },
  { name: 'sa-sam', describe: 'saSam(initial lr 0.02, rhoScale 0.1): Malitsky-Mishchenko steps, rho = 0.1 sqrt(lr)', make: () => basinOptimizer(saSam({ initialLearningRate: 0.02, rhoScale: 0.1 })) },
  { name: 'shampoo', describe: 'shampoo(lr 1e-3, RMSProp grafting, blocks of 128, roots every 20 steps)', make: () => basinOptimizer(shampoo({ learningRate: 1e-3, blockSize: 128, updateEvery: 20 })) },
];

/** The run the demo makes with no --optimizers flag. */
export const DEFAULT_OPTIMIZERS = ['tf-adam', 'adamw', 'nesterov', 'sam', 'muon'];
