import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import { masked, type MaskedState } from '../combinators/masked';
import { labelsForLeaves, type LabelSpec } from '../combinators/leaf-labels';
import type { Tree } from '../tree';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { identity, type EmptyState } from '../transforms/identity';
import { checkTrustRatioOptions, scaleByTrustRatio } from '../transforms/scale-by-trust-ratio';
import { scaleByLearningRate, type CountState } from '../transforms/scale-by-schedule';
import { trace, type TraceState } from '../transforms/trace';
import { checkBoolean, checkNumber, checkScalarOrSchedule, ScalarOrSchedule } from '../validate';
import { publicTransform } from '../entry/public-transform';
import { checkOptions } from '../transforms/state-checks';

export interface LarsOptions {
  learningRate: ScalarOrSchedule;
  /** Weight decay added to the gradients before the trust ratio, >= 0. Default 0. */
  weightDecay?: number;
  /** Which params decay: true (all, the default), false (none), or a boolean tree / function of the params. */
  weightDecayMask?: LabelSpec<boolean>;
  /** Multiplier of the trust ratio `||p|| / ||g||`, >= 0. Default 0.001. */
  trustCoefficient?: number;
  /** Added to the gradient norm in the trust ratio's denominator, >= 0. Default 0. */
  eps?: number;
  /** Which params get the trust ratio: true (all, the default), false (none), or a boolean tree / function. */
  trustRatioMask?: LabelSpec<boolean>;
  /** Momentum decay, in [0, 1). Default 0.9. */
  momentum?: number;
  /** Nesterov momentum. Default false. */
  nesterov?: boolean;
}

/** A stateless piece of `lars` under a mask option: `{}`, or `{ inner: {} }` for a tree or function mask. */
export type LarsMaskedState = EmptyState | MaskedState<EmptyState>;

/**
 * The state of `lars(...)`: the weight decay's and the trust ratio's (both stateless, see
 * `LarsMaskedState`), the learning rate's count, and `state[3].trace`, the momentum.
 */
export type LarsOptimizerState = [weightDecay: LarsMaskedState, trustRatio: LarsMaskedState, learningRate: CountState, momentum: TraceState];

/**
 * A mask option as a transform: `true` applies `inner` everywhere, `false` nowhere, a tree or a
 * function of the params where it says true. The mask is checked against each tree it is applied
 * to under lars's own option name (`lars: trustRatioMask does not match the params tree ...`).
 */
function maskedBy(inner: Transform<EmptyState>, mask: LabelSpec<boolean>, name: string): Transform<LarsMaskedState> {
  if (mask === true) return inner;
  if (mask === false) return identity();
  return masked(inner, (params: Tree) => {
    const labels = typeof mask === 'function' ? mask(params) : mask;
    labelsForLeaves('lars', name, labels, params, (x) => typeof x === 'boolean');
    return labels;
  });
}

/**
 * LARS (You et al. 2017, "Large Batch Training of Convolutional Networks"), as optax's `lars`
 * (optax/_src/alias.py): `chain(addDecayedWeights(weightDecay, weightDecayMask),
 * masked(scaleByTrustRatio({ trustCoefficient, eps }), trustRatioMask), scaleByLearningRate,
 * trace({ decay: momentum, nesterov }))`: each leaf's (decayed) gradient is rescaled by
 * `trustCoefficient * ||p|| / (||g|| + eps)`, then by the learning rate, then accumulated as
 * heavy-ball momentum. optax's defaults: weightDecay 0, trustCoefficient 0.001, eps 0, momentum
 * 0.9, both masks true.
 */
export const lars = publicTransform('lars', function lars(options: LarsOptions): Transform<LarsOptimizerState> {
  const {
    learningRate,
    weightDecay = 0,
    weightDecayMask = true,
    trustCoefficient,
    eps,
    trustRatioMask = true,
    momentum = 0.9,
    nesterov = false,
  } = checkOptions('lars', options, '{ learningRate: 1.0 }');
  checkScalarOrSchedule('lars', 'learningRate', learningRate);
  checkNumber('lars', 'weightDecay', weightDecay, { min: 0 });
  const ratio = checkTrustRatioOptions('lars', { trustCoefficient: trustCoefficient ?? 0.001, eps });
  checkNumber('lars', 'momentum', momentum, { min: 0, max: 1, maxExclusive: true });
  checkBoolean('lars', 'nesterov', nesterov);
  return chain(
    // Without a mask of its own, addDecayedWeights keeps `{}`.
    maskedBy(addDecayedWeights({ weightDecay }) as Transform<EmptyState>, weightDecayMask, 'weightDecayMask'),
    maskedBy(scaleByTrustRatio({ trustCoefficient: ratio.trustCoefficient, eps: ratio.eps }), trustRatioMask, 'trustRatioMask'),
    scaleByLearningRate(learningRate),
    trace({ decay: momentum, nesterov }),
  );
});
