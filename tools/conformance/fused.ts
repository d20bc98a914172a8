// The fused-update part of the conformance suite: each fused kernel against the composed ops it
// replaces (packages/core/src/fused/testing/fused-cases.ts), on the active backend. WebGL and
// WebGPU kernels come from @basin/backends' installFusedKernels; on wasm, where @basin/core keeps
// the composed path by default, the cases run a second time with its JavaScript kernels
// registered for wasm (the opt-in `registerJsFusedKernels('wasm')`).
import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNEL_NAMES, registerJsFusedKernels } from '../../packages/core/src/fused';
import { runFusedCases } from '../../packages/core/src/fused/testing/fused-cases';
import { installFusedKernels } from '../../packages/backends/src/fused';

export interface FusedPartCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export function runFusedPart(log: (line: string) => void, { float16 = false } = {}): FusedPartCounts {
  if (float16) {
    // Fused kernels keep intermediates in registers (float32); the composed ops round each one to
    // the float16 textures. The 1e-6 agreement is a float32 property.
    log('fused:* - skip (float16 backend: the fused-against-composed check is for float32)');
    return { passed: 0, failed: 0, skipped: 1 };
  }
  installFusedKernels();
  const backend = tf.getBackend();
  const counts = runFusedCases(log);
  if (backend === 'wasm') {
    const added = FUSED_KERNEL_NAMES.filter((name) => tf.getKernel(name, 'wasm') === undefined);
    registerJsFusedKernels('wasm');
    try {
      const more = runFusedCases((line) => log(line.replace(/^fused:/, 'fused[js kernels on wasm]:')));
      counts.passed += more.passed;
      counts.failed += more.failed;
      counts.skipped += more.skipped;
    } finally {
      added.forEach((name) => tf.unregisterKernel(name, 'wasm'));
    }
  }
  return counts;
}
