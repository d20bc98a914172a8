// @basin/hessian: exact Hessian-vector products, spectra, trace, density, sharpness and
// loss-landscape slices for TensorFlow.js models and functional losses.
export {
  installSecondOrderGradients,
  uninstallSecondOrderGradients,
  withSecondOrderGradients,
  secondOrderGradientsInstalled,
  secondOrderKernelNames,
} from './second-order/registry';
export { recordingHigherOrder } from './second-order/recording';

export { functionObjective, modelObjective, doubleBackpropHvp } from './objective';
export type { Objective, ObjectiveData, ModelObjectiveOptions } from './objective';
export { hessian, hvp, finiteDifferenceHvp } from './hessian';
export type { HessianOperator, HessianOptions, HvpMode, LinearOperator } from './hessian';

export { tridiagonalEigen } from './linalg/tridiagonal';
export type { TridiagonalEigen } from './linalg/tridiagonal';
export { topEigenvalues } from './spectrum/eigen';
export type { EigenOptions, EigenResult, Which } from './spectrum/eigen';
export { lanczos } from './spectrum/lanczos';
export type { LanczosRun } from './spectrum/lanczos';

export type { Progress, ProgressCallback } from './progress';

export { hutchinsonTrace, hutchPlusPlusTrace } from './spectrum/trace';
export type { TraceEstimate, TraceOptions } from './spectrum/trace';
export { spectralDensity } from './spectrum/density';
export type { DensityOptions, SpectralDensity } from './spectrum/density';

export { epsilonSharpness } from './sharpness/epsilon-sharpness';
export type { EpsilonSharpness, EpsilonSharpnessOptions } from './sharpness/epsilon-sharpness';
export { directionalSharpness } from './sharpness/directional-sharpness';
export type { DirectionalSharpness, DirectionalSharpnessOptions } from './sharpness/directional-sharpness';

export { filterNormalizedDirection } from './landscape/directions';
export type { DirectionOptions } from './landscape/directions';
export { lossSlice1D, lossSlice2D, linearPath } from './landscape/slices';
export type { Slice1D, Slice2D, SliceOptions } from './landscape/slices';
// Charts from @basin/plot: lineChart(lossSlice1D(...)), heatMap(lossSlice2D(...)), densityPlot(spectralDensity(...)).
export { lineChart, heatMap, densityPlot } from '@basin/plot';
export type { LineChartOptions, HeatMapOptions, DensityPlotOptions } from '@basin/plot';
export { lineChartSvg, densitySvg, heatmapSvg } from './plot/svg';
export type { Series, ChartOptions } from './plot/svg';
