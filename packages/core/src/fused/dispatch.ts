import * as tf from '@tensorflow/tfjs-core';
import { fusedUpdatesEnabled } from './flags';
import { registerJsFusedKernels } from './js-kernels';

/**
 * Backends that get the plain-JavaScript kernels from @basin/core itself: the CPU backend, whose
 * tensors already live in JavaScript typed arrays. (On WASM a JavaScript kernel copies every
 * input out of the heap and every output back in; see tools/bench/fused-updates.ts.)
 */
export const JS_KERNEL_BACKENDS: readonly string[] = ['cpu'];

let jsKernelsRegistered = false;

/**
 * True when fused updates are on, no gradient is being recorded (the fused kernels have no
 * gradient; the composed ops do, for code that differentiates through an update) and the active
 * backend has `kernelName` registered.
 */
export function fusedKernelAvailable(kernelName: string): boolean {
  if (!fusedUpdatesEnabled() || tf.engine().isTapeOn()) return false;
  if (!jsKernelsRegistered) {
    jsKernelsRegistered = true;
    JS_KERNEL_BACKENDS.forEach(registerJsFusedKernels);
  }
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined;
}

/** Runs a fused kernel; inputs left undefined are not passed. Always returns the output list. */
export function runFusedKernel(kernelName: string, inputs: Record<string, tf.Tensor | undefined>, attrs: object): tf.Tensor[] {
  const named: tf.NamedTensorMap = {};
  for (const [name, tensor] of Object.entries(inputs)) if (tensor !== undefined) named[name] = tensor;
  const out = tf.engine().runKernel(kernelName, named, attrs as unknown as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}
