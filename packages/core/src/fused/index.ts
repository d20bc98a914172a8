// Fused optimizer updates: one kernel per leaf for adam, adamw, sgd (momentum, Nesterov), lion
// and rmsprop (and one for clipByGlobalNorm's scaling) where the backend has it.
export { FUSED_UPDATES_FLAG, fusedUpdatesEnabled, setFusedUpdates, withFusedUpdates } from './flags';
export { updateAndApply } from './update-and-apply';
export { fusedKernelAvailable, JS_KERNEL_BACKENDS } from './dispatch';
export { registerJsFusedKernels } from './js-kernels';
export * from './kernels';
