/**
 * The end of a quick (CI) run: prints each claim as `check: <what>: yes|NO` and exits with
 * status 1 if any of them failed, so that CI fails with the claim named.
 */
export function assertChecks(checks: readonly (readonly [what: string, ok: boolean])[]): void {
  for (const [what, ok] of checks) console.log(`check: ${what}: ${ok ? 'yes' : 'NO'}`);
  if (checks.some(([, ok]) => !ok)) process.exit(1);
}
