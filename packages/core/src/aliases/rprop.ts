import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { checkRpropOptions, scaleByRprop, ScaleByRpropOptions, type RpropState } from '../transforms/scale-by-rprop';
import { scale } from '../transforms/scale';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';
import type { EmptyState } from '../transforms/identity';

export type RpropOptions = ScaleByRpropOptions;

/** The state of `rprop(...)`: `state[0].stepSizes` and `state[0].prevUpdates`, then the sign flip's (`{}`). */
export type RpropOptimizerState = [rprop: RpropState, flipSign: EmptyState];

/**
 * Rprop (Riedmiller & Braun 1993): `chain(scaleByRprop, scale(-1))`, as optax's `rprop`
 * (optax/_src/alias.py). `learningRate` is the initial step size of every entry (a number).
 * `torch.optim.Rprop(lr, etas=(etaMinus, etaPlus), step_sizes=(minStepSize, maxStepSize))`
 * (torch/optim/rprop.py) is the same with torch's defaults lr 0.01, etas (0.5, 1.2) and step
 * sizes (1e-6, 50) (torch also clips a step size that did not change, which differs only when
 * learningRate lies outside [minStepSize, maxStepSize]).
 */
export const rprop = publicTransform('rprop', function rprop(options: RpropOptions): Transform<RpropOptimizerState> {
  return chain(scaleByRprop(checkRpropOptions('rprop', checkOptions('rprop', options, '{ learningRate: 0.01 }'))), scale(-1));
});
