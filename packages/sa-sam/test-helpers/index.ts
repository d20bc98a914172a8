// Test-only helpers (excluded from the build): bad-input tables that check the error, that the
// caller's tensors are untouched and that nothing leaked.
import { tf } from '@basin/testing';
import { BasinError, collectTensors, isBasinError, isTensor, treeDispose } from '@basin/core';

const vals = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** Everything about a structure a failed call must leave alone: tensor identities and values, numbers, keys. */
export function snapshot(x: unknown): { tensors: { tensor: tf.Tensor; values: number[] }[]; shape: string } {
  const shape = JSON.stringify(x, (_, v: unknown) => (isTensor(v) ? `tensor[${v.shape.join(',')}] ${v.dtype}` : v === Infinity ? 'Infinity' : v));
  return { tensors: [...collectTensors(x)].map((tensor) => ({ tensor, values: vals(tensor) })), shape };
}

/** Asserts every tensor of a snapshot is alive with the same values, and the structure and numbers are the same. */
export function expectIntact(snap: ReturnType<typeof snapshot>, now: unknown): void {
  for (const { tensor, values } of snap.tensors) {
    expect(tensor.isDisposed).toBe(false);
    expect(vals(tensor)).toEqual(values);
  }
  expect(snapshot(now).shape).toBe(snap.shape);
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
