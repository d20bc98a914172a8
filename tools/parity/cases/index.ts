// Case handlers by fixture name. Each package's cases live in a file of their own here,
// exporting `cases`; a file not present (package not built yet) means its cases print `skip`.
import type { CaseHandler } from '../fixture-types';
import { coreCases } from './core';

const PACKAGE_CASE_FILES = ['sam', 'm-sam', 'sa-sam', 'muon', 'shampoo', 'hessian', 'curve-finding'];

export async function loadHandlers(): Promise<Record<string, CaseHandler>> {
  const handlers: Record<string, CaseHandler> = { ...coreCases };
  for (const file of PACKAGE_CASE_FILES) {
    let mod: { cases?: Record<string, CaseHandler> };
    try {
      mod = await import(`./${file}`);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') continue;
      throw e;
    }
    Object.assign(handlers, mod.cases ?? {});
  }
  return handlers;
}
