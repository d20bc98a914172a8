// @basin/core: the gradient-transform pipeline every Basin optimizer plugs into.
export { BasinError, isBasinError } from './errors';
export { entryPoint, runEntryPoint, insideEntryPoint } from './entry/entry-point';
export { stateMismatch } from './entry/state-structure';
export { publicTransform, guardTransform, stateMaker } from './entry/public-transform';
export * from './tree';
export type { Transform, Extras, GradFn, LossAndGrads, Microbatch, StateOf } from './transform';
export type { Schedule } from './schedule-types';
export { checkNumber, checkScalarOrSchedule, resolveHyper, assertFiniteTree, checkTransform, checkFunction } from './validate';
export type { ScalarOrSchedule } from './validate';

export { chain, namedChain } from './combinators/chain';
export { partition } from './combinators/partition';
export { masked } from './combinators/masked';
export type { MaskedState } from './combinators/masked';
export type { LabelSpec } from './combinators/leaf-labels';
export { injectHyperparams, setHyperparam } from './combinators/inject-hyperparams';
export type { Injectable, InjectedState, InjectOptions } from './combinators/inject-hyperparams';

export { identity } from './transforms/identity';
export type { EmptyState } from './transforms/identity';
export { setToZero } from './transforms/set-to-zero';
export { scale } from './transforms/scale';
export { scaleBySchedule, scaleByLearningRate } from './transforms/scale-by-schedule';
export type { CountState, ScaleByLearningRateOptions } from './transforms/scale-by-schedule';
export { trace } from './transforms/trace';
export type { TraceOptions, TraceState } from './transforms/trace';
export { scaleByAdam } from './transforms/scale-by-adam';
export type { ScaleByAdamOptions, AdamState } from './transforms/scale-by-adam';
export { scaleByRms } from './transforms/scale-by-rms';
export type { ScaleByRmsOptions, RmsState } from './transforms/scale-by-rms';
export { scaleByLion } from './transforms/scale-by-lion';
export type { ScaleByLionOptions, LionState } from './transforms/scale-by-lion';
export { addDecayedWeights } from './transforms/add-decayed-weights';
export type { AddDecayedWeightsOptions } from './transforms/add-decayed-weights';
export { clip, clipByGlobalNorm } from './transforms/clip';
export { normalizeByGlobalNorm } from './transforms/normalize-by-global-norm';
export { applyUpdates } from './transforms/apply-updates';
export { assertUpdatesMatch, requireParams } from './transforms/state-checks';

export { sgd } from './aliases/sgd';
export type { SgdOptions } from './aliases/sgd';
export { adam, adamw } from './aliases/adam';
export type { AdamOptions, AdamWOptions } from './aliases/adam';
export { rmsprop } from './aliases/rmsprop';
export type { RmspropOptions } from './aliases/rmsprop';
export { lion } from './aliases/lion';
export type { LionOptions } from './aliases/lion';

export * from './schedules';

export { valueAndGrad } from './training/value-and-grad';
export type { LossFn } from './training/value-and-grad';
export { microbatchRange, batchSize, sliceBatch } from './training/microbatch';
export { makeGradFn, step, stepWithGradFn, assertAllFinite } from './training/step';
export type { StepOptions, StepResult } from './training/step';
export { Trainer, readScalar } from './training/trainer';
export type { TrainerOptions } from './training/trainer';
export { ModelTrainer } from './training/model-trainer';
export type { ModelTrainerOptions, LayersModelLike, LayerVariableLike } from './training/model-trainer';
export * from './training/model-losses';
export { fitEpochs } from './training/fit';
export type { FitOptions } from './training/fit';
export { mulberry32 } from './training/random';
export { outputLosses, resolveOutputLoss } from './training/losses';
export type { OutputLoss, OutputLossName } from './training/losses';

export { encodeTree, decodeTree, saveCheckpoint, restoreCheckpoint, renameEncodedKeys } from './checkpoint';
export type { EncodedTree, TrainingCheckpoint } from './checkpoint';
export { saveCheckpointTo, loadCheckpointFrom } from './checkpoint-io';
