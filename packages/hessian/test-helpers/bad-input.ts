// Test helper (not exported from the package): runs one bad call and checks that it fails the
// way a user should see it fail.
import { tf } from '@basin/testing';
import { collectTensors, isBasinError } from '@basin/core';

export interface BadInput {
  /** What is wrong (the test's title). */
  what: string;
  /** The public name the message must start with (`hessian.hvp`, `topEigenvalues`, ...). */
  owner: string;
  /** What the message must say: the parameter or tree path, and what was expected. */
  says: RegExp;
  /** The call; may return a promise. */
  call: () => unknown;
  /**
   * The error is the user's own (their loss or operator threw): it is wrapped in a BasinError
   * that keeps it as `cause`. Otherwise a cause means a raw error leaked through, which fails.
   */
  wraps?: boolean;
}

// Names of internal helpers, and the wording of raw JavaScript errors, that a message must never show.
const INTERNAL = /\b(treeMap|treeSub|treeAdd|treeDot|treeFlatten|treeLeaves|treeUnflatten|treeFromVector|treeToVector|assertSameStructure|floatLeaves|checkMatches|doubleBackpropHvp|weightedSum|scalarOf|lanczosSteps)\b|Cannot read propert|is not a function|is not iterable|undefined is not/;

interface Snapshot {
  tensor: tf.Tensor;
  disposed: boolean;
  data: number[] | null;
}

function snapshot(inputs: unknown): Snapshot[] {
  return [...collectTensors(inputs)].map((tensor) => ({ tensor, disposed: tensor.isDisposed, data: tensor.isDisposed ? null : Array.from(tensor.dataSync()) }));
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Runs `c.call()` and asserts: it throws (or rejects with) a BasinError whose message starts with
 * `c.owner: `, says `c.says`, names no internal helper and wraps no raw error (unless `c.wraps`);
 * no tensor leaked; every tensor in `inputs` is alive and holds the same values as before.
 */
export async function expectBadInput(c: BadInput, inputs: unknown): Promise<void> {
  const before = snapshot(inputs);
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
  expect(message.slice(c.owner.length)).not.toMatch(INTERNAL);
  const cause = (error as { cause?: unknown }).cause;
  if (c.wraps) expect(cause).toBeDefined();
  else if (cause !== undefined) throw new Error(`${c.what}: a raw error leaked through: ${String(cause)}`);
  expect(tf.memory().numTensors).toBe(count);
  for (const s of before) {
    expect(s.tensor.isDisposed).toBe(s.disposed);
    if (s.data !== null) expect(Array.from(s.tensor.dataSync())).toEqual(s.data);
  }
}
