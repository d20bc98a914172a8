import type { Environment } from './names';

/** Detects Node, a browser page or a web worker (Node wins when both look present, e.g. jsdom). */
export function detectEnvironment(): Environment {
  const g = globalThis as { process?: { versions?: { node?: string } }; document?: unknown; importScripts?: unknown };
  if (g.process?.versions?.node !== undefined) return 'node';
  if (typeof g.document !== 'undefined') return 'browser';
  return typeof g.importScripts === 'function' ? 'worker' : 'browser';
}
