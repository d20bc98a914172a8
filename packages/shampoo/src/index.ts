// @basin/shampoo: Shampoo preconditioning with matmul-only inverse roots.
export { shampoo } from './shampoo';
export type { ShampooOptions, ShampooOptimizerState } from './shampoo';
export { scaleByShampoo } from './scale-by-shampoo';
export type { ScaleByShampooOptions, ShampooState, ShampooLeafState } from './scale-by-shampoo';
export { inversePthRoot } from './inverse-pth-root';
export type { InversePthRootOptions, InversePthRootResult } from './inverse-pth-root';
export type { GraftingType, GraftingLeafState } from './grafting';
export { mergeSmallDims, blockSizes } from './blocking';
export { planLeaf } from './preconditioner';
export type { LeafPlan, BlockPlan, FactorKind } from './preconditioner';
export { symmetricEigen, symmetricMatrixFunction, eigenInversePthRoot } from './linalg';
export type { SymmetricEigen } from './linalg';
