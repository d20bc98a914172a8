// The model-weight helpers moved to @basin/core, beside its model adapter (`modelAdapter`): one
// place where trees are matched to a tf.LayersModel's weights (by name, or arrays by position in
// the model's weight list). Re-exported here so existing imports keep working.
export { modelWeights, modelStatistics, writeWeights, withSavedWeights, leavesInWeightOrder, treeInWeightLayout, checkModel, checkInputShape } from '@basin/core';
export type { LayersModelLike as ModelLike, LayerVariableLike as WeightLike } from '@basin/core';
