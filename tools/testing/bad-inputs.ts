// Bad-input assertions shared by the packages' tests: a bad call fails with a BasinError that
// names what the user called, the caller's tensors stay alive and unchanged, nothing leaks.
// Three shapes of the same check, as the packages' tests use them: tables of cases
// (`describeBadInputs`), one call with the entry point and the words the message must contain
// (`expectCleanError`), and one call whose message must not show internal helper names
// (`expectBadCall`).
import * as tf from '@tensorflow/tfjs';
import { BasinError, collectTensors, isBasinError, isTensor, treeDispose } from '@basin/core';

const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** Everything about a structure a failed call must leave alone: tensor identities and values, numbers, keys. */
export function snapshot(x: unknown): { tensors: { tensor: tf.Tensor; values: number[] }[]; shape: string } {
  const shape = JSON.stringify(x, (_, v: unknown) => (isTensor(v) ? `tensor[${v.shape.join(',')}] ${v.dtype}` : v === Infinity ? 'Infinity' : v));
  return { tensors: [...collectTensors(x)].map((tensor) => ({ tensor, values: vals(tensor) })), shape };
}

/** Asserts every tensor of a snapshot is alive with the same values; given `now`, also that its structure and numbers are the same. */
export function expectIntact(snap: ReturnType<typeof snapshot>, ...now: [] | [now: unknown]): void {
  for (const { tensor, values } of snap.tensors) {
    expect(tensor.isDisposed).toBe(false);
    expect(vals(tensor)).toEqual(values);
  }
  if (now.length > 0) expect(snapshot(now[0]).shape).toBe(snap.shape);
}

/** Asserts `fn` throws a BasinError (by brand and by instanceof) matching `pattern`, leaking no tensor. */
export function expectBasinError(fn: () => unknown, pattern: RegExp): BasinError {
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  if (!isBasinError(error)) throw new Error(`expected a BasinError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  expect(error).toBeInstanceOf(BasinError);
  expect(error.message).toMatch(pattern);
  expect(tf.memory().numTensors).toBe(before);
  return error;
}

/** One bad input: `setup` builds it from a fresh context (tensors it makes go in `dispose`). */
export interface BadInput<C> {
  name: string;
  /** Must name the entry point called, the parameter or path, and what was expected. */
  pattern: RegExp;
  setup: (ctx: C) => { call: () => unknown; dispose?: unknown };
}

/**
 * One Jest test per bad input: the call throws a BasinError matching the pattern, what the
 * caller owns (`ctx.owned`: params, state, gradients) is alive and unchanged, nothing leaked.
 */
export function describeBadInputs<C extends { owned: unknown }>(title: string, make: () => C, cases: BadInput<C>[]): void {
  describe(title, () => {
    it.each(cases.map((c) => [c.name, c] as const))('bad input: %s', (_, c) => {
      const ctx = make();
      const { call, dispose } = c.setup(ctx);
      const snap = snapshot(ctx.owned);
      expectBasinError(call, c.pattern);
      expectIntact(snap, ctx.owned);
      treeDispose([dispose, ctx]);
    });
  });
}

/**
 * Runs `call`, which must fail with a BasinError whose message starts with `entry: ` and
 * contains every one of `mentions` (the parameter or path, what was expected), leaving every
 * tensor in `owned` alive and unchanged and the live tensor count where it was.
 */
export function expectCleanError(call: () => unknown, entry: string, mentions: readonly (string | RegExp)[], owned: unknown = []): Error {
  const snap = snapshot(owned);
  const before = tf.memory().numTensors;
  let error: unknown;
  try {
    call();
  } catch (e) {
    error = e;
  }
  if (!isBasinError(error)) throw new Error(`expected a BasinError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  const message = error.message;
  if (!message.startsWith(`${entry}: `)) throw new Error(`expected the message to start with '${entry}: ', got: ${message}`);
  for (const m of mentions) {
    if (typeof m === 'string' ? !message.includes(m) : !m.test(message)) throw new Error(`expected the message to mention ${String(m)}, got: ${message}`);
  }
  expect(tf.memory().numTensors).toBe(before);
  expectIntact(snap);
  return error;
}

/** One bad call for `expectBadCall`. */
export interface BadCall {
  /** What is wrong (the test's title). */
  what: string;
  /** The public name the message must start with (`hessian.hvp`, `Curve.pointAt`, ...). */
  owner: string;
  /** What the message must say: the parameter or tree path, and what was expected. */
  says: RegExp;
  /** The call; may return a promise. */
  call: () => unknown;
  /**
   * The error is the user's own (their loss or callback threw): it is wrapped in a BasinError
   * that keeps it as `cause`. Otherwise a cause means a raw error leaked through, which fails.
   */
  wraps?: boolean;
}

/** The wording of raw JavaScript errors, which a message must never show. */
const RAW_ERRORS = /Cannot read propert|is not a function|is not iterable|undefined is not/;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Runs `c.call()` and asserts: it throws (or rejects with) a BasinError whose message starts with
 * `c.owner: `, says `c.says`, names none of `internalNames` (the package's building blocks) and no
 * raw JavaScript error, and wraps no raw error (unless `c.wraps`); no tensor leaked; every tensor
 * in `inputs` is as it was (alive or disposed, same values).
 */
export async function expectBadCall(c: BadCall, inputs: unknown, internalNames: readonly string[]): Promise<void> {
  const before = [...collectTensors(inputs)].map((tensor) => ({ tensor, disposed: tensor.isDisposed, data: tensor.isDisposed ? null : vals(tensor) }));
  const count = tf.memory().numTensors;
  let error: unknown;
  try {
    const result = c.call();
    if (result instanceof Promise) await result;
  } catch (e) {
    error = e;
  }
  if (error === undefined) throw new Error(`${c.what}: expected a BasinError from ${c.owner}, the call succeeded`);
  const message = (error as Error).message;
  if (!isBasinError(error)) throw new Error(`${c.what}: expected a BasinError, got ${(error as Error).name}: ${message}`);
  expect(message).toMatch(new RegExp(`^${escape(c.owner)}: `));
  expect(message).toMatch(c.says);
  const rest = message.slice(c.owner.length);
  expect(rest).not.toMatch(RAW_ERRORS);
  expect(rest).not.toMatch(new RegExp(`\\b(${internalNames.map(escape).join('|')})\\b`));
  const cause = (error as { cause?: unknown }).cause;
  if (c.wraps) expect(cause).toBeDefined();
  else if (cause !== undefined) throw new Error(`${c.what}: a raw error leaked through: ${String(cause)}`);
  expect(tf.memory().numTensors).toBe(count);
  for (const s of before) {
    expect(s.tensor.isDisposed).toBe(s.disposed);
    if (s.data !== null) expect(vals(s.tensor)).toEqual(s.data);
  }
}
