// @basin/curve-finding: mode connectivity (Garipov et al. 2018) for TensorFlow.js: low-loss
// Bezier and polygonal curves between trained weight sets, their evaluation, the plane picture,
// and Fast Geometric Ensembling.
export { bezierCoefficients, polychainCoefficients, curveCoefficients } from './coefficients';
export type { CurveKind } from './coefficients';
export { Curve } from './curve';
export type { CurveOptions, CurveParams } from './curve';
export { curveLoss } from './curve-loss';
export { curveGradFn } from './curve-grad-fn';
export type { CurveLossOptions } from './curve-loss';
export { CurveTrainer } from './curve-trainer';
export type { CurveTrainerOptions, AdapterCurveTrainerOptions } from './curve-trainer';
export { ModelCurveTrainer } from './model-curve-trainer';
export type { ModelCurveTrainerOptions } from './model-curve-trainer';
export { modelWeights, modelStatistics, writeWeights, withSavedWeights } from './model-weights';
export type { ModelLike, WeightLike } from './model-weights';
export { linePath, arcLength, linspace01 } from './path';
export type { Path } from './path';
export { evaluatePath, lossBarrier, functionalEvaluator } from './evaluate';
export type { PointEvaluator, PointEvaluation, PointMetrics, PathEvaluation, SplitCurve, Barrier, EvaluatePathOptions, FunctionalEvaluatorOptions } from './evaluate';
export { modelEvaluator, recomputeBatchNorm, batchNormLayers } from './model-evaluator';
export type { ModelEvaluatorOptions, ModelWithLayers } from './model-evaluator';
export { Plane, evaluatePlane } from './plane';
export type { PlaneEvaluation, PlaneGridOptions } from './plane';
export { lineChartSvg, curveVsLineSvg, planeSvg } from './svg';
export type { Series, ChartOptions, CurveVsLineOptions, PlaneSvgOptions } from './svg';
export { fgeLearningRate, isFgeSnapshotStep, ensembleAverage, FgeTrainer, ModelFgeTrainer } from './fge';
export type { FgeScheduleOptions, FgeTrainerOptions, AdapterFgeTrainerOptions, ModelFgeTrainerOptions, ModelSnapshot } from './fge';
export { swaLearningRate, isSwaSampleStep, SwaTrainer, ModelSwaTrainer, refreshBatchNorm } from './swa';
export type { SwaScheduleOptions, SwaAveragingOptions, SwaTrainerOptions, AdapterSwaTrainerOptions, ModelSwaTrainerOptions, RefreshBatchNormOptions } from './swa';
