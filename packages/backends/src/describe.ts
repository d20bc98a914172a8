import * as tf from '@tensorflow/tfjs-core';
import { floatPrecision } from './precision';

/** Facts about the active backend worth printing next to benchmark or test results. */
export type BackendDetails = Record<string, string | number | boolean>;

const flag = (name: string): boolean | number | undefined => {
  try {
    return tf.env().get(name) as boolean | number;
  } catch {
    return undefined; // flag not registered: its backend package is not loaded
  }
};

/** Describes the active backend: its name, precision and backend-specific capabilities. */
export function describeBackend(): BackendDetails {
  const name = tf.getBackend();
  const details: BackendDetails = { backend: name, floatPrecision: floatPrecision() };
  const put = (key: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '') details[key] = value as string | number | boolean;
  };
  if (name === 'webgl' && 'gpgpu' in tf.backend()) {
    put('webglVersion', flag('WEBGL_VERSION'));
    put('renderFloat32', flag('WEBGL_RENDER_FLOAT32_ENABLED'));
  } else if (name === 'wasm') {
    put('simd', flag('WASM_HAS_SIMD_SUPPORT'));
    put('threads', flag('WASM_HAS_MULTITHREAD_SUPPORT'));
  } else if (name === 'webgpu') {
    const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } }).adapterInfo;
    put('adapterVendor', info?.vendor);
    put('adapterArchitecture', info?.architecture);
  }
  return details;
}
