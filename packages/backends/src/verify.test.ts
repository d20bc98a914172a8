import { tf } from '@basin/testing';
import { verifyBackend } from './verify';

describe('verifyBackend', () => {
  it('passes on cpu and leaves no tensors', async () => {
    const before = tf.memory().numTensors;
    const v = await verifyBackend();
    expect(v).toEqual({ syncReadback: true, asyncReadback: true, maxError: 0 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('catches a backend whose synchronous readback is wrong', async () => {
    const backend = tf.backend() as { readSync: (id: unknown) => ArrayLike<number> };
    const original = backend.readSync;
    backend.readSync = (id) => new Float32Array(original.call(backend, id).length);
    try {
      const v = await verifyBackend();
      expect(v.syncReadback).toBe(false);
      expect(v.maxError).toBeGreaterThan(100);
    } finally {
      backend.readSync = original;
    }
  });
});
