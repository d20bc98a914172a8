// The optimizers the demo can race, by name. Plugins are imported lazily so the demo runs
// with whichever Basin packages are present.
import { adamw, chain, clipByGlobalNorm, sgd, warmupCosineDecay, type Transform } from '@basin/core';

export interface DemoOptimizer {
  name: string;
  describe: string;
  make: (stepsPerEpoch: number, epochs: number) => Promise<Transform<any>>;
}

const sgdBase = () => sgd({ learningRate: 0.1, momentum: 0.9 });

export const OPTIMIZERS: DemoOptimizer[] = [
  {
    name: 'adamw',
    describe: 'chain(clipByGlobalNorm(1), adamw) with warmup + cosine decay',
    make: async (steps, epochs) =>
      chain(
        clipByGlobalNorm(1),
        adamw({ learningRate: warmupCosineDecay({ init: 0, peak: 2e-3, warmupSteps: steps, decaySteps: steps * epochs }), weightDecay: 1e-4 }),
      ),
  },
  { name: 'sgd', describe: 'sgd(lr 0.1, momentum 0.9)', make: async () => sgdBase() },
  {
    name: 'sam',
    describe: 'sam(sgd(lr 0.1, momentum 0.9), rho 0.05)',
    make: async () => (await import('@basin/sam')).sam(sgdBase(), { rho: 0.05 }),
  },
  {
    name: 'm-sam',
    describe: 'mSam(sgd(lr 0.1, momentum 0.9), rho 0.05, 4 microbatches)',
    make: async () => {
      const mod: any = await import('@basin/m-sam');
      return mod.mSam(sgdBase(), { rho: 0.05, microbatches: 4 });
    },
  },
  {
    name: 'sa-sam',
    describe: 'saSam(initial lr 0.1)',
    make: async () => {
      const mod: any = await import('@basin/sa-sam');
      return mod.saSam({ initialLearningRate: 0.1 });
    },
  },
  {
    name: 'muon',
    describe: 'muon(lr 0.02; adamw lr 2e-3 for biases)',
    make: async () => {
      const mod: any = await import('@basin/muon');
      return mod.muon({ learningRate: 0.02, adamLearningRate: 2e-3 });
    },
  },
  {
    name: 'shampoo',
    describe: 'shampoo(lr 0.01, adagrad grafting)',
    make: async () => {
      const mod: any = await import('@basin/shampoo');
      return mod.shampoo({ learningRate: 0.01 });
    },
  },
];
