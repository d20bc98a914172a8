import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkPolyakOptions, lossFromExtras, scaleByPolyak, ScaleByPolyakOptions } from '../transforms/scale-by-polyak';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { checkScalarOrSchedule, resolveHyper, type ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';
import type { EmptyState } from '../transforms/identity';

export interface PolyakSgdOptions extends ScaleByPolyakOptions {
  /** A global factor (a number or a schedule of the step count), applied before the Polyak step as optax does. Default 1. */
  scaling?: ScalarOrSchedule;
}

/** The state of `polyakSgd(...)`: `state[0].count`, the steps taken (the scaling's), and the Polyak step's (`{}`). */
export type PolyakSgdOptimizerState = [scaling: CountState, polyak: EmptyState];

/**
 * SGD with Polyak's step size (Loizou, Vaswani, Laradji & Lacoste-Julien 2021, "Stochastic
 * Polyak Step-size for SGD"; Berrada et al. 2020): `u = -min((f - fMin) / ||g||^2, maxLearningRate) g`,
 * as optax's `polyak_sgd` (optax/_src/alias.py): `chain(sgd(scaling), scaleByPolyak)`, so the
 * norm in the step is that of `scaling * g` (with `scaling` other than 1 the uncapped step is
 * `(f - fMin) / (scaling ||g||^2)`, as in optax). It needs the loss at the current params:
 * core's `step` and `Trainer` pass it as `extras.loss`; by hand, `update(g, state, params, { loss })`.
 */
export const polyakSgd = publicTransform('polyakSgd', function polyakSgd(options: PolyakSgdOptions = {}): Transform<PolyakSgdOptimizerState> {
  const { scaling = 1, ...rest } = checkOptions('polyakSgd', options, '{ maxLearningRate: 1, fMin: 0 }', true);
  const polyak = checkPolyakOptions('polyakSgd', rest);
  checkScalarOrSchedule('polyakSgd', 'scaling', scaling);
  // A schedule is checked under its own name here (scaleByLearningRate would call it learningRate).
  const rate = typeof scaling === 'number' ? scaling : (step: number) => resolveHyper('polyakSgd', 'scaling', scaling, step);
  const inner = chain(scaleByLearningRate(rate), scaleByPolyak(polyak));
  return {
    ...inner,
    update: (updates, state, params, extras) => {
      // Checked before the chain runs, so nothing is computed (or counted) without the loss.
      lossFromExtras('polyakSgd', extras);
      return inner.update(updates, state, params, extras);
    },
  };
});
