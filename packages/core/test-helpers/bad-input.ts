// The check behind core's table-driven bad-input suite: a call with bad input must throw a
// BasinError that starts with the public entry point the user called and names the parameter
// or tree path, must not wrap a raw JavaScript or TF.js error of Basin's own making, must leave
// the caller's params and state alive and unchanged, and must not leak a tensor.
import { tf } from '@basin/testing';
import { BasinError, isBasinError } from '../src/errors';
import { treeDispose } from '../src/tree';
import { snapshot, vals } from '.';

export interface BadInputSetup {
  /** The call with bad input. */
  call: () => unknown;
  /** The caller's data that must come out alive and unchanged (params, state, updates, batch). */
  keep?: unknown;
  /** Everything the setup made, released after the check (disposed tensors are skipped). */
  dispose?: unknown;
  /** Runs after the check, for what is not a tree of tensors (an optimizer to dispose). */
  cleanup?: () => void;
}

export interface BadInput {
  /** The public entry point the user called (alternatives allowed): `sgd`, `Trainer.step`. */
  entry: string | readonly string[];
  /** What is wrong with the input, for the test name. */
  input: string;
  /** The parameter or tree path the message must name. */
  names: RegExp;
  /** Builds fresh inputs and the call. */
  setup: () => BadInputSetup;
  /** The error starts in the user's own code (a loss that throws): core may keep it as `cause`. */
  userError?: boolean;
}

export interface BadInputOutcome {
  message: string;
  problems: string[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs one row and lists what is not as promised (an empty list: a clear error). */
export function tryBadInput(row: BadInput): BadInputOutcome {
  const { call, keep, dispose, cleanup } = row.setup();
  const snap = snapshot(keep);
  const before = tf.memory().numTensors;
  const problems: string[] = [];
  let error: unknown;
  let result: unknown;
  let threw = false;
  try {
    result = call();
  } catch (e) {
    threw = true;
    error = e;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (!threw) {
    problems.push('no error was thrown');
    if (result && typeof (result as { dispose?: unknown }).dispose === 'function' && !(result instanceof tf.Tensor)) (result as { dispose(): void }).dispose();
    else treeDispose(result);
  } else {
    if (!isBasinError(error)) problems.push(`not a BasinError (${(error as Error)?.constructor?.name ?? typeof error})`);
    if (!(error instanceof BasinError)) problems.push('not instanceof BasinError');
    const entries = typeof row.entry === 'string' ? [row.entry] : row.entry;
    if (!new RegExp(`^(${entries.map(escape).join('|')}): `).test(message)) problems.push(`does not start with '${entries.join("' or '")}: '`);
    if (!row.names.test(message)) problems.push(`does not name ${row.names}`);
    const cause = (error as { cause?: unknown } | undefined)?.cause;
    if (!row.userError && cause !== undefined && !isBasinError(cause)) {
      problems.push(`wraps a raw ${(cause as Error)?.constructor?.name ?? typeof cause} instead of checking the input`);
    }
  }
  for (const { tensor, values } of snap.tensors) {
    if (tensor.isDisposed) {
      problems.push(`disposed a caller's tensor of shape [${tensor.shape.join(', ')}]`);
    } else if (JSON.stringify(vals(tensor)) !== JSON.stringify(values)) {
      problems.push(`changed a caller's tensor of shape [${tensor.shape.join(', ')}]`);
    }
  }
  const leaked = tf.memory().numTensors - before;
  if (leaked !== 0) problems.push(`${leaked > 0 ? 'leaked' : 'freed'} ${Math.abs(leaked)} tensor(s)`);
  treeDispose([keep, dispose]);
  cleanup?.();
  return { message, problems };
}

/** Counts rows for the suite's summary. */
export class BadInputTally {
  tried = 0;
  clear = 0;
  unclear: { name: string; message: string; problems: string[] }[] = [];

  record(name: string, outcome: BadInputOutcome): void {
    this.tried += 1;
    if (outcome.problems.length === 0) this.clear += 1;
    else this.unclear.push({ name, ...outcome });
  }
}
