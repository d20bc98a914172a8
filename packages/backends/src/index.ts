// @basin/backends: choose and initialise a TensorFlow.js backend, and say what was chosen and why.
export { useBackend } from './use-backend';
export type { BackendRequest, BackendChoice, UseBackendOptions } from './use-backend';
export { BACKEND_NAMES, BACKEND_PACKAGES, defaultPreference, isBackendName } from './names';
export type { BackendName, Environment } from './names';
export { detectEnvironment } from './environment';
export { BackendUnavailableError, BackendOptionError } from './errors';
export { floatPrecision, requireFloat32 } from './precision';
export { describeBackend } from './describe';
export type { BackendDetails } from './describe';
export type { BackendLoader } from './loaders';
export { verifyBackend } from './verify';
export type { Verification } from './verify';
export { installWasmTrainingKernels, removeWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-training';
export type { WasmKernelReport, WasmTrainingKernel, WasmTrainingKernelOptions } from './wasm-training';
export { installFusedKernels, FUSED_KERNEL_BACKENDS } from './fused';
