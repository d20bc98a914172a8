import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from './errors';
import { describePath, describeValue, treeLeaves, Tree } from './tree';
import type { Schedule } from './schedule-types';

/** A hyperparameter given as a constant or as a function of the step count. */
export type ScalarOrSchedule = number | Schedule;

function fail(owner: string, name: string, expected: string, value: unknown, described = false): never {
  const got = described ? String(value) : typeof value === 'number' ? value : typeof value === 'function' ? 'a function' : value === undefined ? 'undefined' : JSON.stringify(value);
  throw new BasinError(`${owner}: ${name} must be ${expected}, got ${got}`);
}

/** Finite number checks for hyperparameters; `owner` is the transform's name for the message. */
export function checkNumber(
  owner: string,
  name: string,
  value: unknown,
  range: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; integer?: boolean } = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(owner, name, 'a finite number', value);
  const { min, max, minExclusive = false, maxExclusive = false, integer = false } = range;
  const describe = (): string => {
    const parts: string[] = [];
    if (min !== undefined) parts.push(`${minExclusive ? '>' : '>='} ${min}`);
    if (max !== undefined) parts.push(`${maxExclusive ? '<' : '<='} ${max}`);
    return `${integer ? 'an integer' : 'a number'}${parts.length ? ' ' + parts.join(' and ') : ''}`;
  };
  if (integer && !Number.isInteger(value)) fail(owner, name, describe(), value);
  if (min !== undefined && (minExclusive ? value <= min : value < min)) fail(owner, name, describe(), value);
  if (max !== undefined && (maxExclusive ? value >= max : value > max)) fail(owner, name, describe(), value);
  return value;
}

/** Accepts a number (checked like `checkNumber`) or a schedule function (checked when called). */
export function checkScalarOrSchedule(
  owner: string,
  name: string,
  value: unknown,
  range: Parameters<typeof checkNumber>[3] = {},
): ScalarOrSchedule {
  if (typeof value === 'function') return value as Schedule;
  return checkNumber(owner, name, value, range);
}

/** Evaluates a hyperparameter at `step`, and checks a schedule's value is a finite number. */
export function resolveHyper(owner: string, name: string, value: ScalarOrSchedule, step: number): number {
  if (typeof value === 'number') return value;
  const v = value(step);
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(owner, `${name} (schedule at step ${step})`, 'a finite number', v);
  return v;
}

/**
 * Throws if any leaf holds NaN or Infinity, naming the first such leaf. Reads data back from the
 * backend (one scalar per leaf), so training helpers call it once per step, not per op.
 */
export function assertFiniteTree(tree: Tree, name: string): void {
  // Empty leaves hold nothing to check (and tf.all of an empty tensor is false in TF.js).
  const entries = treeLeaves(tree).filter((e) => e.leaf.size > 0);
  if (entries.length === 0) return;
  const flags = tf.tidy(() => tf.stack(entries.map((e) => tf.cast(tf.all(tf.isFinite(e.leaf)), 'int32'))));
  const values = flags.dataSync();
  flags.dispose();
  const bad = entries.findIndex((_, i) => values[i] === 0);
  if (bad >= 0) throw new BasinError(`${name} at ${describePath(entries[bad].path)} contains NaN or Infinity`);
}

/** Checks that `value` is a Basin transform (an object with `init` and `update` functions). */
export function checkTransform(owner: string, name: string, value: unknown): void {
  const t = value as { init?: unknown; update?: unknown } | null | undefined;
  if (typeof t !== 'object' || t === null || typeof t.init !== 'function' || typeof t.update !== 'function') {
    const got = value === null || value === undefined ? String(value) : typeof value === 'function' ? `the function ${(value as { name?: string }).name || '(anonymous)'} (call it to make a transform)` : `a ${typeof value}`;
    fail(owner, name, 'a Basin transform (an object with init and update, e.g. adam({ learningRate: 1e-3 }))', got, true);
  }
}

/** Checks that `value` is a function (a loss, a gradient function, a schedule). */
export function checkFunction(owner: string, name: string, value: unknown): void {
  if (typeof value !== 'function') fail(owner, name, 'a function', value === undefined ? 'undefined' : value);
}

/**
 * Checks a boolean option: `true` or `false`, nothing truthy or falsy (`'no'`, `0`). With a
 * `fallback`, `undefined` gives it; `describe` words a wrong value (default `describeValue`).
 */
export function checkBoolean(
  owner: string,
  name: string,
  value: unknown,
  { fallback, describe = describeValue }: { fallback?: boolean; describe?: (value: unknown) => string } = {},
): boolean {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'boolean') throw new BasinError(`${owner}: ${name} must be true or false, got ${describe(value)}`);
  return value;
}
