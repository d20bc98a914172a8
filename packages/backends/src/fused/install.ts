import * as tf from '@tensorflow/tfjs-core';
import { WEBGL_FUSED_KERNELS } from './webgl';
import { WEBGPU_FUSED_KERNELS } from './webgpu';

const KERNELS: Record<string, typeof WEBGL_FUSED_KERNELS> = { webgl: WEBGL_FUSED_KERNELS, webgpu: WEBGPU_FUSED_KERNELS };

/** The backends `installFusedKernels` has GPU kernels for. */
export const FUSED_KERNEL_BACKENDS = Object.keys(KERNELS) as readonly string[];

/**
 * Registers the GPU versions of @basin/core's fused update kernels (adam, adamw, sgd, lion,
 * rmsprop) for WebGL and WebGPU, so those optimizers run one program per written tensor instead
 * of a dozen element-wise ops per leaf. @basin/core picks them up by itself (it runs a fused kernel
 * whenever the active backend has one); CPU kernels come with @basin/core. Idempotent: a kernel
 * already registered for a backend is kept. Returns the `backend/kernel` pairs it registered.
 *
 * ```ts
 * import { useBackend, installFusedKernels } from '@basin/backends';
 * await useBackend('webgl');
 * installFusedKernels();
 * ```
 */
export function installFusedKernels(backends: readonly string[] = FUSED_KERNEL_BACKENDS): string[] {
  const added: string[] = [];
  for (const backendName of backends) {
    for (const { kernelName, kernelFunc } of KERNELS[backendName] ?? []) {
      if (tf.getKernel(kernelName, backendName) !== undefined) continue;
      tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
      added.push(`${backendName}/${kernelName}`);
    }
  }
  return added;
}
