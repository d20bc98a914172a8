// The brand is registered globally (`Symbol.for`), so a BasinError thrown by the CommonJS build
// is recognised by the ESM build and by other copies of @basin/core in one process.
const BRAND = Symbol.for('@basin/core.BasinError');

/** Matches the `name: ` that starts a Basin message, e.g. `adam: ` or `Trainer.step: `. */
const OWNER_PREFIX = /^([A-Za-z_$][\w$.]*(?:\([^)]*\))?): /;

/**
 * Errors Basin raises for bad input. The message starts with the public entry point the user
 * called (`sgd: momentum must be ...`), names the parameter or tree path, and says what was
 * expected. Recognise one with `isBasinError(e)` or `e instanceof BasinError`; both work across
 * the ESM and CommonJS builds.
 */
export class BasinError extends Error {
  /** The public function, method or transform the user called, once an entry point claimed it. */
  entryPoint?: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    this.name = 'BasinError';
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return isBasinError(value);
  }
}

/** True for any BasinError, whichever build or copy of @basin/core threw it. */
export function isBasinError(value: unknown): value is BasinError {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: boolean })[BRAND] === true;
}

/**
 * The error the user sees from entry point `name`: a BasinError already claimed by an entry
 * point the user called passes through; an internal one is relabelled with `name` (so `sgd`
 * never reports `trace: ...`); anything else (a TypeError, a TF.js error) becomes a BasinError
 * that keeps the original as `cause`.
 */
export function claimError(error: unknown, name: string): BasinError {
  if (isBasinError(error)) {
    if (error.entryPoint !== undefined) return error;
    const owner = OWNER_PREFIX.exec(error.message);
    if (owner?.[1] === name) {
      error.entryPoint = name;
      return error;
    }
    const detail = owner ? error.message.slice(owner[0].length) : error.message;
    const claimed = new BasinError(`${name}: ${detail}`, { cause: (error as { cause?: unknown }).cause });
    claimed.stack = `BasinError: ${claimed.message}\n${(error.stack ?? '').split('\n').slice(1).join('\n')}`;
    claimed.entryPoint = name;
    return claimed;
  }
  const message = error instanceof Error ? error.message : String(error);
  const wrapped = new BasinError(`${name}: ${message}`, { cause: error });
  wrapped.entryPoint = name;
  return wrapped;
}
