// @basin/sa-sam: smoothness-adaptive SAM and SGD with Malitsky-Mishchenko step sizes.
export { saSam, saSgd } from './sa-sam';
export type { SaSamOptions, SaSgdOptions, SaSamState } from './sa-sam';
export { adaptiveStep, checkAdaptiveStepOptions } from './adaptive-step';
export type { AdaptiveStepOptions, ResolvedAdaptiveStep } from './adaptive-step';
