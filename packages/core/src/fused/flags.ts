import * as tf from '@tensorflow/tfjs-core';

/**
 * The TF.js environment flag that turns fused updates on (default) or off. Off, every transform
 * runs its composed reference path: one TF.js op per arithmetic step, as before fusion.
 *
 * - `setFusedUpdates(false)` (or `tf.env().set('BASIN_FUSED_UPDATES', false)`) in code;
 * - `BASIN_FUSED_UPDATES=0` (or `false`, `off`) in the environment of a Node process;
 * - `?tfjsflags=BASIN_FUSED_UPDATES:false` in a page's URL (TF.js reads flags from it).
 */
export const FUSED_UPDATES_FLAG = 'BASIN_FUSED_UPDATES';

let registered = false;

function fromProcessEnv(): boolean | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[FUSED_UPDATES_FLAG];
  if (value === undefined || value === '') return undefined;
  return !/^(0|false|off|no)$/i.test(value.trim());
}

function ensureFlag(): void {
  if (registered) return;
  registered = true;
  tf.env().registerFlag(FUSED_UPDATES_FLAG, () => fromProcessEnv() ?? true);
}

/** Whether transforms may run fused kernels (they still need one registered for the backend). */
export function fusedUpdatesEnabled(): boolean {
  ensureFlag();
  return tf.env().getBool(FUSED_UPDATES_FLAG);
}

/**
 * Turns fused updates on or off for every Basin transform (see `FUSED_UPDATES_FLAG`); returns
 * the previous setting. Off is for debugging and for reference runs: results agree to float32
 * rounding either way, and states are interchangeable.
 */
export function setFusedUpdates(enabled: boolean): boolean {
  const previous = fusedUpdatesEnabled();
  tf.env().set(FUSED_UPDATES_FLAG, enabled === true);
  return previous;
}

/** Runs `fn` with fused updates on or off, restoring the previous setting afterwards. */
export function withFusedUpdates<R>(enabled: boolean, fn: () => R): R {
  const previous = setFusedUpdates(enabled);
  try {
    return fn();
  } finally {
    setFusedUpdates(previous);
  }
}
