// Errors and argument checks. @basin/plot depends on nothing, so its errors carry @basin/core's
// BasinError brand (registered globally with Symbol.for) instead of extending the class:
// `isBasinError(e)` and `e instanceof BasinError` from @basin/core hold for them too.
const BASIN_ERROR = Symbol.for('@basin/core.BasinError');

/**
 * Thrown for bad input. The message starts with the function called (`lineChart: ...`), names
 * the argument or option and says what was expected.
 */
export class PlotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlotError';
    Object.defineProperty(this, BASIN_ERROR, { value: true });
  }
}

export type Numbers = ArrayLike<number>;

/** What a value is, for messages (the wording of @basin/core's checks). */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'function') return `the function ${(value as { name?: string }).name || '(anonymous)'}`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'object') return `a record with keys {${Object.keys(value).join(', ')}}`;
  return `${typeof value} ${String(value)}`;
}

export const fail = (owner: string, message: string): never => {
  throw new PlotError(`${owner}: ${message}`);
};

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

export function isNumbers(value: unknown): value is Numbers {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/** An array (or typed array) of numbers; NaN and infinities are allowed (they mark gaps). */
export function checkNumbers(owner: string, name: string, value: unknown, minLength = 0): Numbers {
  if (!isNumbers(value)) fail(owner, `${name} must be an array of numbers, got ${describe(value)}`);
  const values = value as Numbers;
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number') fail(owner, `${name}[${i}] must be a number (NaN marks a gap), got ${describe(values[i])}`);
  }
  if (values.length < minLength) fail(owner, `${name} needs at least ${minLength} value${minLength === 1 ? '' : 's'}, got ${values.length}`);
  return values;
}

/** An options argument: undefined gives `{}`; anything but a plain record is refused. */
export function checkOptions<O extends object>(owner: string, options: O | undefined): Partial<Record<keyof O, unknown>> {
  if (options === undefined) return {};
  if (!isRecord(options)) fail(owner, `options must be a record of options (or undefined), got ${describe(options)}`);
  return options as Partial<Record<keyof O, unknown>>;
}

export function checkString(owner: string, name: string, value: unknown, fallback = ''): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') fail(owner, `${name} must be a string, got ${describe(value)}`);
  return value as string;
}

export function checkBoolean(owner: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(owner, `${name} must be true or false, got ${describe(value)}`);
  return value as boolean;
}

/** A finite number in a range (the message wording of @basin/core's `checkNumber`). */
export function checkNumber(owner: string, name: string, value: unknown, range: { min?: number; max?: number; minExclusive?: boolean; integer?: boolean } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail(owner, `${name} must be a finite number, got ${describe(value)}`);
  const { min, max, minExclusive = false, integer = false } = range;
  const bounds = [min !== undefined ? `${minExclusive ? '>' : '>='} ${min}` : '', max !== undefined ? `<= ${max}` : ''].filter(Boolean).join(' and ');
  const expected = `${integer ? 'an integer' : 'a number'}${bounds ? ` ${bounds}` : ''}`;
  if ((integer && !Number.isInteger(value)) || (min !== undefined && (minExclusive ? value <= min : value < min)) || (max !== undefined && value > max)) {
    fail(owner, `${name} must be ${expected}, got ${value}`);
  }
  return value;
}

export function checkOneOf<T extends string>(owner: string, name: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) fail(owner, `${name} must be ${allowed.map((a) => `'${a}'`).join(', ').replace(/, ([^,]*)$/, ' or $1')}, got ${describe(value)}`);
  return value as T;
}

/** `[low, high]` where either end may be undefined (taken from the data). */
export function checkDomain(owner: string, name: string, value: unknown, positive = false): [number | undefined, number | undefined] {
  if (value === undefined) return [undefined, undefined];
  if (!Array.isArray(value) || value.length !== 2) return fail(owner, `${name} must be [low, high] (either may be undefined), got ${describe(value)}`);
  const [lo, hi] = value.map((v, k) => (v === undefined ? undefined : checkNumber(owner, `${name}[${k}]`, v, positive ? { min: 0, minExclusive: true } : {})));
  if (lo !== undefined && hi !== undefined && !(hi > lo)) fail(owner, `${name} must be [low, high] with high > low, got [${lo}, ${hi}]`);
  return [lo, hi];
}
