// @basin/m-sam: m-sharpness SAM, one perturbation per microbatch, around any Basin transform.
export { mSam } from './m-sam';
export type { MSamOptions, MSamState } from './m-sam';
export { microbatchCount, checkMicrobatchSpec } from './microbatch-count';
export type { MicrobatchSpec } from './microbatch-count';
