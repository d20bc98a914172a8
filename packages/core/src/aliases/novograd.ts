import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkNovogradOptions, scaleByNovograd, ScaleByNovogradOptions } from '../transforms/scale-by-novograd';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface NovogradOptions extends ScaleByNovogradOptions {
  learningRate: ScalarOrSchedule;
}

/**
 * NovoGrad (Ginsburg et al. 2019, "Stochastic Gradient Methods with Layer-wise Adaptive Moments
 * for Training of Deep Networks"; Li et al. 2019, Jasper), as optax's `novograd`
 * (optax/_src/alias.py): `chain(scaleByNovograd, scaleByLearningRate)`, with optax's alias
 * defaults (b1 0.9, b2 0.25, eps 1e-6, epsRoot 0, weightDecay 0).
 */
export const novograd = publicTransform('novograd', function novograd(options: NovogradOptions): Transform<unknown[]> {
  const { learningRate, ...rest } = checkOptions('novograd', options, '{ learningRate: 1e-3 }');
  const checked = checkNovogradOptions('novograd', { ...rest, eps: rest.eps ?? 1e-6 });
  checkScalarOrSchedule('novograd', 'learningRate', learningRate);
  return chain(scaleByNovograd(checked), scaleByLearningRate(learningRate));
});
