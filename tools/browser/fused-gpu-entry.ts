// Browser side of tools/browser/fused-gpu.ts: the fused-update cases (fused against composed) on
// webgpu or webgl, reading values back asynchronously (WebGPU's dataSync is unreliable on some
// adapters, SwiftShader's among them), with the kernels @basin/backends registers.
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '@basin/backends';
import { installFusedKernels } from '../../packages/backends/src/fused';
import { runFusedCasesAsync } from '../../packages/core/src/fused/testing/fused-cases';

type Page = Window & {
  __basinLog: (line: string) => void;
  __basinFusedGpu: (o: { backend: BackendName; flags: Record<string, boolean | number> }) => Promise<{ passed: number; failed: number; skipped: number }>;
};

(window as unknown as Page).__basinFusedGpu = async ({ backend, flags }) => {
  const log = (line: string) => (window as unknown as Page).__basinLog(line);
  // TF.js flags to set first, e.g. WEBGL_PACK=false for the unpacked WebGL programs.
  for (const [name, value] of Object.entries(flags)) tf.env().set(name, value);
  const choice = await useBackend(backend, { loaders: { webgpu: () => import('@tensorflow/tfjs-backend-webgpu') } });
  installFusedKernels();
  const set = Object.entries(flags).map(([k, v]) => `${k}=${v}`);
  log(`fused cases on '${tf.getBackend()}' in Chromium (float${choice.precision}; ${Object.entries(choice.details).map(([k, v]) => `${k}=${v}`).join(', ')})${set.length ? ` with ${set.join(', ')}` : ''}`);
  return runFusedCasesAsync(log);
};
