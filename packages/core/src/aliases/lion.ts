import type { Transform } from '../transform';
import { chain } from '../combinators/chain';
import type { LabelSpec } from '../combinators/leaf-labels';
import { addDecayedWeights } from '../transforms/add-decayed-weights';
import { scaleByLion, ScaleByLionOptions } from '../transforms/scale-by-lion';
import { scaleByLearningRate } from '../transforms/scale-by-schedule';
import type { ScalarOrSchedule } from '../validate';

export interface LionOptions extends ScaleByLionOptions {
  learningRate: ScalarOrSchedule;
  /** Decoupled weight decay. Default 1e-3 (optax's). */
  weightDecay?: number;
  mask?: LabelSpec<boolean>;
}

/** Lion (Chen et al. 2023): sign updates with decoupled weight decay, as optax's `lion`. */
export function lion({ learningRate, weightDecay = 1e-3, mask, ...rest }: LionOptions): Transform<unknown[]> {
  return chain(scaleByLion(rest), addDecayedWeights({ weightDecay, mask }), scaleByLearningRate(learningRate));
}
