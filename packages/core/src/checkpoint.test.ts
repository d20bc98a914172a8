import { tf, expectNoLeak } from '@basin/testing';
import { decodeTree, encodeTree, EncodedTree, restoreCheckpoint, saveCheckpoint, TrainingCheckpoint } from './checkpoint';
import { adam } from './aliases/adam';
import { Tree, treeDispose } from './tree';
import { expectBasinError, expectIntact, leafValues, makeTree, runTransform, snapshot } from '../test-helpers';

const json = (x: unknown) => JSON.parse(JSON.stringify(x)) as EncodedTree;
const bytes = (t: tf.Tensor) => {
  const d = t.dataSync() as Float32Array | Int32Array | Uint8Array;
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
};

describe('encodeTree / decodeTree', () => {
  it('round-trips float32 bit for bit (negative zero, subnormals, extremes, NaN, Infinity)', () => {
    const values = [0, -0, 1e-45, -3.4028234663852886e38, 0.1, Math.PI, NaN, Infinity, -Infinity];
    const t = tf.tensor1d(values);
    const back = decodeTree(json(encodeTree(t))) as tf.Tensor;
    expect(back.dtype).toBe('float32');
    expect(back.shape).toEqual([9]);
    expect(bytes(back)).toEqual(bytes(t));
    tf.dispose([t, back]);
  });

  it('round-trips int32 and bool tensors with their dtype and shape', () => {
    const i = tf.tensor2d([2147483647, -2147483648, 0, 7, -1, 3], [2, 3], 'int32');
    const b = tf.tensor1d([1, 0, 1], 'bool');
    const s = tf.scalar(5, 'int32');
    const back = decodeTree(json(encodeTree({ i, b, s }))) as Record<string, tf.Tensor>;
    expect(back.i.dtype).toBe('int32');
    expect(back.i.shape).toEqual([2, 3]);
    expect(Array.from(back.i.dataSync())).toEqual([2147483647, -2147483648, 0, 7, -1, 3]);
    expect(back.b.dtype).toBe('bool');
    expect(Array.from(back.b.dataSync())).toEqual([1, 0, 1]);
    expect(back.s.shape).toEqual([]);
    expect(back.s.dataSync()[0]).toBe(5);
    treeDispose([i, b, s, back]);
  });

  it('keeps numbers (including Infinity, -Infinity and NaN), strings, booleans, nulls and nesting', () => {
    const state = { count: 3, ratio: Infinity, low: -Infinity, nan: NaN, name: 'adam', on: true, none: null, list: [1, [2, { x: -0.5 }]] };
    const encoded = json(encodeTree(state));
    expect(decodeTree(encoded)).toEqual(state);
    expect(decodeTree(json(encodeTree({ gone: undefined })))).toEqual({ gone: null });
  });

  it('round-trips an optimizer state so that the run continues identically', () => {
    const params = makeTree(1);
    const opt = adam({ learningRate: 0.1 });
    const state = opt.init(params);
    const back = decodeTree(json(encodeTree(state)));
    expect(runTransform(opt, params, (k) => makeTree(10 + k), 2)).toEqual(runTransform({ init: () => back, update: opt.update }, params, (k) => makeTree(10 + k), 2));
    treeDispose([params, state]);
  });

  it('refuses what it cannot save, naming the path', () => {
    const s = tf.tensor1d(['a'], 'string');
    expect(() => encodeTree({ inner: [s] })).toThrow(/encodeTree: state.inner\[0\] has dtype string; only float32, int32 and bool tensors can be saved/);
    expect(() => encodeTree({ fn: () => 1 })).toThrow(/encodeTree: state.fn is a function, which cannot be saved/);
    s.dispose();
  });

  it('names a tensor whose data does not fit its shape', () => {
    const t = tf.tensor1d([1, 2]);
    const encoded = json(encodeTree({ w: t })) as { w: { $tensor: { shape: number[] } } };
    encoded.w.$tensor.shape = [3];
    expectBasinError(() => decodeTree(encoded as unknown as EncodedTree), /decodeTree: state.w holds 8 bytes, but shape \[3\] of float32 needs 12/);
    t.dispose();
  });

  it('creates only the tensors it returns', () => {
    const t = makeTree(2);
    const encoded = encodeTree(t);
    expectNoLeak(() => treeDispose(decodeTree(encoded)));
    treeDispose(t);
  });
});

describe('saveCheckpoint / restoreCheckpoint', () => {
  it('round-trips params, state and steps through JSON', () => {
    const params = makeTree(1);
    const state = adam({ learningRate: 0.1 }).init(params);
    const ckpt = json(saveCheckpoint({ params, state, steps: 7 })) as unknown as TrainingCheckpoint;
    expect(ckpt.format).toBe('basin-checkpoint');
    expect(ckpt.version).toBe(1);
    const restored = restoreCheckpoint(ckpt, params);
    expect(restored.steps).toBe(7);
    expect(leafValues(restored.params)).toEqual(leafValues(params));
    expect(restored.state[0].count).toBe(0);
    expect(leafValues(restored.state[0].mu)).toEqual(leafValues((state[0] as { mu: Tree }).mu));
    treeDispose([params, state, restored]);
  });

  it('rejects data that is not a Basin checkpoint', () => {
    expectBasinError(() => restoreCheckpoint({ format: 'other' } as unknown as TrainingCheckpoint), /restoreCheckpoint: not a Basin checkpoint/);
    expectBasinError(() => restoreCheckpoint({ format: 'basin-checkpoint', version: 2 } as unknown as TrainingCheckpoint), /not a Basin checkpoint/);
    expectBasinError(() => restoreCheckpoint(null as unknown as TrainingCheckpoint), /not a Basin checkpoint/);
  });

  it('names the first difference from the model params, creating nothing and changing nothing', () => {
    const params = makeTree(1);
    const other = { dense: { kernel: tf.zeros([3, 3]), bias: tf.zeros([2]) }, gain: tf.scalar(0) };
    const ckpt = saveCheckpoint({ params: other, state: {}, steps: 1 });
    const snap = snapshot(params);
    expectBasinError(
      () => restoreCheckpoint(ckpt, params),
      /restoreCheckpoint: checkpoint params does not match model params at 'dense\.kernel': expected shape \[3, 2\], got \[3, 3\]/,
    );
    const missing = saveCheckpoint({ params: { dense: other.dense }, state: {}, steps: 1 });
    expectBasinError(() => restoreCheckpoint(missing, params), /missing \{gain\}/);
    expectIntact(snap);
    treeDispose([params, other]);
  });
});
