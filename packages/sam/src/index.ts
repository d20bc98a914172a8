// @basin/sam: Sharpness-Aware Minimization around any Basin transform, and its LookSAM and GSAM variants.
export { sam, perturbed } from './sam';
export type { SamOptions, SamState } from './sam';
export { lookSam } from './look-sam';
export type { LookSamOptions, LookSamState } from './look-sam';
export { gsam } from './gsam';
export type { GsamOptions, GsamState } from './gsam';
export { ascentPerturbation } from './perturbation';
export { checkPerturbationOptions, resolvePerturbation } from './options';
export type { PerturbationOptions, ResolvedPerturbation } from './options';
export { requireGradFn, gradientsAt, lossAndGradsAt } from './grad-fn';
export { checkBaseTransform, checkStateCount, checkStateTensors } from './checks';
export { ascentSharpness } from './ascent-sharpness';
export type { AscentSharpness, AscentSharpnessOptions } from './ascent-sharpness';
