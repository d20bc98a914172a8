import { BasinError } from '../errors';
import type { Transform } from '../transform';
import { checkFunction } from '../validate';
import type { Schedule } from '../schedule-types';
import { publicTransform } from '../entry/public-transform';

/** Options where every number may instead be a schedule of the step count. */
export type Injectable<O> = { [K in keyof O]: O[K] extends number | undefined ? O[K] | Schedule : O[K] };

export interface InjectedState<S = unknown> {
  /** Steps taken; schedules are evaluated at this count. */
  count: number;
  /** Current values: read them, or change them between steps with `setHyperparam`. */
  hyperparams: Record<string, unknown>;
  /** The wrapped optimizer's state (typed: `injectHyperparams(adam, o)`'s is an `AdamOptimizerState`). */
  inner: S;
}

export interface InjectOptions<O> {
  /**
   * Options passed through as they are, never treated as schedules even when they are
   * functions (a weight-decay `mask` function, say): optax's `static_args`.
   */
  staticArgs?: (keyof O)[];
}

/**
 * Makes an optimizer's hyperparameters part of its state (optax's `inject_hyperparams`), so
 * they can be read and changed between steps and saved with checkpoints. Numeric options may
 * be schedules: their value is recomputed at every step and stored in the state.
 *
 *     const opt = injectHyperparams(adam, { learningRate: 1e-3 });
 *     setHyperparam(state, 'learningRate', 5e-4);
 *     injectHyperparams(adamw, { learningRate: 1e-3, mask: (p) => ... }, { staticArgs: ['mask'] });
 */
export const injectHyperparams = publicTransform('injectHyperparams', function injectHyperparams<O extends object, S = unknown>(
  factory: (options: O) => Transform<S>,
  options: Injectable<O>,
  { staticArgs = [] }: InjectOptions<O> = {},
): Transform<InjectedState<S>> {
  checkFunction('injectHyperparams', 'factory', factory);
  if (typeof options !== 'object' || options === null) throw new BasinError(`injectHyperparams: options must be an options record, got ${String(options)}`);
  const scheduled = new Map<string, Schedule>();
  for (const [key, value] of Object.entries(options)) {
    if (typeof value === 'function' && !staticArgs.includes(key as keyof O)) scheduled.set(key, value as Schedule);
  }
  const valuesAt = (count: number, current: Record<string, unknown>): Record<string, unknown> => {
    const values = { ...current };
    for (const [key, schedule] of scheduled) values[key] = schedule(count);
    return values;
  };
  const initial = valuesAt(0, options as Record<string, unknown>);
  factory(initial as O); // validates the options once, up front
  return {
    // A copy per state: setHyperparam writes in place and must not reach other states.
    init: (params) => ({ count: 0, hyperparams: { ...initial }, inner: factory(initial as O).init(params) }),
    update: (updates, state, params, extras) => {
      const hyperparams = valuesAt(state.count, state.hyperparams);
      const [out, inner] = factory(hyperparams as O).update(updates, state.inner, params, extras);
      return [out, { count: state.count + 1, hyperparams, inner }];
    },
  };
});

/**
 * Changes an injected hyperparameter in place, for the following steps. A scheduled one is
 * recomputed at every step, so setting it has no lasting effect: inject a number instead.
 */
export function setHyperparam(state: InjectedState, name: string, value: unknown): void {
  if (typeof state !== 'object' || state === null || typeof state.hyperparams !== 'object' || state.hyperparams === null) {
    throw new BasinError(`setHyperparam: state must be the state of an injectHyperparams transform (with hyperparams), got ${state === null || state === undefined ? String(state) : typeof state === 'object' ? `a record with keys {${Object.keys(state).join(', ')}}` : typeof state}`);
  }
  if (!(name in state.hyperparams)) {
    throw new BasinError(`setHyperparam: no hyperparameter '${name}' (injected: ${Object.keys(state.hyperparams).join(', ')})`);
  }
  const current = state.hyperparams[name];
  if (typeof current === 'number' && (typeof value !== 'number' || !Number.isFinite(value))) {
    throw new BasinError(`setHyperparam: ${name} must be a finite number, got ${String(value)}`);
  }
  state.hyperparams[name] = value;
}
