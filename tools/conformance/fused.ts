// The fused-update part of the conformance suite: each fused kernel against the composed ops it
// replaces (packages/core/src/fused/testing/fused-cases.ts; SAM's ascent point in
// sam-fused-cases.ts), on the active backend. WebGL and
// WebGPU kernels come from @basin/backends' installFusedKernels; on wasm, where @basin/core keeps
// the composed path by default, the cases run a second time with its JavaScript kernels
// registered for wasm (the opt-in `registerJsFusedKernels('wasm')`).
import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNEL_NAMES, registerJsFusedKernels } from '../../packages/core/src/fused';
import { FUSED_FUNCTION_CASES, runFusedCases, runFusedFunctionCases, type FusedCounts } from '../../packages/core/src/fused/testing/fused-cases';
import { installFusedKernels } from '../../packages/backends/src/fused';
import { SAM_FUSED_CASES } from './sam-fused-cases';

export interface FusedPartCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** The optimizer updates, then the tree functions (norm, scaling) and SAM's ascent point. */
function allCases(log: (line: string) => void): FusedCounts {
  const counts = runFusedCases(log);
  const more = runFusedFunctionCases(log, [...FUSED_FUNCTION_CASES, ...SAM_FUSED_CASES]);
  return { passed: counts.passed + more.passed, failed: counts.failed + more.failed, skipped: counts.skipped + more.skipped };
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
  const counts = allCases(log);
  if (backend === 'wasm') {
    const added = FUSED_KERNEL_NAMES.filter((name) => tf.getKernel(name, 'wasm') === undefined);
    registerJsFusedKernels('wasm');
    try {
      const more = allCases((line) => log(line.replace(/^fused:/, 'fused[js kernels on wasm]:')));
      counts.passed += more.passed;
      counts.failed += more.failed;
      counts.skipped += more.skipped;
    } finally {
      added.forEach((name) => tf.unregisterKernel(name, 'wasm'));
    }
  }
  return counts;
}
