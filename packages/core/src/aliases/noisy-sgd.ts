import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { addNoise, AddNoiseOptions, checkNoiseOptions, type AddNoiseState } from '../transforms/add-noise';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface NoisySgdOptions extends AddNoiseOptions {
  learningRate: ScalarOrSchedule;
}

/** The state of `noisySgd(...)`: `state[0]` is the noise's `{ count, seed }`, `state[1].count` the steps taken. */
export type NoisySgdOptimizerState = [noise: AddNoiseState, learningRate: CountState];

/**
 * SGD with annealed Gaussian gradient noise (Neelakantan et al. 2015, "Adding Gradient Noise
 * Improves Learning for Very Deep Networks"): `u = -lr (g + N(0, eta / t^gamma))`, as optax's
 * `noisy_sgd` (optax/_src/alias.py): `chain(addNoise, scaleByLearningRate)`, reproducible from
 * `seed` (default 0).
 */
export const noisySgd = publicTransform('noisySgd', function noisySgd(options: NoisySgdOptions): Transform<NoisySgdOptimizerState> {
  const { learningRate, ...rest } = checkOptions('noisySgd', options, '{ learningRate: 0.01, eta: 0.01, gamma: 0.55 }');
  const noise = checkNoiseOptions('noisySgd', rest);
  checkScalarOrSchedule('noisySgd', 'learningRate', learningRate);
  return chain(addNoise(noise), scaleByLearningRate(learningRate));
});
