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
