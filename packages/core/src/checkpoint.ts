import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from './errors';
import { assertSameStructure, isTensor, Tree, treeDispose, treeLeaves } from './tree';
import { entryPoint } from './entry/entry-point';

/** A tensor as JSON: dtype, shape and the raw little-endian bytes in base64 (exact round trip). */
interface EncodedTensor {
  $tensor: { dtype: tf.DataType; shape: number[]; data: string };
}

/** A JSON value that any Basin state or params tree encodes to. */
export type EncodedTree = null | boolean | string | number | EncodedTensor | { $number: string } | EncodedTree[] | { [key: string]: EncodedTree };

function toBase64(bytes: Uint8Array): string {
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * Encodes any nested structure of tensors, numbers, strings, booleans, arrays and records
 * (params trees, optimizer states) as JSON-safe data. Non-finite numbers (SA-SAM starts with
 * an infinite ratio) are kept as `{ $number: 'Infinity' }`. Reads tensor data synchronously.
 */
export const encodeTree = entryPoint('encodeTree', function encodeTree(value: unknown, path = 'state'): EncodedTree {
  if (isTensor(value)) {
    if (value.dtype === 'string' || value.dtype === 'complex64') {
      throw new BasinError(`encodeTree: ${path} has dtype ${value.dtype}; only float32, int32 and bool tensors can be saved`);
    }
    const data = value.dataSync() as Float32Array | Int32Array | Uint8Array;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { $tensor: { dtype: value.dtype, shape: [...value.shape], data: toBase64(bytes) } };
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $number: String(value) };
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean' || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v, i) => encodeTree(v, `${path}[${i}]`));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeTree(v, `${path}.${k}`)]));
  }
  throw new BasinError(`encodeTree: ${path} is a ${typeof value}, which cannot be saved`);
});

function decodeNode(encoded: EncodedTree, path: string, made: tf.Tensor[]): any {
  if (encoded === null || typeof encoded !== 'object') return encoded;
  if (Array.isArray(encoded)) return encoded.map((v, i) => decodeNode(v, `${path}[${i}]`, made));
  if ('$number' in encoded && typeof encoded.$number === 'string') return Number(encoded.$number);
  if ('$tensor' in encoded) {
    const { dtype, shape, data } = ((encoded as EncodedTensor).$tensor ?? {}) as Partial<EncodedTensor['$tensor']>;
    if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
      throw new BasinError(`${path} has dtype ${JSON.stringify(dtype)}; expected float32, int32 or bool`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new BasinError(`${path} has shape ${JSON.stringify(shape)}; expected an array of non-negative integers`);
    }
    if (typeof data !== 'string') throw new BasinError(`${path} has no base64 data string`);
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(data);
    } catch {
      throw new BasinError(`${path} data is not valid base64 (was the checkpoint truncated or edited?)`);
    }
    const expected = shape.reduce((a, b) => a * b, 1);
    const width = dtype === 'bool' ? 1 : 4;
    if (bytes.byteLength !== expected * width) {
      throw new BasinError(`${path} holds ${bytes.byteLength} bytes, but shape [${shape.join(', ')}] of ${dtype} needs ${expected * width} (was the checkpoint truncated?)`);
    }
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const values = dtype === 'float32' ? new Float32Array(buffer) : dtype === 'int32' ? new Int32Array(buffer) : new Uint8Array(buffer);
    const tensor = tf.tensor(values, shape, dtype);
    made.push(tensor);
    return tensor;
  }
  return Object.fromEntries(Object.entries(encoded).map(([k, v]) => [k, decodeNode(v as EncodedTree, `${path}.${k}`, made)]));
}

/** Inverse of `encodeTree`: new tensors the caller owns. On an error nothing is kept. */
export const decodeTree = entryPoint('decodeTree', function decodeTree(encoded: EncodedTree, path = 'state'): any {
  const made: tf.Tensor[] = [];
  try {
    return decodeNode(encoded, path, made);
  } catch (e) {
    tf.dispose(made);
    throw e;
  }
});

/** A saved training run: params, optimizer state and step count, as JSON-friendly data. */
export interface TrainingCheckpoint {
  format: 'basin-checkpoint';
  version: 1;
  steps: number;
  params: EncodedTree;
  state: EncodedTree;
  /** Non-trainable model weights (BatchNorm moving statistics), saved by `ModelTrainer`. */
  buffers?: EncodedTree;
}

/**
 * Renames record keys throughout an encoded tree (tensor payloads untouched). `ModelTrainer`
 * uses it to restore a checkpoint into a model whose weights got other process-unique names.
 */
export const renameEncodedKeys = entryPoint('renameEncodedKeys', function renameEncodedKeys(encoded: EncodedTree, names: ReadonlyMap<string, string>): EncodedTree {
  if (encoded === null || typeof encoded !== 'object') return encoded;
  if (Array.isArray(encoded)) return encoded.map((v) => renameEncodedKeys(v, names));
  if ('$tensor' in encoded || '$number' in encoded) return encoded;
  return Object.fromEntries(
    Object.entries(encoded as Record<string, EncodedTree>).map(([k, v]) => [names.get(k) ?? k, renameEncodedKeys(v, names)]),
  );
});

export const saveCheckpoint = entryPoint('saveCheckpoint', function saveCheckpoint({ params, state, steps = 0 }: { params: Tree; state: unknown; steps?: number }): TrainingCheckpoint {
  return { format: 'basin-checkpoint', version: 1, steps, params: encodeTree(params, 'params'), state: encodeTree(state, 'state') };
});

/**
 * Decodes a checkpoint. With `like`, checks the saved params have the same structure and
 * shapes as the model being restored, and throws naming the first difference.
 */
export const restoreCheckpoint = entryPoint('restoreCheckpoint', function restoreCheckpoint(checkpoint: TrainingCheckpoint, like?: Tree): { params: Tree; state: any; steps: number } {
  if (checkpoint?.format !== 'basin-checkpoint' || checkpoint.version !== 1) {
    throw new BasinError(`restoreCheckpoint: not a Basin checkpoint (expected format 'basin-checkpoint' version 1)`);
  }
  if (checkpoint.params === undefined || checkpoint.params === null) throw new BasinError('restoreCheckpoint: the checkpoint has no params');
  if (checkpoint.state === undefined) throw new BasinError('restoreCheckpoint: the checkpoint has no optimizer state (a saved state of a stateless optimizer is still present, as {} or [])');
  const params = decodeTree(checkpoint.params, 'params') as Tree;
  try {
    treeLeaves(params, undefined, 'checkpoint params');
  } catch (e) {
    treeDispose(params);
    throw e;
  }
  if (like !== undefined) {
    try {
      assertSameStructure(like, params, ['model params', 'checkpoint params']);
    } catch (e) {
      treeDispose(params);
      throw new BasinError(`restoreCheckpoint: ${(e as Error).message}`);
    }
  }
  let state: unknown;
  try {
    state = decodeTree(checkpoint.state, 'state');
  } catch (e) {
    treeDispose(params);
    throw e;
  }
  const steps = checkpoint.steps ?? 0;
  if (typeof steps !== 'number' || !Number.isInteger(steps) || steps < 0) {
    treeDispose([params, state]);
    throw new BasinError(`restoreCheckpoint: steps must be a non-negative integer, got ${JSON.stringify(steps)}`);
  }
  return { params, state, steps };
});
