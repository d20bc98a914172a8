import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from './errors';
import { assertSameStructure, isTensor, Tree, treeDispose } from './tree';

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
export function encodeTree(value: unknown, path = 'state'): EncodedTree {
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
}

/** Inverse of `encodeTree`: new tensors the caller owns. */
export function decodeTree(encoded: EncodedTree, path = 'state'): any {
  if (encoded === null || typeof encoded !== 'object') return encoded;
  if (Array.isArray(encoded)) return encoded.map((v, i) => decodeTree(v, `${path}[${i}]`));
  if ('$number' in encoded && typeof encoded.$number === 'string') return Number(encoded.$number);
  if ('$tensor' in encoded) {
    const { dtype, shape, data } = (encoded as EncodedTensor).$tensor;
    const bytes = fromBase64(data);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const values = dtype === 'float32' ? new Float32Array(buffer) : dtype === 'int32' ? new Int32Array(buffer) : new Uint8Array(buffer);
    const expected = shape.reduce((a, b) => a * b, 1);
    if (values.length !== expected) throw new BasinError(`decodeTree: ${path} holds ${values.length} values for shape [${shape.join(', ')}]`);
    return tf.tensor(values, shape, dtype);
  }
  return Object.fromEntries(Object.entries(encoded).map(([k, v]) => [k, decodeTree(v as EncodedTree, `${path}.${k}`)]));
}

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
export function renameEncodedKeys(encoded: EncodedTree, names: ReadonlyMap<string, string>): EncodedTree {
  if (encoded === null || typeof encoded !== 'object') return encoded;
  if (Array.isArray(encoded)) return encoded.map((v) => renameEncodedKeys(v, names));
  if ('$tensor' in encoded || '$number' in encoded) return encoded;
  return Object.fromEntries(
    Object.entries(encoded as Record<string, EncodedTree>).map(([k, v]) => [names.get(k) ?? k, renameEncodedKeys(v, names)]),
  );
}

export function saveCheckpoint({ params, state, steps = 0 }: { params: Tree; state: unknown; steps?: number }): TrainingCheckpoint {
  return { format: 'basin-checkpoint', version: 1, steps, params: encodeTree(params, 'params'), state: encodeTree(state, 'state') };
}

/**
 * Decodes a checkpoint. With `like`, checks the saved params have the same structure and
 * shapes as the model being restored, and throws naming the first difference.
 */
export function restoreCheckpoint(checkpoint: TrainingCheckpoint, like?: Tree): { params: Tree; state: any; steps: number } {
  if (checkpoint?.format !== 'basin-checkpoint' || checkpoint.version !== 1) {
    throw new BasinError(`restoreCheckpoint: not a Basin checkpoint (expected format 'basin-checkpoint' version 1)`);
  }
  const params = decodeTree(checkpoint.params, 'params') as Tree;
  if (like !== undefined) {
    try {
      assertSameStructure(like, params, ['model params', 'checkpoint params']);
    } catch (e) {
      treeDispose(params);
      throw new BasinError(`restoreCheckpoint: ${(e as Error).message}`);
    }
  }
  return { params, state: decodeTree(checkpoint.state, 'state'), steps: checkpoint.steps };
}
