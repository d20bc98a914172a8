// @basin/variance-reduction: SVRG and SAG around any Basin transform, the full gradients they
// need (functional losses and tf.LayersModels), and SVRG's per-layer variance ratio.
export { svrg, refreshSnapshot } from './svrg';
export type { FullGradientFn, SvrgFactory, SvrgOptions, SvrgSgdOptions, SvrgState } from './svrg';
export { sag } from './sag';
export type { SagFactory, SagOptions, SagSgdOptions, SagState } from './sag';
export { datasetGradient, modelDatasetGradient, modelGradient } from './full-gradient';
export type { DatasetGradientOptions, ModelGradient, ModelGradientOptions } from './full-gradient';
export { svrgVariance } from './variance';
export type { LeafVariance, SvrgVariance, SvrgVarianceOptions } from './variance';
