/**
 * Imports an optional package by name at run time. The specifier is a variable so bundlers
 * do not try to resolve packages the app never installed (a browser app registers its
 * backends by importing them itself, or passes `loaders`). Returns `undefined` when the
 * package is not installed; rethrows any other failure (a broken native binding, say).
 */
export async function importOptional<T = unknown>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as T;
  } catch (e) {
    if (isModuleNotFound(e, specifier)) return undefined;
    throw e;
  }
}

/** True for "this package is not installed" errors from Node (CJS or ESM), Jest and browsers. */
export function isModuleNotFound(e: unknown, specifier: string): boolean {
  const err = e as { code?: string; message?: string };
  if (err?.code === 'MODULE_NOT_FOUND' || err?.code === 'ERR_MODULE_NOT_FOUND') {
    // A missing dependency *of* the package is a broken install, not an absent package.
    return typeof err.message !== 'string' || err.message.includes(specifier);
  }
  const message = String(err?.message ?? '');
  // Browsers cannot resolve bare specifiers without an import map.
  return /Failed to resolve module specifier|Cannot find module|Failed to fetch dynamically imported module|error loading dynamically imported module/i.test(message);
}
