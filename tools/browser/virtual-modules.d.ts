// Modules that exist only inside esbuild bundles (made by plugins in conformance-lib.ts).
declare module 'basin:parity-cases' {
  import type { CaseHandler } from '../parity/fixture-types';
  export const handlers: Record<string, CaseHandler>;
  export const excluded: { file: string; reason: string }[];
}
