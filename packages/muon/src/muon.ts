import * as tf from '@tensorflow/tfjs-core';
import {
  BasinError,
  adamw,
  addDecayedWeights,
  chain,
  checkNumber,
  checkScalarOrSchedule,
  describeValue,
  partition,
  publicTransform,
  scaleByLearningRate,
  type AddDecayedWeightsState,
  type AdamWOptimizerState,
  type CountState,
  type LabelSpec,
  type ScalarOrSchedule,
  type Transform,
  type Tree,
  checkBoolean,
  checkedMask,
  checkKnownOptions as checkOptions,
} from '@basin/core';
import { withPathCheck } from './checks';
import { checkExclude, muonLabels, type MuonExclude, type MuonLabel } from './muon-labels';
import { checkMuonOptions, makeScaleByMuon, muonStatePaths, SCALE_BY_MUON_OPTIONS, type MuonState, type ScaleByMuonOptions } from './scale-by-muon';

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

/**
 * The state of `muon(...)`'s Muon branch, one entry per piece of its chain: `[0]` is
 * `scaleByMuon`'s `{ count, mu }` (`mu`, the momentum, keyed by the paths of the params this
 * branch owns), `[1]` the weight decay's (`{}`, or `{ inner: {} }` with a weightDecayMask),
 * `[2]` the learning rate's `{ count }`.
 */
export type MuonBranchState = [muon: MuonState, weightDecay: AddDecayedWeightsState, learningRate: CountState];

/**
 * The state of `muon(...)`: a `partition`'s, one entry per branch. `state.muon[0].mu` is the
 * Muon momentum of the matrices, `state.adam[0].mu` and `state.adam[0].nu` AdamW's moments for
 * the other params, each keyed by the paths of the params its branch owns.
 */
export interface MuonOptimizerState {
  muon: MuonBranchState;
  adam: AdamWOptimizerState;
}

const OWN_OPTIONS = [
  'learningRate', 'weightDecay', 'weightDecayMask', 'exclude', 'labels',
  'adamLearningRate', 'adamB1', 'adamB2', 'adamEps', 'adamEpsRoot', 'adamWeightDecay', 'adamWeightDecayMask', 'adamNesterov',
];

/** A schedule whose non-finite values are reported under the option's own name. */
function namedSchedule(owner: string, name: string, value: ScalarOrSchedule): ScalarOrSchedule {
  if (typeof value !== 'function') return value;
  return (step: number) => {
    const v = value(step);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new BasinError(`${owner}: ${name} (schedule at step ${step}) must be a finite number, got ${describeValue(v)}`);
    }
    return v;
  };
}

const guardedMuon = publicTransform('muon', function muon(options: MuonOptions): Transform<MuonOptimizerState> {
  const owner = 'muon';
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new BasinError(`${owner}: options must be an object with a learningRate, got ${describeValue(options)}`);
  }
  // A misspelt option would otherwise fall back to a default without a word.
  checkOptions(owner, options, [...OWN_OPTIONS, ...SCALE_BY_MUON_OPTIONS]);
  const {
    learningRate, weightDecay = 0, weightDecayMask, exclude, labels,
    adamLearningRate, adamB1 = 0.9, adamB2 = 0.999, adamEps, adamEpsRoot = 0, adamWeightDecay = 0, adamWeightDecayMask, adamNesterov,
    ...muonOptions
  } = options;
  checkScalarOrSchedule(owner, 'learningRate', learningRate);
  checkNumber(owner, 'weightDecay', weightDecay, { min: 0 });
  if (adamLearningRate !== undefined) checkScalarOrSchedule(owner, 'adamLearningRate', adamLearningRate);
  checkNumber(owner, 'adamB1', adamB1, { min: 0, max: 1, maxExclusive: true });
  checkNumber(owner, 'adamB2', adamB2, { min: 0, max: 1, maxExclusive: true });
  if (adamEps !== undefined) checkNumber(owner, 'adamEps', adamEps, { min: 0 });
  checkNumber(owner, 'adamEpsRoot', adamEpsRoot, { min: 0 });
  checkNumber(owner, 'adamWeightDecay', adamWeightDecay, { min: 0 });
  if (adamNesterov !== undefined) checkBoolean(owner, 'adamNesterov', adamNesterov);
  const { nesterov, plan } = checkMuonOptions(owner, muonOptions);
  checkExclude(exclude);
  if (labels !== undefined && typeof labels !== 'function' && (labels === null || typeof labels !== 'object')) {
    throw new BasinError(`${owner}: labels must be a tree of 'muon' | 'adam' shaped like the params, or a function of the params returning one; got ${describeValue(labels)}`);
  }
  const muonMask = weightDecayMask === undefined ? undefined : checkedMask(owner, 'weightDecayMask', weightDecayMask);
  const adamMask = adamWeightDecayMask === undefined ? undefined : checkedMask(owner, 'adamWeightDecayMask', adamWeightDecayMask);

  const muonBranch = chain(
    makeScaleByMuon(owner, muonOptions),
    addDecayedWeights({ weightDecay, mask: muonMask }),
    scaleByLearningRate(learningRate),
  );
  const adamBranch = adamw({
    learningRate: adamLearningRate === undefined ? learningRate : namedSchedule(owner, 'adamLearningRate', adamLearningRate),
    b1: adamB1,
    b2: adamB2,
    eps: adamEps ?? plan.eps,
    epsRoot: adamEpsRoot,
    weightDecay: adamWeightDecay,
    mask: adamMask,
    nesterov: adamNesterov ?? nesterov,
  });
  const labelSpec: LabelSpec<MuonLabel> = labels ?? ((params: Tree) => muonLabels(params, exclude));
  const inner = partition({ muon: muonBranch, adam: adamBranch }, labelSpec);
  return {
    ...inner,
    // A branch that fails at init (a mask or label that does not fit) leaves nothing behind.
    init: (params) => tf.tidy(() => inner.init(params) as unknown as tf.TensorContainer) as unknown as MuonOptimizerState,
    update: (updates, state, params, extras) => {
      // Both branches read the params (decoupled weight decay): say so before either runs.
      if (params === undefined || params === null) {
        throw new BasinError(`${owner}: update needs the params (call update(updates, state, params)); muon's weight decay reads them, got ${params}`);
      }
      return inner.update(updates, state, params, extras);
    },
  };
});

/**
 * Muon (Jordan 2024) as a complete optimizer, as optax's `contrib.muon`: a `partition` of
 *
 * - `muon`: `chain(scaleByMuon, addDecayedWeights(weightDecay), scaleByLearningRate(learningRate))`
 *   for matrices and conv kernels, and
 * - `adam`: AdamW for everything else (biases, norm gains) and for the matrices `exclude` names.
 *
 * State (`MuonOptimizerState`): `{ muon: [...], adam: [...] }`, each branch keyed by the params' paths. `update` needs
 * the params (both branches apply decoupled weight decay). Every error names `muon` and the
 * option or path, never the building blocks inside.
 *
 *     const opt = muon({ learningRate: 0.02, adamLearningRate: 3e-4, exclude: ['embedding'] });
 */
export function muon(options: MuonOptions): Transform<MuonOptimizerState> {
  const t = guardedMuon(options);
  // A plain transform comes back when another Basin factory builds with it: that one checks.
  return t.name === 'muon' ? withPathCheck('muon', t, branchPaths) : t;
}

/** The paths and shapes a `muon` state was made for: its two branches' momentum keys. */
function branchPaths(state: unknown): Map<string, number[]> | undefined {
  const s = state as { muon?: unknown; adam?: unknown } | null | undefined;
  if (s === null || typeof s !== 'object' || !Array.isArray(s.muon) || !Array.isArray(s.adam)) return undefined;
  const muonPaths = muonStatePaths(s.muon[0]);
  const adamPaths = muonStatePaths(s.adam[0]);
  if (!muonPaths || !adamPaths) return undefined;
  return new Map([...muonPaths, ...adamPaths]);
}
