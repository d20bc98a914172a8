import * as tf from '@tensorflow/tfjs-core';
import { entryPoint, checkFn } from '@basin/core';
import { activationGrads } from './activations';
import { convGrads } from './conv';
import { customGradOpGrads } from './custom-grad-ops';
import { nonDifferentiableGrads } from './non-differentiable';
import { poolingGrads } from './pooling';

/** Every gradient definition Basin installs, by kernel (or custom-op scope) name. */
export const SECOND_ORDER_GRADIENTS: readonly tf.GradConfig[] = [
  ...activationGrads,
  ...nonDifferentiableGrads,
  ...convGrads,
  ...poolingGrads,
  ...customGradOpGrads,
];

/** Kernel names whose gradients `installSecondOrderGradients` replaces or adds. */
export const secondOrderKernelNames = (): string[] => SECOND_ORDER_GRADIENTS.map((g) => g.kernelName);

// What was registered before installing (undefined: nothing), kept in the global registry's
// process so several copies of this package share one install.
interface InstallState {
  depth: number;
  previous: Map<string, tf.GradConfig | undefined>;
}
const KEY = '__basinSecondOrderGradients';
function state(): InstallState {
  const g = globalThis as unknown as Record<string, InstallState | undefined>;
  if (!g[KEY]) g[KEY] = { depth: 0, previous: new Map() };
  return g[KEY] as InstallState;
}

/**
 * Installs second-order-safe gradients into TF.js's global gradient registry, so `tf.grad` of a
 * `tf.grad` (and so exact Hessian-vector products) is right for every op that tf.layers models
 * and losses use. First-order gradients are unchanged: the new definitions run the stock
 * arithmetic unless they are themselves being differentiated.
 *
 * The registry is shared by every user of the one `@tensorflow/tfjs-core` instance (tfjs,
 * tfjs-layers, your app). Calls nest: each install needs one uninstall; the last uninstall
 * restores the gradients that were registered before the first install. Install after importing
 * `@tensorflow/tfjs` (which registers the stock gradients on import).
 */
export function installSecondOrderGradients(): void {
  const s = state();
  if (s.depth === 0) {
    s.previous.clear();
    for (const config of SECOND_ORDER_GRADIENTS) {
      s.previous.set(config.kernelName, tf.getGradient(config.kernelName));
      tf.registerGradient(config);
    }
  }
  s.depth += 1;
}

/** Undoes one `installSecondOrderGradients`; the last one restores the previous gradients. */
export function uninstallSecondOrderGradients(): void {
  const s = state();
  if (s.depth === 0) return;
  s.depth -= 1;
  if (s.depth > 0) return;
  for (const config of SECOND_ORDER_GRADIENTS) {
    // Leave alone a gradient someone registered over ours since.
    if (tf.getGradient(config.kernelName) !== config) continue;
    const before = s.previous.get(config.kernelName);
    if (before) tf.registerGradient(before);
    else tf.unregisterGradient(config.kernelName);
  }
  s.previous.clear();
}

/** Whether the second-order-safe gradients are installed now. */
export function secondOrderGradientsInstalled(): boolean {
  return state().depth > 0 && SECOND_ORDER_GRADIENTS.every((c) => tf.getGradient(c.kernelName) === c);
}

/**
 * Runs `fn` with the second-order-safe gradients installed and restores the registry afterwards
 * (also when `fn` throws). Tape nodes look their gradient up when they are recorded, so the whole
 * computation to be differentiated twice must run inside.
 */
export const withSecondOrderGradients = entryPoint('withSecondOrderGradients', function withSecondOrderGradients<T>(fn: () => T): T {
  checkFn('withSecondOrderGradients', 'fn', fn, 'a function to run with the gradients installed');
  installSecondOrderGradients();
  try {
    return fn();
  } finally {
    uninstallSecondOrderGradients();
  }
});
