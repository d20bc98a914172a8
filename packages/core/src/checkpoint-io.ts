import * as tf from '@tensorflow/tfjs-core';
import { BasinError } from './errors';
import { assertSameStructure, isTensor, Tree, treeDispose } from './tree';
import { entryPoint } from './entry/entry-point';

// Checkpoints through tf.io: the same handlers TF.js models save to (IndexedDB and local storage
// in browsers, files with tfjs-node, HTTP, or custom handlers). The tree's shape travels as the
// artifacts' `modelTopology` JSON, its tensors as TF.js weight data.

const FORMAT = 'basin-checkpoint-io';

function split(value: unknown, tensors: Record<string, tf.Tensor>): unknown {
  if (isTensor(value)) {
    const name = `t${Object.keys(tensors).length}`;
    tensors[name] = value;
    return { $ref: name };
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
  if (Array.isArray(value)) return value.map((v) => split(v, tensors));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, split(v, tensors)]));
  return value ?? null;
}

function join(value: unknown, tensors: tf.NamedTensorMap): unknown {
  if (Array.isArray(value)) return value.map((v) => join(v, tensors));
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (typeof record.$ref === 'string') {
      const t = tensors[record.$ref];
      if (!t) throw new BasinError(`loadCheckpointFrom: the weight data has no tensor '${record.$ref}'`);
      return t;
    }
    if (typeof record.$number === 'string') return Number(record.$number);
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, join(v, tensors)]));
  }
  return value;
}

function saveHandler(destination: string | tf.io.IOHandler): tf.io.IOHandler {
  if (typeof destination !== 'string') return destination;
  const handlers = tf.io.getSaveHandlers(destination);
  if (handlers.length === 0) throw new BasinError(`saveCheckpointTo: no tf.io handler for '${destination}' (in Node, file:// needs @tensorflow/tfjs-node)`);
  return handlers[0];
}

function loadHandler(source: string | tf.io.IOHandler): tf.io.IOHandler {
  if (typeof source !== 'string') return source;
  const handlers = tf.io.getLoadHandlers(source);
  if (handlers.length === 0) throw new BasinError(`loadCheckpointFrom: no tf.io handler for '${source}'`);
  return handlers[0];
}

/**
 * Saves params, optimizer state and step count through a tf.io handler or URL
 * (`'indexeddb://run-1'`, `'localstorage://run-1'`, `'file://./ckpt'` with tfjs-node, ...).
 */
export const saveCheckpointTo = entryPoint('saveCheckpointTo', async function saveCheckpointTo(
  destination: string | tf.io.IOHandler,
  { params, state, steps = 0 }: { params: Tree; state: unknown; steps?: number },
): Promise<tf.io.SaveResult> {
  const handler = saveHandler(destination);
  if (!handler.save) throw new BasinError('saveCheckpointTo: the handler cannot save');
  const tensors: Record<string, tf.Tensor> = {};
  const structure = { format: FORMAT, version: 1, steps, params: split(params, tensors), state: split(state, tensors) };
  const { data, specs } = await tf.io.encodeWeights(tensors);
  return handler.save({ modelTopology: structure as unknown as tf.io.ModelJSON['modelTopology'], weightSpecs: specs, weightData: data, format: FORMAT, generatedBy: '@basin/core' });
});

/** Loads what `saveCheckpointTo` saved: new tensors the caller owns. `like` checks the params' structure. */
export const loadCheckpointFrom = entryPoint('loadCheckpointFrom', async function loadCheckpointFrom(source: string | tf.io.IOHandler, like?: Tree): Promise<{ params: Tree; state: any; steps: number }> {
  const handler = loadHandler(source);
  if (!handler.load) throw new BasinError('loadCheckpointFrom: the handler cannot load');
  const artifacts = await handler.load();
  const structure = artifacts.modelTopology as unknown as { format?: string; version?: number; steps: number; params: unknown; state: unknown } | undefined;
  if (structure?.format !== FORMAT || structure.version !== 1 || !artifacts.weightSpecs || !artifacts.weightData) {
    throw new BasinError(`loadCheckpointFrom: not a Basin checkpoint (expected format '${FORMAT}' version 1)`);
  }
  const tensors = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const params = join(structure.params, tensors) as Tree;
  const state = join(structure.state, tensors);
  if (like !== undefined) {
    try {
      assertSameStructure(like, params, ['model params', 'checkpoint params']);
    } catch (e) {
      treeDispose(tensors);
      throw new BasinError(`loadCheckpointFrom: ${(e as Error).message}`);
    }
  }
  return { params, state, steps: structure.steps };
});
