// The optimizers the demo can race, by name: each is a Basin transform built from the
// published packages' public APIs.
import { adamw, chain, clipByGlobalNorm, sgd, warmupCosineDecay, type Transform } from '@basin/core';
import { mSam } from '@basin/m-sam';
import { muon } from '@basin/muon';
import { saSam } from '@basin/sa-sam';
import { sam } from '@basin/sam';
import { shampoo } from '@basin/shampoo';

export interface DemoOptimizer {
  name: string;
  describe: string;
  make: (stepsPerEpoch: number, epochs: number) => Transform<any>;
}

const sgdBase = () => sgd({ learningRate: 0.1, momentum: 0.9 });

export const OPTIMIZERS: DemoOptimizer[] = [
  {
    name: 'adamw',
    describe: 'chain(clipByGlobalNorm(1), adamw) with warmup + cosine decay',
    make: (steps, epochs) =>
      chain(
        clipByGlobalNorm(1),
        adamw({ learningRate: warmupCosineDecay({ init: 0, peak: 2e-3, warmupSteps: steps, decaySteps: steps * epochs }), weightDecay: 1e-4 }),
      ),
  },
  { name: 'sgd', describe: 'sgd(lr 0.1, momentum 0.9)', make: () => sgdBase() },
  { name: 'sam', describe: 'sam(sgd(lr 0.1, momentum 0.9), rho 0.05)', make: () => sam(sgdBase(), { rho: 0.05 }) },
  { name: 'm-sam', describe: 'mSam(sgd(lr 0.1, momentum 0.9), rho 0.05, microbatches of 16)', make: () => mSam(sgdBase(), { rho: 0.05, microbatchSize: 16 }) },
  { name: 'sa-sam', describe: 'saSam(initial lr 0.1, rhoScale 0.1): Malitsky-Mishchenko steps, rho = 0.1 sqrt(lr)', make: () => saSam({ initialLearningRate: 0.1, rhoScale: 0.1 }) },
  { name: 'muon', describe: 'muon(lr 0.02; AdamW lr 2e-3 for biases)', make: () => muon({ learningRate: 0.02, adamLearningRate: 2e-3 }) },
  { name: 'shampoo', describe: 'shampoo(lr 1e-3, RMSProp grafting, blocks of 128, roots every 20 steps)', make: () => shampoo({ learningRate: 1e-3, blockSize: 128, updateEvery: 20 }) },
];
