import type { BackendName } from './names';

// @basin/core's BasinError brand (registered globally with Symbol.for): `isBasinError(e)` and
// `e instanceof BasinError` from @basin/core hold for these errors too, without this package
// depending on core.
const BASIN_ERROR = Symbol.for('@basin/core.BasinError');

/**
 * Thrown when a requested backend cannot be used: the message says why and, where a package
 * is missing, names it and the install line.
 */
export class BackendUnavailableError extends Error {
  /** The backend(s) that were requested. */
  readonly requested: readonly BackendName[];
  /** npm packages that would have to be installed (empty when something else is missing). */
  readonly missingPackages: readonly string[];

  constructor(message: string, requested: readonly BackendName[], missingPackages: readonly string[] = []) {
    super(message);
    this.name = 'BackendUnavailableError';
    Object.defineProperty(this, BASIN_ERROR, { value: true });
    this.requested = requested;
    this.missingPackages = missingPackages;
  }
}

/** Thrown for a bad argument (an unknown backend name, a malformed option). */
export class BackendOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendOptionError';
    Object.defineProperty(this, BASIN_ERROR, { value: true });
  }
}
