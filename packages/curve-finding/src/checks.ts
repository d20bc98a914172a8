// Argument checks of @basin/curve-finding's entry points. Each throws a BasinError that starts
// with the public name (`owner`) and names the parameter or tree path and what was expected. The
// checks other packages share come from @basin/core; `checkFn`, `oneOf` and `checkBoolean` are
// core's, bound here to this package's `describeGot` (which alone says 'a disposed tensor').
import {
  BasinError,
  checkBoolean as checkBooleanOption,
  checkFn as checkFunctionArgument,
  describeArgument,
  isTensor,
  oneOf as oneOfStrings,
} from '@basin/core';

/** What a value is, for messages: core's `describeArgument`, and 'a disposed tensor' for one. */
export function describeGot(value: unknown): string {
  if (isTensor(value) && value.isDisposed) return 'a disposed tensor';
  return describeArgument(value);
}

/** True for a plain record (not null, an array or a tensor). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isTensor(value);
}

/** An options argument: undefined gives `{}` (unless `required`); anything but a plain record is refused. */
export function optionsRecord<O extends object>(owner: string, options: O | undefined, example: string, required = false): O {
  if (options === undefined && !required) return {} as O;
  if (!isRecord(options)) throw new BasinError(`${owner}: options must be a record such as ${example}, got ${describeGot(options)}`);
  return options as O;
}

/** A function argument (`undefined` allowed when `optional`). */
export function checkFn(owner: string, name: string, value: unknown, expected?: string, optional?: boolean): void {
  checkFunctionArgument(owner, name, value, expected, optional, describeGot);
}

/** One of a few string values (`undefined` gives the default). */
export function oneOf<T extends string>(owner: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  return oneOfStrings(owner, name, value, allowed, fallback, describeGot);
}

/** A boolean option (`undefined` gives the default). */
export function checkBoolean(owner: string, name: string, value: unknown, fallback: boolean): boolean {
  return checkBooleanOption(owner, name, value, { fallback, describe: describeGot });
}

/** A live tensor with a first (row) dimension. */
export function checkRows(owner: string, name: string, value: unknown): void {
  if (!isTensor(value) || value.isDisposed) throw new BasinError(`${owner}: ${name} must be a tensor, got ${describeGot(value)}`);
  if (value.rank === 0) throw new BasinError(`${owner}: ${name} must have a first (row) dimension, got a scalar`);
}

/** `x` and `y` tensors with the same number of rows (at least one). */
export function checkXY(owner: string, x: unknown, y: unknown, names: [string, string] = ['x', 'y']): void {
  checkRows(owner, names[0], x);
  checkRows(owner, names[1], y);
  const [nx, ny] = [(x as { shape: number[] }).shape[0], (y as { shape: number[] }).shape[0]];
  if (nx !== ny) throw new BasinError(`${owner}: ${names[0]} has ${nx} rows but ${names[1]} has ${ny}`);
  if (nx === 0) throw new BasinError(`${owner}: ${names[0]} and ${names[1]} have no rows`);
}
