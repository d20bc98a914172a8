import {
  BasinError,
  adamw,
  addDecayedWeights,
  chain,
  checkNumber,
  checkScalarOrSchedule,
  partition,
  scaleByLearningRate,
  type LabelSpec,
  type ScalarOrSchedule,
  type Transform,
  type Tree,
} from '@basin/core';
import { checkExclude, muonLabels, type MuonExclude, type MuonLabel } from './muon-labels';
import { scaleByMuon, type ScaleByMuonOptions } from './scale-by-muon';

/** Options of the AdamW branch of `muon()`; defaults follow optax's `muon`. */
export interface MuonAdamOptions {
  /** Default: Muon's `learningRate` (as optax). Jordan's reference uses a smaller one, e.g. 3e-4. */
  learningRate?: ScalarOrSchedule;
  /** Default 0.9. */
  b1?: number;
  /** Default 0.999. */
  b2?: number;
  /** Default: Muon's `eps` (1e-8). */
  eps?: number;
  /** Default 0. */
  epsRoot?: number;
  /** Decoupled weight decay of the AdamW branch. Default 0. */
  weightDecay?: number;
  /** Which AdamW-branch params decay (keys are the params' paths). */
  weightDecayMask?: LabelSpec<boolean>;
  /** NAdam form of the first moment. Default: Muon's `nesterov` (as optax). */
  nesterov?: boolean;
}

export interface MuonOptions extends ScaleByMuonOptions {
  /** Learning rate of the Muon branch (a number or a schedule). Jordan's reference uses 0.02. */
  learningRate: ScalarOrSchedule;
  /** Decoupled weight decay of the Muon branch, applied before the learning rate. Default 0. */
  weightDecay?: number;
  /** Which Muon-branch params decay (keys are the params' paths). */
  weightDecayMask?: LabelSpec<boolean>;
  /** The AdamW branch for biases, gains, and excluded matrices. */
  adam?: MuonAdamOptions;
  /** Matrices to send to AdamW anyway: embeddings and output heads, by path or predicate. */
  exclude?: MuonExclude;
  /**
   * Replaces the default labelling (`muonLabels`): a tree of `'muon' | 'adam'` shaped like the
   * params, or a function of the params returning one. `exclude` is then ignored.
   */
  labels?: LabelSpec<MuonLabel>;
}

/**
 * Muon (Jordan 2024) as a complete optimizer, as optax's `contrib.muon`: a `partition` of
 *
 * - `muon`: `chain(scaleByMuon, addDecayedWeights(weightDecay), scaleByLearningRate(learningRate))`
 *   for matrices and conv kernels, and
 * - `adam`: AdamW for everything else (biases, norm gains) and for the matrices `exclude` names.
 *
 * State: `{ muon: [...], adam: [...] }`.
 *
 *     const opt = muon({ learningRate: 0.02, adam: { learningRate: 3e-4 }, exclude: ['embedding'] });
 */
export function muon(options: MuonOptions): Transform<Record<string, unknown>> {
  const owner = 'muon';
  if (options === null || typeof options !== 'object') throw new BasinError(`${owner}: options must be an object with a learningRate`);
  const { learningRate, weightDecay = 0, weightDecayMask, adam = {}, exclude, labels, ...muonOptions } = options;
  checkScalarOrSchedule(owner, 'learningRate', learningRate);
  checkNumber(owner, 'weightDecay', weightDecay, { min: 0 });
  checkExclude(exclude);
  if (adam.learningRate !== undefined) checkScalarOrSchedule(owner, 'adam.learningRate', adam.learningRate);
  const muonBranch = chain(
    scaleByMuon(muonOptions),
    addDecayedWeights({ weightDecay, mask: weightDecayMask }),
    scaleByLearningRate(learningRate),
  );
  const adamBranch = adamw({
    learningRate: adam.learningRate ?? learningRate,
    b1: adam.b1,
    b2: adam.b2,
    eps: adam.eps ?? muonOptions.eps ?? 1e-8,
    epsRoot: adam.epsRoot,
    weightDecay: adam.weightDecay ?? 0,
    mask: adam.weightDecayMask,
    nesterov: adam.nesterov ?? muonOptions.nesterov ?? true,
  });
  const labelSpec: LabelSpec<MuonLabel> = labels ?? ((params: Tree) => muonLabels(params, exclude));
  return partition({ muon: muonBranch, adam: adamBranch }, labelSpec);
}
