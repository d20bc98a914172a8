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

export interface MuonOptions extends ScaleByMuonOptions {
  /** Learning rate of the Muon branch (a number or a schedule). Jordan's reference uses 0.02. */
  learningRate: ScalarOrSchedule;
  /** Decoupled weight decay of the Muon branch, applied before the learning rate. Default 0. */
  weightDecay?: number;
  /** Which Muon-branch params decay (a record keyed by the params' paths, or a function). */
  weightDecayMask?: LabelSpec<boolean>;
  /**
   * Learning rate of the AdamW branch (biases, gains, excluded matrices). Default: `learningRate`
   * (as optax); Jordan's reference uses a much smaller one for these, e.g. 3e-4.
   */
  adamLearningRate?: ScalarOrSchedule;
  /** AdamW's first-moment decay. Default 0.9. */
  adamB1?: number;
  /** AdamW's second-moment decay. Default 0.999. */
  adamB2?: number;
  /** AdamW's epsilon. Default: `eps` (1e-8), as optax. */
  adamEps?: number;
  /** AdamW's epsilon inside the root. Default 0. */
  adamEpsRoot?: number;
  /** Decoupled weight decay of the AdamW branch. Default 0. */
  adamWeightDecay?: number;
  /** Which AdamW-branch params decay (a record keyed by the params' paths, or a function). */
  adamWeightDecayMask?: LabelSpec<boolean>;
  /** NAdam form of AdamW's first moment. Default: `nesterov` (true), as optax. */
  adamNesterov?: boolean;
  /** Matrices to send to AdamW anyway: embeddings and output heads, by path or predicate. */
  exclude?: MuonExclude;
  /**
   * Replaces the default labelling (`muonLabels`): a tree of `'muon' | 'adam'` shaped like the
   * params, or a function of the params returning one. `exclude` is then ignored.
   */
  labels?: LabelSpec<MuonLabel>;
}

const KNOWN_OPTIONS = new Set([
  'learningRate', 'weightDecay', 'weightDecayMask', 'exclude', 'labels',
  'adamLearningRate', 'adamB1', 'adamB2', 'adamEps', 'adamEpsRoot', 'adamWeightDecay', 'adamWeightDecayMask', 'adamNesterov',
  'beta', 'nesterov', 'biasCorrection', 'scale', 'rmsFactor', 'adaptive', 'steps', 'coefficients', 'eps',
]);

/**
 * Muon (Jordan 2024) as a complete optimizer, as optax's `contrib.muon`: a `partition` of
 *
 * - `muon`: `chain(scaleByMuon, addDecayedWeights(weightDecay), scaleByLearningRate(learningRate))`
 *   for matrices and conv kernels, and
 * - `adam`: AdamW for everything else (biases, norm gains) and for the matrices `exclude` names.
 *
 * State: `{ muon: [...], adam: [...] }`.
 *
 *     const opt = muon({ learningRate: 0.02, adamLearningRate: 3e-4, exclude: ['embedding'] });
 */
export function muon(options: MuonOptions): Transform<Record<string, unknown>> {
  const owner = 'muon';
  if (options === null || typeof options !== 'object') throw new BasinError(`${owner}: options must be an object with a learningRate`);
  // A misspelt option would otherwise fall back to a default without a word.
  const unknown = Object.keys(options).filter((k) => !KNOWN_OPTIONS.has(k));
  if (unknown.length > 0) {
    throw new BasinError(`${owner}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  const {
    learningRate, weightDecay = 0, weightDecayMask, exclude, labels,
    adamLearningRate, adamB1, adamB2, adamEps, adamEpsRoot, adamWeightDecay = 0, adamWeightDecayMask, adamNesterov,
    ...muonOptions
  } = options;
  checkScalarOrSchedule(owner, 'learningRate', learningRate);
  checkNumber(owner, 'weightDecay', weightDecay, { min: 0 });
  checkNumber(owner, 'adamWeightDecay', adamWeightDecay, { min: 0 });
  if (adamLearningRate !== undefined) checkScalarOrSchedule(owner, 'adamLearningRate', adamLearningRate);
  checkExclude(exclude);
  const muonBranch = chain(
    scaleByMuon(muonOptions),
    addDecayedWeights({ weightDecay, mask: weightDecayMask }),
    scaleByLearningRate(learningRate),
  );
  const adamBranch = adamw({
    learningRate: adamLearningRate ?? learningRate,
    b1: adamB1,
    b2: adamB2,
    eps: adamEps ?? muonOptions.eps ?? 1e-8,
    epsRoot: adamEpsRoot,
    weightDecay: adamWeightDecay,
    mask: adamWeightDecayMask,
    nesterov: adamNesterov ?? muonOptions.nesterov ?? true,
  });
  const labelSpec: LabelSpec<MuonLabel> = labels ?? ((params: Tree) => muonLabels(params, exclude));
  return partition({ muon: muonBranch, adam: adamBranch }, labelSpec);
}
