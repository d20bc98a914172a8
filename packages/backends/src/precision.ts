import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from './errors';
import type { BackendName } from './names';

/**
 * The float precision the active backend computes in: 32, or 16 where WebGL cannot render to
 * float32 textures (some mobile GPUs; `WEBGL_RENDER_FLOAT32_ENABLED` is false).
 */
export function floatPrecision(): 16 | 32 {
  return tf.backend().floatPrecision() === 16 ? 16 : 32;
}

/** What to do when a backend runs in float16: used by `useBackend` and `requireFloat32`. */
export function float16Message(backend: string, what = 'this computation'): string {
  return (
    `backend '${backend}' computes in float16 here (WEBGL_RENDER_FLOAT32_ENABLED is false), but ${what} needs float32: ` +
    `matrix roots (Shampoo), Newton-Schulz iterations (Muon) and Hessian quantities lose most of their digits. ` +
    `Use 'webgpu', 'wasm' or 'cpu', or a device whose WebGL can render float32 textures.`
  );
}

/**
 * Throws a `BackendUnavailableError` when the active backend computes in float16. Call it
 * before work that needs float32 (`what` names it in the message).
 */
export function requireFloat32(what = 'this computation'): void {
  if (floatPrecision() === 16) {
    throw new BackendUnavailableError(float16Message(tf.getBackend(), what), [tf.getBackend() as BackendName]);
  }
}
