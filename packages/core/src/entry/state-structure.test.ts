import { tf } from '@basin/testing';
import { initStructure, stateStructure, structureMismatch } from './state-structure';

describe('stateStructure / structureMismatch', () => {
  it('accepts the same structure with other values, and names the first difference otherwise', () => {
    const a = { count: 1, mu: { w: tf.zeros([2, 3]) }, tag: 'x', on: true };
    const b = { count: 7, mu: { w: tf.ones([2, 3]) }, tag: 'y', on: false };
    expect(structureMismatch(stateStructure(a), stateStructure(b))).toBeUndefined();
    const wrongShape = { ...b, mu: { w: tf.ones([3, 2]) } };
    expect(structureMismatch(stateStructure(a), stateStructure(wrongShape))).toBe(
      'at state.mu.w expected a float32 tensor of shape [2, 3], got a float32 tensor of shape [3, 2]',
    );
    const wrongDtype = { ...b, mu: { w: tf.ones([2, 3], 'int32') } };
    expect(structureMismatch(stateStructure(a), stateStructure(wrongDtype))).toMatch(/int32/);
    expect(structureMismatch(stateStructure(a), stateStructure({ count: 1 }))).toBe('at state missing {mu, tag, on} (expected keys {count, mu, tag, on})');
    expect(structureMismatch(stateStructure([1, 2]), stateStructure([1]))).toBe('at state expected an array of length 2, got an array of length 1');
    expect(structureMismatch(stateStructure({ n: 1 }), stateStructure({ n: tf.scalar(1) }))).toBe('at state.n expected a number, got a float32 tensor of shape []');
    tf.dispose([a.mu.w, b.mu.w, wrongShape.mu.w, wrongDtype.mu.w]);
  });

  it('lets an entry that init leaves empty (null) hold anything later', () => {
    expect(structureMismatch(stateStructure({ previous: null }), stateStructure({ previous: { w: 1 } }))).toBeUndefined();
  });

  it('initStructure keeps no tensor that init made', () => {
    const before = tf.memory().numTensors;
    const structure = initStructure(() => ({ m: tf.zeros([3]) }));
    expect(structure).toEqual({ kind: 'record', entries: { m: { kind: 'tensor', shape: [3], dtype: 'float32' } } });
    expect(tf.memory().numTensors).toBe(before);
    expect(
      initStructure(() => {
        throw new Error('cannot');
      }),
    ).toBeUndefined();
  });
});
