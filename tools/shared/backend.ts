// Backend selection for the tools (parity runner, conformance, benchmarks, demo): loads
// @tensorflow/tfjs (which registers gradients and the CPU backend) and lets @basin/backends
// choose and initialise the requested backend.
import '@tensorflow/tfjs';
import { useBackend as chooseBackend, type BackendChoice, type BackendName } from '@basin/backends';

export type { BackendName, BackendChoice };

/**
 * Initialises a backend by name. `auto` picks the fastest present in Node: tensorflow
 * (tfjs-node-gpu or tfjs-node), webgpu (the `webgpu` package), then wasm, then cpu. Returns
 * the backend's name; throws naming the missing package when a named backend is absent.
 */
export async function useBackend(requested: BackendName | 'auto' = 'auto'): Promise<string> {
  return (await useBackendWithReport(requested)).name;
}

/** Like `useBackend`, but returns the full report: what was chosen, why, and its precision. */
export async function useBackendWithReport(requested: BackendName | 'auto' = 'auto'): Promise<BackendChoice> {
  return chooseBackend(requested);
}

/** One line for logs: `backend 'wasm' (float32, simd) - requested 'wasm'`. */
export function describeChoice(choice: BackendChoice): string {
  const extras = Object.entries(choice.details)
    .filter(([k]) => k !== 'backend' && k !== 'floatPrecision')
    .map(([k, v]) => `${k}=${v}`);
  return `backend '${choice.name}' (float${choice.precision}${extras.length ? `, ${extras.join(', ')}` : ''}) - ${choice.reason}`;
}
