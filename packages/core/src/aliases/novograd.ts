import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkNovogradOptions, scaleByNovograd, ScaleByNovogradOptions, type NovogradState } from '../transforms/scale-by-novograd';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface NovogradOptions extends ScaleByNovogradOptions {
  learningRate: ScalarOrSchedule;
}

/** The state of `novograd(...)`: `state[0].mu` is the momentum, `state[0].nu` one squared-norm average per leaf, `state[1].count` the steps taken. */
export type NovogradOptimizerState = [novograd: NovogradState, learningRate: CountState];

/**
 * NovoGrad (Ginsburg et al. 2019, "Stochastic Gradient Methods with Layer-wise Adaptive Moments
 * for Training of Deep Networks"; Li et al. 2019, Jasper), as optax's `novograd`
 * (optax/_src/alias.py): `chain(scaleByNovograd, scaleByLearningRate)`, with optax's alias
 * defaults (b1 0.9, b2 0.25, eps 1e-6, epsRoot 0, weightDecay 0).
 */
export const novograd = publicTransform('novograd', function novograd(options: NovogradOptions): Transform<NovogradOptimizerState> {
  const { learningRate, ...rest } = checkOptions('novograd', options, '{ learningRate: 1e-3 }');
  const checked = checkNovogradOptions('novograd', { ...rest, eps: rest.eps ?? 1e-6 });
  checkScalarOrSchedule('novograd', 'learningRate', learningRate);
  return chain(scaleByNovograd(checked), scaleByLearningRate(learningRate));
});
