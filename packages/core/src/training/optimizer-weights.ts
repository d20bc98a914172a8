import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from '../errors';
import { collectTensors, describeValue, isTensor, treeDispose, treeLeaves, treeUnflatten, TreeOf } from '../tree';

/**
 * How `BasinOptimizer.getWeights` lays out its state as TF.js `NamedTensor`s (what
 * `model.save({ includeOptimizer: true })` stores and `setWeights` reads back):
 *
 * - `iter`: the step count, an int32 scalar, first (the TF.js convention);
 * - `variables`: the names of the variables the state belongs to, in order, a string tensor
 *   (a state restored into a model whose variables got other names is matched by position);
 * - one entry per leaf of the state, named by its tree path (`state.mu.dense_Dense1/kernel`,
 *   `state[0].count`): tensors as they are; numbers, booleans and strings (step counts, SA-SAM's
 *   ratio) as string scalars holding the exact value. Empty entries and functions are not saved:
 *   the transform's `init` gives them back.
 */
/** TF.js's `NamedTensor` (`{ name, tensor }`), which tfjs-core does not export by name. */
export type NamedTensor = Parameters<tf.Optimizer['setWeights']>[0][number];

export const ITERATIONS_NAME = 'iter';
export const VARIABLES_NAME = 'variables';
const STATE_ROOT = 'state';

/** State leaves: tensors and anything that is not an array or a record. */
const isStateLeaf = (x: unknown): boolean => isTensor(x) || x === null || typeof x !== 'object';

function stateLeaves(state: unknown): { path: string; leaf: unknown }[] {
  return treeLeaves({ [STATE_ROOT]: state } as TreeOf<unknown>, isStateLeaf, 'optimizer state');
}

/** The weights of a state as new tensors (the caller owns them). */
export function stateToNamedTensors(iterations: number, names: readonly string[] | undefined, state: unknown): NamedTensor[] {
  const out: NamedTensor[] = [{ name: ITERATIONS_NAME, tensor: tf.scalar(iterations, 'int32') }];
  if (names === undefined) return out;
  try {
    out.push({ name: VARIABLES_NAME, tensor: tf.tensor1d([...names], 'string') });
    for (const { path, leaf } of stateLeaves(state)) {
      if (isTensor(leaf)) out.push({ name: path, tensor: tf.clone(leaf) });
      else if (typeof leaf === 'number' || typeof leaf === 'boolean' || typeof leaf === 'string') out.push({ name: path, tensor: tf.scalar(String(leaf), 'string') });
    }
  } catch (e) {
    tf.dispose(out.map((w) => w.tensor));
    throw e;
  }
  return out;
}

/** What `setWeights` was given, checked; `leaves` are copies the reader owns. */
export interface SavedWeights {
  iterations: number;
  /** Absent when the weights hold only the step count (saved before the first step). */
  names?: string[];
  leaves: Map<string, tf.Tensor>;
}

/** Reads and checks weights laid out by `stateToNamedTensors`; copies the tensors it keeps. */
export function readNamedTensors(owner: string, weights: unknown): SavedWeights {
  const notOurs = `they were not saved by BasinOptimizer.getWeights (which starts with '${ITERATIONS_NAME}' and '${VARIABLES_NAME}')`;
  if (!Array.isArray(weights) || weights.length === 0) {
    throw new BasinError(`${owner}: weights must be a non-empty array of { name, tensor } (what getWeights returns), got ${describeValue(weights)}`);
  }
  weights.forEach((w, i) => {
    if (w === null || typeof w !== 'object' || typeof w.name !== 'string' || !isTensor(w.tensor)) {
      throw new BasinError(`${owner}: weights[${i}] must be { name: string, tensor: tf.Tensor }, got ${describeValue(w)}`);
    }
    if (w.tensor.isDisposed) throw new BasinError(`${owner}: weights[${i}] ('${w.name}') is a disposed tensor`);
  });
  const list = weights as NamedTensor[];
  const [iter, variables, ...rest] = list;
  if (iter.name !== ITERATIONS_NAME || iter.tensor.size !== 1 || iter.tensor.dtype === 'string') {
    throw new BasinError(`${owner}: the first weight is '${iter.name}', not the step count '${ITERATIONS_NAME}'; ${notOurs}`);
  }
  const iterations = iter.tensor.dataSync()[0] as number;
  if (!Number.isInteger(iterations) || iterations < 0) throw new BasinError(`${owner}: the step count '${ITERATIONS_NAME}' is ${iterations}; expected a non-negative integer`);
  if (variables === undefined) return { iterations, leaves: new Map() };
  if (variables.name !== VARIABLES_NAME || variables.tensor.dtype !== 'string' || variables.tensor.rank !== 1) {
    throw new BasinError(`${owner}: the second weight is '${variables.name}', not the variable names '${VARIABLES_NAME}' (a 1-D string tensor); ${notOurs}`);
  }
  const names = (variables.tensor.dataSync() as unknown as string[]).map(String);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) throw new BasinError(`${owner}: the variable name '${duplicate}' appears twice in '${VARIABLES_NAME}'`);
  const leaves = new Map<string, tf.Tensor>();
  try {
    for (const { name, tensor } of rest) {
      if (name !== STATE_ROOT && !name.startsWith(`${STATE_ROOT}.`) && !name.startsWith(`${STATE_ROOT}[`)) {
        throw new BasinError(`${owner}: unexpected weight '${name}' (state entries are named by their path, starting with '${STATE_ROOT}'); ${notOurs}`);
      }
      if (leaves.has(name)) throw new BasinError(`${owner}: the weight '${name}' appears twice`);
      leaves.set(name, tf.keep(tf.clone(tensor)));
    }
  } catch (e) {
    tf.dispose([...leaves.values()]);
    throw e;
  }
  return { iterations, names, leaves };
}

function parseLeaf(owner: string, path: string, template: unknown, saved: tf.Tensor): unknown {
  if (isTensor(template)) {
    if (saved.dtype !== template.dtype || !tf.util.arraysEqual(saved.shape, template.shape)) {
      throw new BasinError(`${owner}: the saved state at '${path}' is a ${saved.dtype} tensor of shape [${saved.shape.join(', ')}]; this transform's state there is a ${template.dtype} tensor of shape [${template.shape.join(', ')}]`);
    }
    return tf.keep(tf.clone(saved));
  }
  if (saved.dtype !== 'string' || saved.size !== 1) {
    throw new BasinError(`${owner}: the saved state at '${path}' is a ${saved.dtype} tensor; this transform's state there is a ${typeof template} (saved as a string scalar)`);
  }
  const text = String(saved.dataSync()[0]);
  if (typeof template === 'number') {
    const value = Number(text);
    if (text.trim() === '' || (Number.isNaN(value) && text !== 'NaN')) throw new BasinError(`${owner}: the saved state at '${path}' is '${text}', not a number`);
    return value;
  }
  if (typeof template === 'boolean') {
    if (text !== 'true' && text !== 'false') throw new BasinError(`${owner}: the saved state at '${path}' is '${text}', not a boolean`);
    return text === 'true';
  }
  return text;
}

/**
 * The state `template` (what the transform's `init` gives) with every saved leaf put in: new
 * tensors, kept out of any enclosing `tf.tidy`, that the caller owns. The template is left alone.
 * Throws naming the first missing, extra or mismatched entry, keeping nothing.
 */
export function fillState(owner: string, template: unknown, leaves: ReadonlyMap<string, tf.Tensor>): unknown {
  const entries = stateLeaves(template);
  const made: unknown[] = [];
  try {
    const used = new Set<string>();
    for (const { path, leaf } of entries) {
      const savable = isTensor(leaf) || typeof leaf === 'number' || typeof leaf === 'boolean' || typeof leaf === 'string';
      if (!savable) {
        made.push(leaf);
        continue;
      }
      const saved = leaves.get(path);
      if (saved === undefined) {
        throw new BasinError(`${owner}: the saved optimizer weights have no entry '${path}'; they were saved for another transform or another model`);
      }
      used.add(path);
      made.push(parseLeaf(owner, path, leaf, saved));
    }
    const extra = [...leaves.keys()].filter((k) => !used.has(k));
    if (extra.length > 0) {
      throw new BasinError(`${owner}: the saved optimizer weights have entries this transform's state does not ({${extra.join(', ')}}); they were saved for another transform or another model`);
    }
    return (treeUnflatten({ [STATE_ROOT]: template } as TreeOf<unknown>, made, isStateLeaf) as Record<string, unknown>)[STATE_ROOT];
  } catch (e) {
    treeDispose(made.filter(isTensor));
    throw e;
  }
}

/**
 * A copy of the tree with record keys renamed (tensors and other leaves shared, not copied).
 * Used to move a state saved for variables of other names onto these variables.
 */
export function renameStateKeys(tree: unknown, names: ReadonlyMap<string, string>): unknown {
  if (isTensor(tree) || tree === null || typeof tree !== 'object') return tree;
  if (Array.isArray(tree)) return tree.map((x) => renameStateKeys(x, names));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) {
    Object.defineProperty(out, names.get(key) ?? key, { value: renameStateKeys(value, names), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Marks every tensor of a tree as kept, so an enclosing `tf.tidy` (model.fit's) leaves it alone. */
export function keepTensors(tree: unknown): void {
  for (const t of collectTensors(tree)) tf.keep(t);
}
