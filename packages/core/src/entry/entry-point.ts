import { claimError } from '../errors';

// How many Basin entry points are running on the stack. Only the outermost one (the call the
// user wrote) labels errors, so an alias built from other public pieces reports its own name.
let depth = 0;

/** True while a Basin entry point is running: factories called now are building blocks. */
export function insideEntryPoint(): boolean {
  return depth > 0;
}

/**
 * Runs `body` as the public entry point `name`: any error escaping the outermost entry point is
 * a BasinError that names it (see `claimError`); a returned promise is labelled the same way.
 * With `always`, it labels errors even when nested (methods of an object the user holds, such
 * as a transform's `update` called by a chain, speak for that object).
 */
export function runEntryPoint<R>(name: string, body: () => R, always = false): R {
  const outermost = always || depth === 0;
  depth += 1;
  try {
    const result = body();
    if (outermost && result instanceof Promise) {
      return result.catch((e: unknown) => {
        throw claimError(e, name);
      }) as R;
    }
    return result;
  } catch (e) {
    throw outermost ? claimError(e, name) : e;
  } finally {
    depth -= 1;
  }
}

/** Wraps a public function so that it runs as the entry point `name` (see `runEntryPoint`). */
export function entryPoint<F extends (...args: any[]) => any>(name: string, fn: F): F {
  const wrapped = function (this: unknown, ...args: unknown[]) {
    return runEntryPoint(name, () => fn.apply(this, args));
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name || name });
  return wrapped as F;
}
