import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from './errors';
import type { BackendName } from './names';

/**
 * The float precision the active backend stores tensors in: 32, or 16 where WebGL cannot
 * render to float32 textures (some mobile GPUs; `WEBGL_RENDER_FLOAT32_ENABLED` is false).
 *
 * WebGL is measured, not asked: TF.js 4.22's `MathBackendWebGL.floatPrecision()` returns 16
 * whenever float32 rendering IS enabled (its branches are inverted), so it cannot be trusted.
 * The probe `(1 + 2^-12) - 1` is 2^-12 in float32 and 0 when values round-trip through
 * half-float textures (11-bit significand). One small read, at selection time.
 */
export function floatPrecision(): 16 | 32 {
  if (tf.getBackend() === 'webgl' && 'gpgpu' in tf.backend()) {
    // 256 entries: WebGL runs ops on tensors under 128 entries on the CPU (WEBGL_CPU_FORWARD).
    const probe = tf.tidy(() => tf.sub(tf.add(tf.fill([16, 16], 1), tf.fill([16, 16], 2 ** -12)), tf.fill([16, 16], 1)));
    const value = probe.dataSync()[0];
    probe.dispose();
    return value === 2 ** -12 ? 32 : 16;
  }
  return tf.backend().floatPrecision() === 16 ? 16 : 32;
}

/** What to do when a backend runs in float16: used by `useBackend` and `requireFloat32`. */
export function float16Message(backend: string, what = 'this computation'): string {
  return (
    `backend '${backend}' computes in float16 here (half-float textures: no float32 render targets), but ${what} needs float32: ` +
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
    throw new BackendUnavailableError(`requireFloat32: ${float16Message(tf.getBackend(), what)}`, [tf.getBackend() as BackendName]);
  }
}
